// SPDX-License-Identifier: GPL-2.0

//! The `allocprof` command: its arguments, each command's output and exit
//! status (0 ok, 1 `diff --fail-if-grown` exceeded or `openmetrics-check`
//! of a text that is not valid, 2 error), and the `bench-parse` benchmark.
//!
//! Layer: root.  Uses: `diff`, `export`, `input`, `openmetrics`, `parse`,
//! `pprof`, `report`, `size`, `table`, `top`, `topview`, `view` and `lib`
//! (the crate root's generate and snapshot_text).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use allocprof::input::{self, Input, PermissionDenied};
use allocprof::openmetrics::{self, Flavor};
use allocprof::report::Report;
use allocprof::size::{fmt_bytes, parse_size};
use allocprof::topview::TopOpts;
use allocprof::view::{By, Filter, SortKey};
use allocprof::{diff, export, parse, pprof, table, top, view};

const EXIT_CODES: &str = "\
EXIT STATUS:
    0  success
    1  diff --fail-if-grown: the total growth exceeded the limit
    2  error: bad arguments, a missing or unreadable input, or (with
       --strict) a malformed line";

#[derive(Parser)]
#[command(
    name = "allocprof",
    version,
    about = "Show, snapshot, diff and export kernel allocinfo tables",
    long_about = "allocprof reads allocinfo tables: the per-call-site counts of live kernel \
allocations (bytes and calls) that allocprof.ko publishes in /sys/kernel/allocprof/allocinfo \
and upstream Linux (CONFIG_MEM_ALLOC_PROFILING) in /proc/allocinfo.  Without --file, it reads \
allocprof's table when present, else /proc/allocinfo.  --file PATH (repeatable) names tables \
to read instead, `-` is stdin; rows of several tables are labelled by their source.\n\n\
Both table formats are accepted: version 1.0 and 2.0 headers, rows with or without a \
`[module]` part, optional key:value pairs (`accurate:no`), trailing whitespace, comment \
lines starting with `#`.  A malformed line is reported on stderr with its line number and \
skipped; with --strict it is an error.  Reading allocinfo needs root: an EACCES error prints \
`permission denied: allocinfo is readable by root only`.",
    after_long_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Clone, Debug)]
struct InputArgs {
    /// A table to read (repeatable); `-` is stdin.  Default:
    /// /sys/kernel/allocprof/allocinfo if present, else /proc/allocinfo.
    #[arg(long = "file", short = 'f', value_name = "PATH")]
    files: Vec<String>,
    /// Fail (exit 2) on a malformed line instead of skipping it.
    #[arg(long)]
    strict: bool,
}

#[derive(Args, Clone, Debug)]
struct FilterArgs {
    /// Only rows of module NAME (`kernel`: rows without a module).
    #[arg(long, value_name = "NAME")]
    module: Option<String>,
    /// Only rows whose source file matches GLOB (e.g. 'mm/*', '**/slub.c').
    /// Named --path because --file names the input.
    #[arg(long = "path", value_name = "GLOB")]
    path: Option<String>,
    /// Only rows whose function name matches REGEX (unanchored).
    #[arg(long, value_name = "REGEX")]
    func: Option<String>,
    /// Hide rows with 0 bytes and 0 calls.
    #[arg(long)]
    nonzero: bool,
}

