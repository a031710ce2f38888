// SPDX-License-Identifier: GPL-2.0

//! `export --format openmetrics|prometheus` read back by real parsers:
//! nom-openmetrics (the one `openmetrics-check` uses; it unescapes label
//! values) must give back every row's value and labels exactly, and
//! openmetrics-parser (a stricter one, of the tests only) must accept the
//! text's structure (families, types, units, `_total`, one sample per
//! series, label sets) and give back the same label values.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use allocprof::openmetrics::{check, text, Flavor};
use allocprof::parse::parse;
use allocprof::table::Row;

/// Two tables with tricky rows: names with `::` and `<...>` with spaces,
/// quotes and backslashes in a file name, negative and extreme figures,
/// `accurate:no`, cumulative pairs, a call site given twice (summed), the
/// same call site in both tables (two series).
const A: &str = r#"allocinfo - version: 2.0
#     <size>  <calls> <tag info>
        1280       10 tools/testing/selftests/allocprof/allocprof_test.rs:41 [allocprof_test] func:allocprof_test::site_kmalloc total_calls:12 total_bytes:1536
       -4096        1 mm/slub.c:123 func:<alloc::vec::Vec<u8> as core::ops::Drop>::drop accurate:no
          64        1 drivers/"q\uote"\\back.c:7 [m] func:f total_calls:3 total_bytes:192
     2097152      512 mm/page_alloc.c:4753 func:__alloc_pages_noprof accurate:no total_calls:9007199254740993 total_bytes:4294967296
     1048576      256 mm/page_alloc.c:4753 func:__alloc_pages_noprof total_calls:7 total_bytes:5
-9223372036854775808 18446744073709551615 lib/x.c:1 [ext4] func:<F as Fn() -> u8>::call
           0        0 src/allocinfo.rs:137 [allocprof] func:allocprof::allocinfo::Snapshot::alloc_text k:v
"#;
const B: &str = "allocinfo - version: 1.0
#     <size>  <calls> <tag info>
        4096        1 mm/slub.c:123 func:<alloc::vec::Vec<u8> as core::ops::Drop>::drop
       12288        3 fs/ext4/super.c:1400 [ext4] func:ext4_alloc_inode
";

fn rows() -> Vec<Row> {
    let mut rows = parse(A, "/sys/kernel/allocprof/allocinfo").rows;
    rows.extend(parse(B, "snapshots/host \"b\"\\1").rows);
    // What no allocinfo line holds, but a label may: newlines.
    rows.push(Row {
        source: Arc::from("c\nd"),
        file: Arc::from("x\ny.c"),
        line: 9,
        module: Some(Arc::from("m\n")),
        function: "g\"h\\\ni".to_string(),
        bytes: -1,
        calls: 2,
        extra: vec![("accurate".into(), "no".into())],
    });
    assert_eq!(rows.len(), 10);
    rows
}

type Labels = Vec<(String, String)>;

/// A call site's sums: bytes, calls, accurate:no, total_calls, total_bytes.
#[derive(Default)]
struct Sums(i128, u128, bool, Option<u128>, Option<u128>);

/// The samples the rows should give, from the rows alone: (sample name,
/// labels in order) -> value.
fn expected(rows: &[Row]) -> BTreeMap<(String, Labels), f64> {
    let mut sums: BTreeMap<Labels, Sums> = BTreeMap::new();
    for r in rows {
        let labels = vec![
            ("source".to_string(), r.source.to_string()),
            ("file".to_string(), r.file.to_string()),
            ("line".to_string(), r.line.to_string()),
            (
                "module".to_string(),
                r.module.as_deref().unwrap_or("").to_string(),
            ),
            ("function".to_string(), r.function.clone()),
        ];
        let e = sums.entry(labels).or_default();
        e.0 += r.bytes as i128;
        e.1 += r.calls as u128;
        for (k, v) in &r.extra {
            match k.as_str() {
                "accurate" if v == "no" => e.2 = true,
                "total_calls" => *e.3.get_or_insert(0) += v.parse::<u128>().unwrap(),
                "total_bytes" => *e.4.get_or_insert(0) += v.parse::<u128>().unwrap(),
                _ => {}
            }
        }
    }
    let mut out = BTreeMap::new();
    for (l, Sums(bytes, calls, inaccurate, tc, tb)) in sums {
        let mut put = |name: &str, v: f64| {
            assert!(out.insert((name.to_string(), l.clone()), v).is_none());
        };
        put("allocprof_live_bytes", bytes as f64);
        put("allocprof_live_allocations", calls as f64);
        if inaccurate {
            put("allocprof_inaccurate", 1.0);
        }
        if let Some(v) = tc {
            put("allocprof_allocations_total", v as f64);
        }
        if let Some(v) = tb {
            put("allocprof_allocated_bytes_total", v as f64);
        }
    }
    out
}

