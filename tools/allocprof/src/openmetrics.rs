// SPDX-License-Identifier: GPL-2.0

//! `allocprof export --format openmetrics|prometheus`: rows as metrics in
//! the OpenMetrics 1.0 text format or the Prometheus 0.0.4 text format
//! ([`text`]), and `allocprof openmetrics-check`: such a text parsed
//! (nom-openmetrics) and checked ([`check`]).
//!
//! One series per call site (source, file, line, module, function; rows
//! naming the same one are summed), in the families
//!
//! * `allocprof_live_bytes` (gauge, unit bytes): the row's bytes;
//! * `allocprof_live_allocations` (gauge): the row's calls;
//! * `allocprof_inaccurate` (gauge): 1 for a row marked `accurate:no`;
//! * `allocprof_allocations` (counter, `_total`): the row's `total_calls`;
//! * `allocprof_allocated_bytes` (counter, unit bytes, `_total`): its
//!   `total_bytes`;
//!
//! each only when it has a sample.  Labels `source`, `file`, `line`,
//! `module` (empty for a row without one), `function`.  No timestamps (the
//! node_exporter's textfile collector refuses them).
//!
//! Layer: readers and writers.  Uses: `table`.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};

use nom_openmetrics::parser;
use nom_openmetrics::{Family, MetricDescriptor, MetricType};

use crate::table::Row;

/// The text format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// OpenMetrics 1.0 (`application/openmetrics-text; version=1.0.0`):
    /// `# UNIT` lines, counters' TYPE on the family name (samples
    /// `NAME_total`), `# EOF` at the end.
    OpenMetrics,
    /// Prometheus 0.0.4 (`text/plain; version=0.0.4`), which the
    /// node_exporter's textfile collector reads: counters' HELP and TYPE on
    /// the `_total` name, no `# UNIT`, no `# EOF`.
    Prometheus,
}

impl Flavor {
    pub fn name(self) -> &'static str {
        match self {
            Flavor::OpenMetrics => "OpenMetrics",
            Flavor::Prometheus => "Prometheus",
        }
    }

    /// The HTTP content type of the text.
    pub fn content_type(self) -> &'static str {
        match self {
            Flavor::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Flavor::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// A family: name, type, unit (empty: none), help.
struct Desc {
    name: &'static str,
    counter: bool,
    unit: &'static str,
    help: &'static str,
}

const fn gauge(name: &'static str, unit: &'static str, help: &'static str) -> Desc {
    Desc {
        name,
        counter: false,
        unit,
        help,
    }
}

const fn counter(name: &'static str, unit: &'static str, help: &'static str) -> Desc {
    Desc {
        name,
        counter: true,
        unit,
        help,
    }
}

const LIVE_BYTES: Desc = gauge(
    "allocprof_live_bytes",
    "bytes",
    "Bytes of the live allocations of a call site (allocinfo's size; signed).",
);
const LIVE_ALLOCATIONS: Desc = gauge(
    "allocprof_live_allocations",
    "",
    "Live allocations of a call site (allocinfo's calls).",
);
const INACCURATE: Desc = gauge(
    "allocprof_inaccurate",
    "",
    "1 for a call site marked accurate:no: its figures may be wrong, their changes are right.",
);
const ALLOCATIONS: Desc = counter(
    "allocprof_allocations",
    "",
    "Allocations made at a call site since its cumulative counters were reset (total_calls).",
);
const ALLOCATED_BYTES: Desc = counter(
    "allocprof_allocated_bytes",
    "bytes",
    "Bytes charged for the allocations made at a call site since its cumulative counters were \
     reset (total_bytes).",
);

/// A call site's figures: its first row and the sums of its rows.
struct Series<'r> {
    row: &'r Row,
    bytes: i128,
    calls: u128,
    inaccurate: bool,
    total_calls: Option<u128>,
    total_bytes: Option<u128>,
}

/// The value of key `k` of a row's pairs, if it is an unsigned integer.
fn pair(r: &Row, k: &str) -> Option<u128> {
    r.extra
        .iter()
        .find(|(key, _)| key == k)
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .map(u128::from)
}

