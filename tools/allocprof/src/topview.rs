// SPDX-License-Identifier: GPL-2.0

//! What `top` shows of one read and across reads, shared by its plain
//! output and its terminal UI: the options ([`TopOpts`]), one read's
//! entries and totals ([`Snapshot`], [`read`], [`summarize`]), the entries
//! chosen and their text ([`visible`], [`shown`], [`text`], [`render`]) and
//! the deltas across refreshes ([`Tracker`]).
//!
//! Layer: readers and writers.  Uses: `input`, `table`, `view`.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Result;
use regex::Regex;

use crate::input::{load_all, Input};
use crate::table::{Row, Table};
use crate::view::{
    compare, group, render_entries, top_n, totals_line, By, Columns, Entry, Filter, SortKey,
};

/// What `top` shows.
#[derive(Debug, Clone)]
pub struct TopOpts {
    pub inputs: Vec<Input>,
    pub strict: bool,
    pub filter: Filter,
    pub by: By,
    pub sort: SortKey,
    /// Rows shown; `None`: one screen.
    pub n: Option<usize>,
    pub min_bytes: u64,
    pub raw_bytes: bool,
}

/// Entries of one read, and the totals of the filtered rows.
pub struct Snapshot {
    pub entries: Vec<Entry>,
    pub bytes: i64,
    pub calls: u64,
    pub rows: usize,
}

pub fn read(o: &TopOpts) -> Result<Snapshot> {
    let tables = load_all(&o.inputs, o.strict)?;
    Ok(summarize(&tables, o))
}

/// Filters and groups the rows of `tables`, and sums the filtered rows.
pub fn summarize(tables: &[Table], o: &TopOpts) -> Snapshot {
    // One pass of the filter; its rows are summed, then grouped (with
    // their exact count as the grouping map's size).
    let mut kept: Vec<&Row> = Vec::with_capacity(tables.iter().map(|t| t.rows.len()).sum());
    kept.extend(tables.iter().flat_map(|t| o.filter.apply(&t.rows)));
    let mut bytes = 0;
    let mut calls = 0;
    for r in &kept {
        bytes += r.bytes;
        calls += r.calls;
    }
    let entries = group(kept.iter().copied(), o.by, tables.len() > 1);
    Snapshot {
        entries,
        bytes,
        calls,
        rows: kept.len(),
    }
}

/// Chooses, sorts and cuts the entries to show.
pub fn visible(
    s: &Snapshot,
    o: &TopOpts,
    sort_key: SortKey,
    extra: Option<&Regex>,
    nonzero: bool,
    n: usize,
) -> Vec<Entry> {
    let mut v: Vec<&Entry> = s
        .entries
        .iter()
        .filter(|e| o.min_bytes == 0 || (e.bytes >= 0 && e.bytes as u64 >= o.min_bytes))
        .filter(|e| !nonzero || e.bytes != 0 || e.calls != 0)
        .filter(|e| extra.is_none_or(|re| re.is_match(&e.name)))
        .collect();
    // Select the first n, then sort only those (see view::top_n).
    if n == 0 {
        return Vec::new();
    }
    if n < v.len() {
        v.select_nth_unstable_by(n - 1, |a, b| compare(a, b, sort_key));
        v.truncate(n);
    }
    v.sort_unstable_by(|a, b| compare(a, b, sort_key));
    v.into_iter().cloned().collect()
}

fn columns(o: &TopOpts, watch: bool) -> Columns {
    Columns {
        raw_bytes: o.raw_bytes,
        sites: o.by != By::Site,
        source: o.inputs.len() > 1,
        watch,
    }
}

/// The entries to show of a snapshot that is not kept: those of at least
/// --min-bytes, the first `n` in `o.sort`'s order, sorted (what `visible`
/// chooses without a name filter, without copying them).
pub fn shown(mut entries: Vec<Entry>, o: &TopOpts, n: usize) -> Vec<Entry> {
    if o.min_bytes > 0 {
        entries.retain(|e| e.bytes >= 0 && e.bytes as u64 >= o.min_bytes);
    }
    top_n(&mut entries, o.sort, n);
    entries
}

/// The table and totals line: the first `n` entries, sorted.
pub fn text(mut s: Snapshot, o: &TopOpts, n: usize, watch: bool) -> String {
    let v = shown(std::mem::take(&mut s.entries), o, n);
    render(&s, &v, o, watch)
}

/// The table of `shown` and the totals line of `s` (its entries unused).
pub fn render(s: &Snapshot, shown: &[Entry], o: &TopOpts, watch: bool) -> String {
    let mut out = String::new();
    render_entries(shown, columns(o, watch), &mut out);
    out.push_str(&totals_line(
        s.bytes,
        s.calls,
        s.rows,
        shown.len(),
        o.raw_bytes,
    ));
    out.push('\n');
    out
}

/// Deltas across refreshes.
#[derive(Default)]
pub struct Tracker {
    start: HashMap<(Option<String>, String), i64>,
    prev: HashMap<(Option<String>, String), i64>,
    start_t: Option<Instant>,
    prev_t: Option<Instant>,
}

impl Tracker {
    /// Fills in delta, delta_start and rate of `s`'s entries, read at `now`.
    pub fn update(&mut self, s: &mut Snapshot, now: Instant) {
        let first = self.start_t.is_none();
        let secs = self
            .prev_t
            .map(|t| now.duration_since(t).as_secs_f64())
            .unwrap_or(0.0);
        let mut cur = HashMap::with_capacity(s.entries.len());
        for e in &mut s.entries {
            let key = (e.source.clone(), e.name.clone());
            if first {
                self.start.insert(key.clone(), e.bytes);
            }
            let p = self
                .prev
                .get(&key)
                .copied()
                .unwrap_or(if first { e.bytes } else { 0 });
            let st = self.start.get(&key).copied().unwrap_or(0);
            e.delta = e.bytes - p;
            e.delta_start = e.bytes - st;
            e.rate = if secs > 0.0 {
                e.delta as f64 / secs
            } else {
                0.0
            };
            cur.insert(key, e.bytes);
        }
        self.prev = cur;
        self.prev_t = Some(now);
        self.start_t.get_or_insert(now);
    }
}