/// The samples nom-openmetrics reads in `text`, each once.
fn read_back(text: &str, flavor: Flavor) -> BTreeMap<(String, Labels), f64> {
    let families = match flavor {
        Flavor::OpenMetrics => nom_openmetrics::parser::openmetrics(text),
        Flavor::Prometheus => nom_openmetrics::parser::prometheus(text),
    }
    .unwrap_or_else(|e| panic!("{flavor:?} text not parsed: {e:?}\n{text}"))
    .1;
    let mut out = BTreeMap::new();
    for f in &families {
        for s in &f.samples {
            let labels = s
                .labels()
                .iter()
                .map(|l| (l.name.to_string(), l.value.clone()))
                .collect();
            let key = (s.name().to_string(), labels);
            assert!(
                out.insert(key.clone(), s.number()).is_none(),
                "{key:?} twice"
            );
        }
    }
    out
}

#[test]
fn every_sample_reads_back_as_its_rows() {
    let rows = rows();
    let want = expected(&rows);
    // 9 call sites (one given twice in A), 3 of them accurate:no, 3 with
    // cumulative pairs.
    assert_eq!(want.len(), 9 * 2 + 3 + 3 * 2, "{want:#?}");
    for flavor in [Flavor::OpenMetrics, Flavor::Prometheus] {
        let t = text(&rows, flavor);
        let got = read_back(&t, flavor);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{flavor:?}:\n{t}"
        );
        for (k, v) in &want {
            assert_eq!(got[k].to_bits(), v.to_bits(), "{flavor:?} {k:?}:\n{t}");
        }
        let s = check(&t, flavor).unwrap_or_else(|e| panic!("{flavor:?}: {e}\n{t}"));
        assert_eq!((s.samples, s.families), (want.len(), 5), "{flavor:?}");
        // No line breaks inside a line: each line is a descriptor, a
        // sample or the end.
        for l in t.lines() {
            assert!(
                l.starts_with("# ") || l.starts_with("allocprof_"),
                "{flavor:?}: {l:?}"
            );
        }
        match flavor {
            Flavor::OpenMetrics => assert!(t.ends_with(" 4294967301\n# EOF\n"), "{t}"),
            Flavor::Prometheus => {
                assert!(!t.contains("# EOF") && !t.contains("# UNIT"), "{t}")
            }
        }
    }
    // Rows of the same call site are one series (summed); the same site in
    // another table is another series.
    let key = |src: &str, name: &str| {
        want.iter()
            .filter(|((n, l), _)| {
                n == name
                    && l[0].1 == src
                    && l[4].1 == "<alloc::vec::Vec<u8> as core::ops::Drop>::drop"
            })
            .map(|(_, v)| *v)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        key("/sys/kernel/allocprof/allocinfo", "allocprof_live_bytes"),
        [-4096.0]
    );
    assert_eq!(
        key("snapshots/host \"b\"\\1", "allocprof_live_bytes"),
        [4096.0]
    );
}

/// The stricter parser: OpenMetrics families, types, units and series;
/// Prometheus 0.0.4 families as that format names them; the labels.
#[test]
fn strict_parser_accepts_the_structure() {
    use openmetrics_parser::{openmetrics, prometheus, OpenMetricsType, PrometheusType};
    let rows = rows();
    let want = expected(&rows);
    let count = |name: &str| want.keys().filter(|(n, _)| n == name).count();
    let labels: BTreeSet<&Labels> = want.keys().map(|(_, l)| l).collect();

    let t = text(&rows, Flavor::OpenMetrics);
    let e = openmetrics::parse_openmetrics(&t).unwrap_or_else(|e| panic!("{e:?}\n{t}"));
    let fams = [
        (
            "allocprof_live_bytes",
            OpenMetricsType::Gauge,
            "bytes",
            "allocprof_live_bytes",
        ),
        (
            "allocprof_live_allocations",
            OpenMetricsType::Gauge,
            "",
            "allocprof_live_allocations",
        ),
        (
            "allocprof_inaccurate",
            OpenMetricsType::Gauge,
            "",
            "allocprof_inaccurate",
        ),
        (
            "allocprof_allocations",
            OpenMetricsType::Counter,
            "",
            "allocprof_allocations_total",
        ),
        (
            "allocprof_allocated_bytes",
            OpenMetricsType::Counter,
            "bytes",
            "allocprof_allocated_bytes_total",
        ),
    ];
    assert_eq!(e.families.len(), fams.len());
    for (name, ty, unit, sample) in fams {
        let f = &e.families[name];
        assert_eq!((&f.family_type, f.unit.as_str()), (&ty, unit), "{name}");
        assert_eq!(
            f.get_label_names(),
            ["file", "function", "line", "module", "source"],
            "{name}"
        );
        assert_eq!(f.iter_samples().count(), count(sample), "{name}");
        for s in f.iter_samples() {
            let l: Labels = s
                .get_labelset()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut l = l;
            // Back to the export's order, to compare.
            let order = ["source", "file", "line", "module", "function"];
            l.sort_by_key(|(k, _)| order.iter().position(|o| o == k));
            assert!(labels.contains(&l), "{name}: {l:?} not among {labels:#?}");
        }
    }

    let t = text(&rows, Flavor::Prometheus);
    let e = prometheus::parse_prometheus(&t).unwrap_or_else(|e| panic!("{e:?}\n{t}"));
    let fams = [
        ("allocprof_live_bytes", PrometheusType::Gauge),
        ("allocprof_live_allocations", PrometheusType::Gauge),
        ("allocprof_inaccurate", PrometheusType::Gauge),
        ("allocprof_allocations_total", PrometheusType::Counter),
        ("allocprof_allocated_bytes_total", PrometheusType::Counter),
    ];
    assert_eq!(e.families.len(), fams.len());
    for (name, ty) in fams {
        let f = &e.families[name];
        assert_eq!(f.family_type, ty, "{name}");
        assert_eq!(f.iter_samples().count(), count(name), "{name}");
    }
}