/// The series of `rows`, in the order of their first rows.
fn series(rows: &[Row]) -> Vec<Series<'_>> {
    type Key<'r> = (&'r str, &'r str, u32, Option<&'r str>, &'r str);
    let mut at: HashMap<Key, usize> = HashMap::with_capacity(rows.len());
    let mut out: Vec<Series> = Vec::with_capacity(rows.len());
    for r in rows {
        let key = (
            &*r.source,
            &*r.file,
            r.line,
            r.module.as_deref(),
            r.function.as_str(),
        );
        let i = *at.entry(key).or_insert_with(|| {
            out.push(Series {
                row: r,
                bytes: 0,
                calls: 0,
                inaccurate: false,
                total_calls: None,
                total_bytes: None,
            });
            out.len() - 1
        });
        let s = &mut out[i];
        s.bytes += i128::from(r.bytes);
        s.calls += u128::from(r.calls);
        s.inaccurate |= r.extra.iter().any(|(k, v)| k == "accurate" && v == "no");
        if let Some(n) = pair(r, "total_calls") {
            *s.total_calls.get_or_insert(0) += n;
        }
        if let Some(n) = pair(r, "total_bytes") {
            *s.total_bytes.get_or_insert(0) += n;
        }
    }
    out
}

/// Appends `s` escaped as a label value (or, with `quote` false, as a
/// Prometheus 0.0.4 HELP text): `\` `\\`, newline `\n`, `"` `\"`.
fn escape(out: &mut String, s: &str, quote: bool) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// Appends `{source="...",...}` of a series.
fn labels(out: &mut String, r: &Row) {
    let line = r.line.to_string();
    let parts = [
        ("source", &*r.source),
        ("file", &*r.file),
        ("line", line.as_str()),
        ("module", r.module.as_deref().unwrap_or("")),
        ("function", r.function.as_str()),
    ];
    out.push('{');
    for (i, (k, v)) in parts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push_str("=\"");
        escape(out, v, true);
        out.push('"');
    }
    out.push('}');
}

/// Appends a family: its descriptors and a sample per series that has a
/// value (none: nothing appended).
fn family<V: fmt::Display>(
    out: &mut String,
    flavor: Flavor,
    d: &Desc,
    series: &[Series],
    value: impl Fn(&Series) -> Option<V>,
) {
    if !series.iter().any(|s| value(s).is_some()) {
        return;
    }
    let sample = if d.counter {
        format!("{}_total", d.name)
    } else {
        d.name.to_string()
    };
    // OpenMetrics describes the family, Prometheus 0.0.4 its samples' name.
    let named = match flavor {
        Flavor::OpenMetrics => d.name,
        Flavor::Prometheus => sample.as_str(),
    };
    out.push_str("# HELP ");
    out.push_str(named);
    out.push(' ');
    escape(out, d.help, flavor == Flavor::OpenMetrics);
    let _ = writeln!(
        out,
        "\n# TYPE {named} {}",
        if d.counter { "counter" } else { "gauge" }
    );
    if flavor == Flavor::OpenMetrics && !d.unit.is_empty() {
        let _ = writeln!(out, "# UNIT {named} {}", d.unit);
    }
    for s in series {
        if let Some(v) = value(s) {
            out.push_str(&sample);
            labels(out, s.row);
            let _ = writeln!(out, " {v}");
        }
    }
}

/// The text of `rows` in `flavor`.
pub fn text(rows: &[Row], flavor: Flavor) -> String {
    let s = series(rows);
    let mut out = String::new();
    family(&mut out, flavor, &LIVE_BYTES, &s, |s| Some(s.bytes));
    family(&mut out, flavor, &LIVE_ALLOCATIONS, &s, |s| Some(s.calls));
    family(&mut out, flavor, &INACCURATE, &s, |s| {
        s.inaccurate.then_some(1)
    });
    family(&mut out, flavor, &ALLOCATIONS, &s, |s| s.total_calls);
    family(&mut out, flavor, &ALLOCATED_BYTES, &s, |s| s.total_bytes);
    if flavor == Flavor::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

/// What `check` counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Families as the parser groups them (descriptors, then samples).
    pub families: usize,
    pub samples: usize,
}

/// Why a text is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// The 1-based line, when one is at fault.
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for CheckError {}