impl FilterArgs {
    fn filter(&self) -> Result<Filter> {
        Filter::new(
            self.module.as_deref(),
            self.path.as_deref(),
            self.func.as_deref(),
            self.nonzero,
        )
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Show the largest rows (one screen), or refresh them with --watch.
    #[command(
        long_about = "Shows one screen of the largest rows, largest first, and a totals line \
over every row that passed the filters.  Rows can be summed by function, file, directory \
(every path prefix: a tree, like AOSP's alloctop) or module.  Sizes are human-readable \
(powers of 1024) unless --bytes.\n\n\
--watch [SECS] rereads the table every SECS seconds (default 2) and adds, for each row, \
its change since the previous refresh (DELTA), since the start (SINCE-START) and its rate \
(RATE/s, bytes per second).  On a terminal it is a full-screen view with keys: s next sort \
order, / edit a name filter (regex; Enter applies, Esc cancels), z hide/show all-zero rows, \
q (or Esc, Ctrl-C) quit.  When stdout is not a terminal it prints plain tables, one per \
refresh; --iterations N stops after N refreshes.",
        after_long_help = EXIT_CODES
    )]
    Top {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        filter: FilterArgs,
        /// Rows to show (default: one screen, 20 when not a terminal).
        #[arg(short = 'n', long = "lines", value_name = "N")]
        n: Option<usize>,
        /// Sort order; delta and rate apply to --watch (else: bytes).
        #[arg(long, value_enum, default_value_t = SortKey::Bytes)]
        sort: SortKey,
        /// Only entries of at least SIZE bytes (K, M, G suffixes: powers of 1024).
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        min_bytes: Option<u64>,
        /// Sum rows by call site (no summing), function, file, directory or module.
        #[arg(long, value_enum, default_value_t = By::Site)]
        by: By,
        /// Print raw byte counts instead of human-readable sizes.
        #[arg(long)]
        bytes: bool,
        /// Refresh every SECS seconds (default 2).
        #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "2")]
        watch: Option<f64>,
        /// With --watch: stop after N refreshes.
        #[arg(long, value_name = "N", requires = "watch")]
        iterations: Option<u64>,
    },
    /// Write the table as read, with a header comment, for a later diff.
    #[command(
        long_about = "Writes one table exactly as read, with a comment line \
`# allocprof snapshot: time=<UTC> source=<path>` after its two header lines, to FILE or \
stdout.  allocprof reads such files like any table (--file, diff).  The table is parsed \
too: malformed lines are reported (an error with --strict).",
        after_long_help = EXIT_CODES
    )]
    Snapshot {
        #[command(flatten)]
        input: InputArgs,
        /// Write to FILE instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<String>,
    },
    /// Compare two tables: rows that grew, shrank, appeared, disappeared.
    #[command(
        long_about = "Compares OLD with NEW (snapshots, live files or `-`), after the same \
filters and grouping as top, and lists each entry whose bytes or calls changed, with its \
change, old and new bytes and calls: growth first (largest first), then shrinks (largest \
first).  A last line gives the totals: old, new, net change, growth and shrink sums.\n\n\
--fail-if-grown BYTES exits 1 when the net change of the total bytes (NEW's total minus \
OLD's, over the filtered rows) exceeds BYTES: use it in CI around a workload.",
        after_long_help = EXIT_CODES
    )]
    Diff {
        /// The earlier table (`-`: stdin).
        old: String,
        /// The later table (`-`: stdin).
        new: String,
        #[command(flatten)]
        filter: FilterArgs,
        /// Sum rows by call site, function, file, directory or module.
        #[arg(long, value_enum, default_value_t = By::Site)]
        by: By,
        /// Only entries whose bytes changed by at least SIZE (either way).
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        min_bytes: Option<u64>,
        /// Also list entries that did not change.
        #[arg(long)]
        all: bool,
        /// Print raw byte counts instead of human-readable sizes.
        #[arg(long)]
        bytes: bool,
        /// Exit 1 if the net growth of the total exceeds BYTES (K, M, G suffixes).
        #[arg(long, value_name = "BYTES", value_parser = parse_size)]
        fail_if_grown: Option<u64>,
        /// Fail (exit 2) on a malformed line instead of skipping it.
        #[arg(long)]
        strict: bool,
    },
    /// Export every row as JSON, CSV, a pprof profile, folded stacks or metrics.
    #[command(
        long_about = "Writes every row (after the filters) to FILE or stdout:\n\n\
json: an array of objects {source, file, line, module (null without one), function, bytes, \
calls, extra: {key: value}}, one per line.\n\
csv: a header line, then source,file,line,module,function,bytes,calls,extra (extra: \
key:value pairs separated by spaces; module empty without one).\n\
pprof: a gzipped perftools profile (profile.proto) with sample types inuse_space/bytes \
and inuse_objects/count, one sample, location and function (name, file, line) per row, \
labels source, module and the row's key:value pairs: `go tool pprof -top FILE`.\n\
folded: `module;file;function bytes` lines (module `kernel` for rows without one; rows \
with bytes <= 0 left out) for flamegraph.pl or inferno-flamegraph.\n\
openmetrics: the OpenMetrics 1.0 text (application/openmetrics-text; version=1.0.0), for \
Prometheus and any OpenMetrics scraper: gauges allocprof_live_bytes, \
allocprof_live_allocations, allocprof_inaccurate (1 for rows marked accurate:no) and, for \
rows with cumulative counters, counters allocprof_allocations_total and \
allocprof_allocated_bytes_total; labels source, file, line, module (empty without one), \
function; rows of the same call site summed; ends with `# EOF`.\n\
prometheus: the same metrics in the Prometheus 0.0.4 text format (text/plain; \
version=0.0.4), which node_exporter's textfile collector reads (no `# UNIT`, no `# EOF`, \
counters described by their _total name).",
        after_long_help = EXIT_CODES
    )]
    Export {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        filter: FilterArgs,
        /// Output format.
        #[arg(long, value_enum)]
        format: Format,
        /// Write to FILE instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<String>,
    },
    /// Decode a pprof profile (gzipped or not) and print its totals.
    #[command(
        name = "pprof-summary",
        long_about = "Decodes a profile written by `export --format pprof` (or any \
profile.proto, gzipped or not) and prints `samples N`, then one line per sample type: \
`TYPE/UNIT TOTAL` (e.g. `inuse_space/bytes 123456`).  Used to check an export.",
        after_long_help = EXIT_CODES
    )]
    PprofSummary {
        /// The profile (`-`: stdin).
        file: String,
    },
    /// Parse an OpenMetrics or Prometheus text and count its samples.
    #[command(
        name = "openmetrics-check",
        hide = true,
        long_about = "Parses FILE (`-`: stdin) as the OpenMetrics 1.0 text format (the default; \
it must end with `# EOF`) or, with --format prometheus, the Prometheus 0.0.4 text format, \
with the nom-openmetrics parser, and checks that each sample is of its family (NAME, or \
NAME_total for an OpenMetrics counter), that each unit is its family name's suffix and that \
no series is given twice.  Prints `samples N` and `families N`.  Exit status 1, with the \
line at fault, when the text is not valid.  Used to check `export --format openmetrics` \
and `--format prometheus`.",
        after_long_help = "EXIT STATUS:\n    0  the text is valid\n    1  the text is not valid\n    \
2  error: bad arguments, a missing or unreadable file"
    )]
    OpenmetricsCheck {
        /// The text (`-`: stdin).
        file: String,
        /// Its format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Openmetrics)]
        format: CheckFormat,
    },
    /// Time parse, filter, sort and print of generated rows (a benchmark).
    #[command(name = "bench-parse", hide = true)]
    BenchParse {
        /// Rows to generate.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Runs; the median is printed.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Json,
    Csv,
    Pprof,
    Folded,
    /// OpenMetrics 1.0 text.
    Openmetrics,
    /// Prometheus 0.0.4 text (node_exporter's textfile collector).
    Prometheus,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CheckFormat {
    /// OpenMetrics 1.0 text (ends with `# EOF`).
    Openmetrics,
    /// Prometheus 0.0.4 text.
    Prometheus,
}

impl CheckFormat {
    fn flavor(self) -> Flavor {
        match self {
            CheckFormat::Openmetrics => Flavor::OpenMetrics,
            CheckFormat::Prometheus => Flavor::Prometheus,
        }
    }
}

/// The bytes of `file`, or of stdin for `-`.
fn read_file(file: &str) -> Result<Vec<u8>> {
    if file == "-" {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut v)?;
        Ok(v)
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {file}"))
    }
}