#[test]
fn no_rows() {
    assert_eq!(text(&[], Flavor::OpenMetrics), "# EOF\n");
    assert_eq!(text(&[], Flavor::Prometheus), "");
    for flavor in [Flavor::OpenMetrics, Flavor::Prometheus] {
        let s = check(&text(&[], flavor), flavor).unwrap();
        assert_eq!((s.samples, s.families), (0, 0));
    }
    // Rows without accurate:no nor cumulative pairs: the two gauges.
    let rows = parse(B, "b").rows;
    let t = text(&rows, Flavor::OpenMetrics);
    assert_eq!(check(&t, Flavor::OpenMetrics).unwrap().families, 2, "{t}");
    assert!(!t.contains("inaccurate") && !t.contains("_total"), "{t}");
}

/// What `check` refuses, and the line it names.
#[test]
fn check_refuses() {
    let rows = rows();
    let om = text(&rows, Flavor::OpenMetrics);
    let prom = text(&rows, Flavor::Prometheus);
    let err = |t: &str, flavor| check(t, flavor).map(|_| ()).unwrap_err();
    let line_of = |t: &str, what: &str| t.lines().position(|l| l.contains(what)).unwrap() + 1;

    let e = err(om.trim_end_matches("# EOF\n"), Flavor::OpenMetrics);
    assert_eq!(e.reason, "no # EOF line at the end");
    let e = err(&format!("{om}x 1\n"), Flavor::OpenMetrics);
    assert_eq!(
        (e.line, e.reason.as_str()),
        (Some(om.lines().count() + 1), "text after # EOF")
    );
    // An OpenMetrics text is not Prometheus 0.0.4 text: its # EOF, and its
    // counters' samples are not of their family there.
    let e = err(&om, Flavor::Prometheus);
    assert_eq!(e.line, Some(om.lines().count()), "{e}");
    let e = err(om.trim_end_matches("# EOF\n"), Flavor::Prometheus);
    assert!(
        e.reason.starts_with("sample allocprof_allocations_total is not of its family allocprof_allocations (Counter)"),
        "{e}"
    );
    // Nor the other way round.
    let e = err(&(prom.clone() + "# EOF\n"), Flavor::OpenMetrics);
    assert!(e.reason.contains("is not of its family"), "{e}");

    // A label value with its quote unescaped, a backslash alone at the end.
    let bad = om.replacen("line=\"41\"", "line=\"4\"1\"", 1);
    let e = err(&bad, Flavor::OpenMetrics);
    assert_eq!(e.line, Some(line_of(&bad, "line=\"4\"1\"")), "{e}");
    assert_eq!(e.reason, "not a sample NAME{LABEL=\"VALUE\",...} VALUE");
    let bad = prom.replacen("line=\"41\"", "line=\"41\\\"", 1);
    assert_eq!(
        err(&bad, Flavor::Prometheus).line,
        Some(line_of(&bad, "line=\"41\\\""))
    );
    // A value that is not a number; a bad descriptor; a newline missing.
    let bad = om.replacen("} 1280\n", "} 1280x\n", 1);
    assert_eq!(
        err(&bad, Flavor::OpenMetrics).line,
        Some(line_of(&bad, "1280x"))
    );
    let bad = om.replacen(
        "# TYPE allocprof_live_bytes gauge",
        "# TYPE  allocprof_live_bytes gauge",
        1,
    );
    let e = err(&bad, Flavor::OpenMetrics);
    assert_eq!(
        (e.line, e.reason.as_str()),
        (Some(2), "not a HELP, TYPE or UNIT line")
    );
    let e = err(prom.trim_end(), Flavor::Prometheus);
    assert_eq!(e.reason, "no newline at the end of the line");
    // Descriptors with no sample after them.
    let e = err("# TYPE a gauge\n# EOF\n", Flavor::OpenMetrics);
    assert_eq!(
        (e.line, e.reason.as_str()),
        (
            Some(1),
            "HELP, TYPE or UNIT lines with no sample after them"
        )
    );
    // A series twice; a unit that is not the name's suffix.
    let first = om.lines().nth(3).unwrap();
    let bad = om.replacen(first, &format!("{first}\n{first}"), 1);
    assert!(err(&bad, Flavor::OpenMetrics)
        .reason
        .contains("given twice"));
    let bad = om.replacen(
        "# UNIT allocprof_live_bytes bytes",
        "# UNIT allocprof_live_bytes seconds",
        1,
    );
    assert!(err(&bad, Flavor::OpenMetrics)
        .reason
        .contains("not its name's suffix"));
}