/// Parses `text` as `flavor` (nom-openmetrics) and checks what a scraper
/// would refuse beyond the syntax: a sample whose name is not its
/// family's (`NAME` for a gauge, `NAME_total` for an OpenMetrics counter,
/// the TYPE's name for a Prometheus one), a unit that is not a suffix of
/// its family's name, a series given twice.
pub fn check(text: &str, flavor: Flavor) -> Result<Summary, CheckError> {
    let parsed = match flavor {
        Flavor::OpenMetrics => parser::openmetrics(text),
        Flavor::Prometheus => parser::prometheus(text),
    };
    let families = match parsed {
        Ok((_, f)) => f,
        Err(_) => return Err(locate(text, flavor)),
    };
    let mut seen = HashSet::new();
    let mut samples = 0;
    for f in &families {
        check_family(f, flavor, &mut seen)?;
        samples += f.samples.len();
    }
    Ok(Summary {
        families: families.len(),
        samples,
    })
}

/// A series: a sample's name and its labels, sorted.
type SeriesKey = (String, Vec<(String, String)>);

fn check_family(
    f: &Family,
    flavor: Flavor,
    seen: &mut HashSet<SeriesKey>,
) -> Result<(), CheckError> {
    let bad = |reason: String| Err(CheckError { line: None, reason });
    for d in &f.descriptors {
        if let MetricDescriptor::Unit { metric, unit } = d {
            if !unit.is_empty() && !metric.ends_with(&format!("_{unit}")) {
                return bad(format!(
                    "family {metric}: its unit {unit} is not its name's suffix"
                ));
            }
        }
    }
    let typed = f.descriptors.iter().find_map(|d| match d {
        MetricDescriptor::Type { metric, r#type } => Some((*metric, r#type)),
        _ => None,
    });
    for s in &f.samples {
        let name = s.name();
        if let Some((family, t)) = typed {
            let ok = match (t, flavor) {
                (MetricType::Counter, Flavor::OpenMetrics) => name
                    .strip_prefix(family)
                    .is_some_and(|x| x == "_total" || x == "_created"),
                (MetricType::Counter | MetricType::Gauge, _) => name == family,
                _ => true,
            };
            if !ok {
                return bad(format!(
                    "sample {name} is not of its family {family} ({t}): a {} reader files it apart",
                    flavor.name()
                ));
            }
        }
        let mut l: Vec<(String, String)> = s
            .labels()
            .iter()
            .map(|l| (l.name.to_string(), l.value.clone()))
            .collect();
        l.sort();
        if !seen.insert((name.to_string(), l)) {
            return bad(format!(
                "sample {name} given twice with the same labels: {}",
                s.labels()
                    .iter()
                    .map(|l| format!("{}={:?}", l.name, l.value))
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
    }
    Ok(())
}

/// The first line of `text` that the parser refuses, as it refuses the
/// whole text only at the start of the family it fails in: each line
/// parsed alone, a sample as a family of one sample, a descriptor followed
/// by one.
fn locate(text: &str, flavor: Flavor) -> CheckError {
    let at = |line: usize, reason: &str| CheckError {
        line: Some(line),
        reason: reason.to_string(),
    };
    // The line is a whole family, of one sample.
    let whole = |l: &str| matches!(parser::family(l), Ok(("", _)));
    // Descriptors after the last sample: a family with no sample.
    let lonely = |run: Option<usize>, end: CheckError| match run {
        Some(l) => at(l, "HELP, TYPE or UNIT lines with no sample after them"),
        None => end,
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut run = None;
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        if flavor == Flavor::OpenMetrics && l.trim_end_matches('\n') == "# EOF" {
            return if i + 1 == lines.len() {
                lonely(run, at(n, "not valid as a whole"))
            } else {
                at(n + 1, "text after # EOF")
            };
        }
        if !l.ends_with('\n') {
            return at(n, "no newline at the end of the line");
        }
        if l.starts_with('#') {
            if !whole(&format!("{l}x 0\n")) {
                return at(n, "not a HELP, TYPE or UNIT line");
            }
            run.get_or_insert(n);
        } else if whole(l) {
            run = None;
        } else {
            return at(n, "not a sample NAME{LABEL=\"VALUE\",...} VALUE");
        }
    }
    match flavor {
        Flavor::OpenMetrics => at(lines.len().max(1), "no # EOF line at the end"),
        Flavor::Prometheus => lonely(run, at(1, "not valid as a whole")),
    }
}
