// SPDX-License-Identifier: GPL-2.0

//! `allocprof snapshot`'s text: a table as read, with a comment naming its
//! time and source after its header lines; and the UTC timestamp in it.
//!
//! Layer: readers and writers.  Uses: `table`.

use crate::table::HEADER_PREFIX;

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
        if !inserted && !l.starts_with(HEADER_PREFIX) && !l.starts_with("#     <size>") {
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