fn write_out(output: Option<&str>, data: &[u8]) -> Result<()> {
    match output {
        None | Some("-") => {
            let mut o = std::io::stdout().lock();
            o.write_all(data)?;
            o.flush()?;
        }
        Some(p) => std::fs::write(p, data).with_context(|| format!("cannot write {p}"))?,
    }
    Ok(())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn run(cli: Cli) -> Result<u8> {
    match cli.cmd {
        Cmd::Top {
            input,
            filter,
            n,
            sort,
            min_bytes,
            by,
            bytes,
            watch,
            iterations,
        } => {
            let o = TopOpts {
                inputs: input::inputs(&input.files)?,
                strict: input.strict,
                filter: filter.filter()?,
                by,
                sort,
                n,
                min_bytes: min_bytes.unwrap_or(0),
                raw_bytes: bytes,
            };
            match watch {
                Some(secs) => {
                    if !(secs > 0.0 && secs.is_finite()) {
                        bail!("--watch SECS must be a positive number");
                    }
                    top::watch(&o, secs, iterations)?
                }
                None => top::run(&o)?,
            }
        }
        Cmd::Snapshot { input, output } => {
            let inputs = input::inputs(&input.files)?;
            if inputs.len() != 1 {
                bail!("snapshot reads one table: give at most one --file");
            }
            let i = &inputs[0];
            let text = i.read()?;
            let t = parse::parse(&text, &i.label());
            input::check_malformed(&t, input.strict)?;
            write_out(
                output.as_deref(),
                allocprof::snapshot_text(&text, &i.label(), now_secs()).as_bytes(),
            )?;
        }
        Cmd::Diff {
            old,
            new,
            filter,
            by,
            min_bytes,
            all,
            bytes,
            fail_if_grown,
            strict,
        } => {
            if old == "-" && new == "-" {
                bail!("stdin (-) can be read only once");
            }
            let o = input::load(&Input::from_arg(&old), strict)?;
            let n = input::load(&Input::from_arg(&new), strict)?;
            let mut d = diff::diff(&o, &n, &filter.filter()?, by, all);
            if let Some(m) = min_bytes {
                d.entries.retain(|e| e.delta_bytes.unsigned_abs() >= m);
            }
            let mut rows = Vec::new();
            for e in &d.entries {
                rows.push(vec![
                    e.change.name().to_string(),
                    fmt_bytes(e.delta_bytes, bytes, true),
                    format!("{:+}", e.delta_calls),
                    fmt_bytes(e.old_bytes, bytes, false),
                    fmt_bytes(e.new_bytes, bytes, false),
                    e.old_calls.to_string(),
                    e.new_calls.to_string(),
                    e.name.clone(),
                ]);
            }
            let mut out = String::new();
            view::render(
                &[
                    "CHANGE",
                    "BYTES",
                    "CALLS",
                    "OLD",
                    "NEW",
                    "OLD-CALLS",
                    "NEW-CALLS",
                    "NAME",
                ],
                &rows,
                &mut out,
            );
            out.push_str(&format!(
                "total: {} -> {} bytes ({}), {} -> {} calls ({:+}); grown {}, shrunk {}; {} entries changed\n",
                fmt_bytes(d.old_bytes, bytes, false),
                fmt_bytes(d.new_bytes, bytes, false),
                fmt_bytes(d.net(), bytes, true),
                d.old_calls,
                d.new_calls,
                d.net_calls(),
                fmt_bytes(d.grown, bytes, true),
                fmt_bytes(d.shrunk, bytes, true),
                d.entries.len()
            ));
            write_out(None, out.as_bytes())?;
            if let Some(limit) = fail_if_grown {
                if d.net() > 0 && d.net() as u64 > limit {
                    eprintln!(
                        "allocprof: total grew by {} bytes, more than --fail-if-grown {}",
                        d.net(),
                        limit
                    );
                    return Ok(1);
                }
            }
        }
        Cmd::Export {
            input,
            filter,
            format,
            output,
        } => {
            let tables = input::load_all(&input::inputs(&input.files)?, input.strict)?;
            let f = filter.filter()?;
            let rows: Vec<table::Row> = tables
                .iter()
                .flat_map(|t| f.apply(&t.rows).cloned())
                .collect();
            let data = match format {
                Format::Json => export::json(&rows)?.into_bytes(),
                Format::Csv => export::csv(&rows)?,
                Format::Folded => export::folded(&rows).into_bytes(),
                Format::Openmetrics => openmetrics::text(&rows, Flavor::OpenMetrics).into_bytes(),
                Format::Prometheus => openmetrics::text(&rows, Flavor::Prometheus).into_bytes(),
                Format::Pprof => {
                    let nanos = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_nanos() as i64)
                        .unwrap_or(0);
                    pprof::encode_gz(&pprof::build(&rows, nanos))?
                }
            };
            write_out(output.as_deref(), &data)?;
        }
        Cmd::PprofSummary { file } => {
            let data = read_file(&file)?;
            let s = pprof::summary(&pprof::decode(&data)?)?;
            let mut out = format!(
                "samples {}\nlocations {}\nfunctions {}\n",
                s.samples, s.locations, s.functions
            );
            for (t, u, v) in s.totals {
                out.push_str(&format!("{t}/{u} {v}\n"));
            }
            write_out(None, out.as_bytes())?;
        }
        Cmd::OpenmetricsCheck { file, format } => {
            let flavor = format.flavor();
            let data = read_file(&file)?;
            let checked = match std::str::from_utf8(&data) {
                Ok(text) => openmetrics::check(text, flavor).map_err(|e| {
                    let at = e
                        .line
                        .and_then(|n| text.lines().nth(n - 1))
                        .map(|l| format!(": {}", l.chars().take(200).collect::<String>()))
                        .unwrap_or_default();
                    format!("{e}{at}")
                }),
                Err(e) => Err(format!("not UTF-8 from byte {}", e.valid_up_to())),
            };
            match checked {
                Ok(s) => write_out(
                    None,
                    format!("samples {}\nfamilies {}\n", s.samples, s.families).as_bytes(),
                )?,
                Err(e) => {
                    eprintln!("allocprof: {file}: not valid {} text: {e}", flavor.name());
                    return Ok(1);
                }
            }
        }
        Cmd::BenchParse { rows, runs } => bench_parse(rows, runs)?,
    }
    Ok(0)
}

