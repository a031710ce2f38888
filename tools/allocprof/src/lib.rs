// SPDX-License-Identifier: GPL-2.0

//! allocprof: reads, diffs and exports allocinfo tables of allocprof
//! (`/sys/kernel/allocprof/allocinfo`) and upstream Linux (`/proc/allocinfo`).

pub mod diff;
pub mod export;
pub mod input;
pub mod pprof;
pub mod report;
pub mod size;
pub mod table;
pub mod top;
pub mod tui;
pub mod view;

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time (UTC).
pub fn utc_timestamp(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The snapshot text of `text` read from `source` at `secs`: the table as
/// read, with `# allocprof snapshot: time=... source=...` after its header
/// lines.
pub fn snapshot_text(text: &str, source: &str, secs: u64) -> String {
    let comment = format!(
        "# allocprof snapshot: time={} source={}\n",
        utc_timestamp(secs),
        source
    );
    let mut out = String::with_capacity(text.len() + comment.len());
    let mut inserted = false;
    for l in text.split_inclusive('\n') {
        if !inserted && !l.starts_with(table::HEADER_PREFIX) && !l.starts_with("#     <size>") {
            out.push_str(&comment);
            inserted = true;
        }
        out.push_str(l);
    }
    if !inserted {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&comment);
    }
    out
}

/// `n` generated rows in allocprof's format (benchmarks and tests).
pub fn generate(n: usize) -> String {
    let mut s = String::from("allocinfo - version: 2.0\n#     <size>  <calls> <tag info>\n");
    for i in 0..n {
        let calls = (i * 7919) % 1000;
        let bytes =
            calls as i64 * 64 * ((i % 13) as i64 + 1) - if i % 97 == 0 { 100000 } else { 0 };
        let module = format!("mod{}", i % 50);
        let extra = if i % 10 == 0 { " accurate:no" } else { "" };
        s.push_str(&format!(
            "{:12} {:8} drivers/sub{}/file{}.rs:{} [{}] func:{}::f{}{} \n",
            bytes,
            calls,
            i % 20,
            i % 500,
            i % 3000 + 1,
            module,
            module,
            i,
            extra
        ));
    }
    s
}