/// A writer that only counts the lines written.
#[derive(Default)]
struct LineCount(usize);

impl Write for LineCount {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += memchr::memchr_iter(b'\n', b).count();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A file removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `bench-parse`: what `top --file F -n N` does with a file of `rows`
/// generated rows, N every entry (read, parse, filter, group, sort, print
/// and free), timed `runs` times through top's own functions; then the same
/// with N = 50.  Generating and writing the file is not timed.
fn bench_parse(rows: usize, runs: usize) -> Result<()> {
    let runs = runs.max(1);
    let tmp =
        TempFile(std::env::temp_dir().join(format!("allocprof-bench-{}.txt", std::process::id())));
    std::fs::write(&tmp.0, allocprof::generate(rows))
        .with_context(|| format!("cannot write {}", tmp.0.display()))?;
    let mut o = TopOpts {
        inputs: vec![Input::Path(tmp.0.clone())],
        strict: false,
        filter: Filter::new(None, Some("drivers/**"), Some("f"), true)?,
        by: By::Site,
        sort: SortKey::Bytes,
        n: Some(usize::MAX),
        min_bytes: 0,
        raw_bytes: false,
    };
    let now = || (Instant::now(), thread_cpu_ns());
    let mut sink = std::io::sink();
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut phases = [0f64; 5];
    for _ in 0..runs {
        // As top::run (top::one_shot): read, parse, filter and group
        // (Report::add), select and sort (Report::select), print
        // (Report::render), the write, and the frees.
        let p0 = now();
        let text = o.inputs[0].read()?;
        let p1 = now();
        let mut r = Report::new(o.by, false);
        r.add(o.inputs[0].label(), text, &o.filter, o.strict)?;
        let p2 = now();
        r.select(o.sort, usize::MAX, o.min_bytes);
        let p3 = now();
        let mut out = LineCount::default();
        r.write_to(o.raw_bytes, &mut out)?;
        let p4 = now();
        // Checked untimed, then freed timed.
        if r.parsed != rows {
            bail!("parsed {} rows of {rows}", r.parsed);
        }
        if r.is_empty() || out.0 != r.len() + 2 {
            bail!("printed {} lines for {} entries", out.0, r.len());
        }
        let p5 = now();
        drop(r);
        let p6 = now();
        let wall = |a: (Instant, _), b: (Instant, _)| (b.0 - a.0).as_secs_f64() * 1000.0;
        times.push(wall(p0, p4) + wall(p5, p6));
        let on_cpu = |a: Option<u64>, b: Option<u64>| Some(b?.checked_sub(a?)? as f64 / 1e6);
        if let (Some(a), Some(b)) = (on_cpu(p0.1, p4.1), on_cpu(p5.1, p6.1)) {
            cpu.push(a + b);
        }
        for (p, d) in phases
            .iter_mut()
            .zip([(p0, p1), (p1, p2), (p2, p3), (p3, p4), (p5, p6)])
        {
            *p += wall(d.0, d.1) / runs as f64;
        }
    }
    eprintln!(
        "bench-parse: mean wall ms: read {:.1}, parse+filter+group {:.1}, sort {:.1}, print {:.1}, free {:.1}",
        phases[0], phases[1], phases[2], phases[3], phases[4]
    );
    // `top -n 50` with the same file: select, sort and print only the 50
    // shown.
    o.n = Some(50);
    let mut top_times = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        top::one_shot(&o, 50, &mut sink)?;
        top_times.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (lo, hi) = (
        times.iter().copied().fold(f64::MAX, f64::min),
        times.iter().copied().fold(0.0, f64::max),
    );
    let wall = median(&mut times);
    let mut cpu_text = if cpu.len() == times.len() {
        format!(", on-CPU median {:.1} ms", median(&mut cpu))
    } else {
        String::new()
    };
    cpu_text.push_str(&format!(
        ", top -n 50 median {:.1} ms",
        median(&mut top_times)
    ));
    println!(
        "bench-parse: {} rows, {} runs, median {:.1} ms (min {:.1}, max {:.1}){}",
        rows,
        times.len(),
        wall,
        lo,
        hi,
        cpu_text
    );
    Ok(())
}

/// This thread's time on a CPU, in ns (/proc/thread-self/schedstat), so a
/// benchmark on a busy machine can tell its own cost from waiting.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if e.downcast_ref::<PermissionDenied>().is_some() {
                eprintln!("{e}");
            } else {
                eprintln!("allocprof: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}
