// SPDX-License-Identifier: GPL-2.0

//! What the commands show of the rows: filters ([`Filter`]), grouping into
//! entries ([`By`], [`Entry`], [`group`]), their order ([`SortKey`],
//! [`sort`], [`top_n`]) and the plain text table ([`Columns`], [`cells`],
//! [`render`], [`render_lines_with`] over any [`TableLines`], the totals
//! line).
//!
//! Layer: readers and writers.  Uses: `table`, `size`, `hash`; its tests
//! `parse`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::ValueEnum;
use globset::{Glob, GlobMatcher};
use regex::Regex;

use crate::hash::{FxBuild, IdBuild};
use crate::size::{fmt_bytes, write_bytes, write_uint};
use crate::table::Row;

/// Which rows to keep.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Exact module name; `kernel` also matches rows without a module.
    pub module: Option<String>,
    pub path: Option<GlobMatcher>,
    /// Glob results per shared file string (the rows of a table share
    /// them): keyed by its address, the Arc held so that the address stays
    /// its own; emptied when large (--watch reads new tables).
    path_cache: RefCell<HashMap<usize, (Arc<str>, bool), FxBuild>>,
    pub func: Option<Regex>,
    /// `func`'s pattern when it is plain text (no metacharacter): then a
    /// match is that text's occurrence, found without the regex engine.
    func_text: Option<memchr::memmem::Finder<'static>>,
    pub nonzero: bool,
}

impl Filter {
    pub fn new(
        module: Option<&str>,
        path: Option<&str>,
        func: Option<&str>,
        nonzero: bool,
    ) -> Result<Filter> {
        Ok(Filter {
            module: module.map(str::to_string),
            path: path
                .map(|g| Glob::new(g).with_context(|| format!("invalid glob '{g}'")))
                .transpose()?
                .map(|g| g.compile_matcher()),
            func: func
                .map(|r| Regex::new(r).with_context(|| format!("invalid regex '{r}'")))
                .transpose()?,
            func_text: func
                .filter(|r| regex::escape(r) == *r)
                .map(|r| memchr::memmem::Finder::new(r).into_owned()),
            nonzero,
            path_cache: RefCell::default(),
        })
    }

    pub fn keep(&self, r: &Row) -> bool {
        self.keep_parts(r.bytes, r.calls, r.module.as_deref(), &r.function, |g| {
            let key = Arc::as_ptr(&r.file) as *const u8 as usize;
            let mut cache = self.path_cache.borrow_mut();
            match cache.get(&key) {
                Some((_, m)) => *m,
                None => {
                    if cache.len() >= 1 << 16 {
                        cache.clear();
                    }
                    let m = g.is_match(&*r.file);
                    cache.insert(key, (r.file.clone(), m));
                    m
                }
            }
        })
    }

    /// `keep` of a row's parts; `path` tells whether the row's file matches
    /// the glob (the caller may cache it per file).
    pub fn keep_parts(
        &self,
        bytes: i64,
        calls: u64,
        module: Option<&str>,
        function: &str,
        path: impl FnOnce(&GlobMatcher) -> bool,
    ) -> bool {
        if self.nonzero && bytes == 0 && calls == 0 {
            return false;
        }
        if let Some(m) = &self.module {
            if module.unwrap_or("kernel") != m {
                return false;
            }
        }
        if let Some(g) = &self.path {
            if !path(g) {
                return false;
            }
        }
        if let Some(re) = &self.func {
            let hit = match &self.func_text {
                Some(t) if t.needle() == re.as_str().as_bytes() => {
                    t.find(function.as_bytes()).is_some()
                }
                _ => re.is_match(function),
            };
            if !hit {
                return false;
            }
        }
        true
    }

    pub fn apply<'a>(&'a self, rows: &'a [Row]) -> impl Iterator<Item = &'a Row> + 'a {
        rows.iter().filter(move |r| self.keep(r))
    }
}

/// How rows are summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum By {
    /// One entry per call site (no summing).
    #[default]
    Site,
    /// Sum by module and function name.
    Function,
    /// Sum by source file.
    File,
    /// Sum by every directory prefix of the file (a tree: `mm/`, `drivers/`,
    /// `drivers/gpu/`, ...); an allocation counts in each of its directories.
    Dir,
    /// Sum by module (`kernel` for rows without one).
    Module,
}

/// Sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SortKey {
    /// Largest bytes first.
    #[default]
    Bytes,
    /// Most live allocations first.
    Calls,
    /// By name.
    Name,
    /// Largest change since the previous refresh first (--watch; else bytes).
    Delta,
    /// Fastest growth in bytes/s first (--watch; else bytes).
    Rate,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Bytes => SortKey::Calls,
            SortKey::Calls => SortKey::Name,
            SortKey::Name => SortKey::Delta,
            SortKey::Delta => SortKey::Rate,
            SortKey::Rate => SortKey::Bytes,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Bytes => "bytes",
            SortKey::Calls => "calls",
            SortKey::Name => "name",
            SortKey::Delta => "delta",
            SortKey::Rate => "rate",
        }
    }
}

/// A row or a group of rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    /// The source label, when entries of several sources are shown apart.
    pub source: Option<String>,
    /// The site text, function, file, directory or module.
    pub name: String,
    pub bytes: i64,
    pub calls: u64,
    /// Rows summed in it.
    pub sites: usize,
    /// Change since the previous refresh, since the start, and bytes/s.
    pub delta: i64,
    pub delta_start: i64,
    pub rate: f64,
}

impl Entry {
    /// The key that identifies the entry across refreshes and tables.
    pub fn key(&self) -> (Option<&str>, &str) {
        (self.source.as_deref(), &self.name)
    }
}

/// A group's identity, borrowed from its rows: (source, a, b, line, c).
type Key<'a> = (Option<&'a str>, &'a str, Option<&'a str>, u32, &'a str);

/// Calls `f` with each key `r` is summed under (several for `dir`) and
/// the key's `dir` prefix length (0 for the others), from which
/// [`key_at`] gives it back.
#[inline]
fn keys<'a>(r: &'a Row, by: By, src: Option<&'a str>, mut f: impl FnMut(Key<'a>, u32)) {
    match by {
        By::Dir => {
            let mut any = false;
            for (i, c) in r.file.char_indices() {
                if c == '/' && i > 0 {
                    f((src, &r.file[..=i], None, 0, ""), i as u32 + 1);
                    any = true;
                }
            }
            if !any {
                f((src, "./", None, 0, ""), 0);
            }
        }
        _ => f(key_at(r, by, src, 0), 0),
    }
}

/// The key of `r` that [`keys`] gave with `dir`.
#[inline]
fn key_at<'a>(r: &'a Row, by: By, src: Option<&'a str>, dir: u32) -> Key<'a> {
    match by {
        By::Site => (src, &r.file, r.module.as_deref(), r.line, &r.function),
        By::Function => (src, &r.function, r.module.as_deref(), 0, ""),
        By::File => (src, &r.file, None, 0, ""),
        By::Module => (src, r.module_or_kernel(), None, 0, ""),
        By::Dir if dir == 0 => (src, "./", None, 0, ""),
        By::Dir => (src, &r.file[..dir as usize], None, 0, ""),
    }
}

/// The display name of a group.
fn name(r: &Row, by: By, k: &Key) -> String {
    match by {
        By::Site => r.site(),
        By::Function => match &r.module {
            Some(m) => format!("[{m}] {}", r.function),
            None => r.function.clone(),
        },
        By::File | By::Module | By::Dir => k.1.to_string(),
    }
}

/// Groups `rows`; with `per_source`, entries of different sources stay apart.
pub fn group<'a>(rows: impl Iterator<Item = &'a Row>, by: By, per_source: bool) -> Vec<Entry> {
    use std::collections::hash_map::Entry as Slot;
    use std::hash::BuildHasher;
    let hint = rows.size_hint();
    let cap = if by == By::Site {
        hint.1.unwrap_or(hint.0)
    } else {
        0
    };
    // A compact map from the key's 64-bit hash to its entry; the key is
    // checked on every hit (rebuilt from the entry's first row), and true
    // collisions go to `spill`.
    let mut map: HashMap<u64, u32, IdBuild> =
        HashMap::with_capacity_and_hasher(cap, IdBuild::default());
    let mut spill: HashMap<Key<'a>, usize, FxBuild> = HashMap::default();
    let mut first: Vec<(&'a Row, u32)> = Vec::with_capacity(cap);
    let mut out: Vec<Entry> = Vec::with_capacity(cap);
    let fx = FxBuild::default();
    for r in rows {
        let src = per_source.then_some(&*r.source);
        keys(r, by, src, |k, dir| {
            let new_entry = |out: &mut Vec<Entry>, first: &mut Vec<(&'a Row, u32)>| {
                out.push(Entry {
                    source: src.map(str::to_string),
                    name: name(r, by, &k),
                    ..Entry::default()
                });
                first.push((r, dir));
                out.len() - 1
            };
            let idx = match map.entry(fx.hash_one(k)) {
                Slot::Vacant(v) => {
                    let i = new_entry(&mut out, &mut first);
                    v.insert(i as u32);
                    i
                }
                Slot::Occupied(o) => {
                    let i = *o.get() as usize;
                    let (r0, d0) = first[i];
                    if key_at(r0, by, per_source.then_some(&*r0.source), d0) == k {
                        i
                    } else {
                        match spill.get(&k) {
                            Some(&i) => i,
                            None => {
                                let i = new_entry(&mut out, &mut first);
                                spill.insert(k, i);
                                i
                            }
                        }
                    }
                }
            };
            let e = &mut out[idx];
            e.bytes += r.bytes;
            e.calls += r.calls;
            e.sites += 1;
        });
    }
    out
}

/// The order of `sort`: the key's largest first (`name`: alphabetical),
/// ties by name, then source.
pub fn compare(a: &Entry, b: &Entry, key: SortKey) -> std::cmp::Ordering {
    let o = match key {
        SortKey::Bytes => b.bytes.cmp(&a.bytes),
        SortKey::Calls => b.calls.cmp(&a.calls),
        SortKey::Name => std::cmp::Ordering::Equal,
        SortKey::Delta => b
            .delta
            .cmp(&a.delta)
            .then_with(|| b.delta_start.cmp(&a.delta_start))
            .then_with(|| b.bytes.cmp(&a.bytes)),
        SortKey::Rate => b
            .rate
            .total_cmp(&a.rate)
            .then_with(|| b.bytes.cmp(&a.bytes)),
    };
    o.then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.source.cmp(&b.source))
}

/// Sorts entries: the key's largest first (`name`: alphabetical), ties by name.
pub fn sort(entries: &mut [Entry], key: SortKey) {
    if entries.len() < 1024 {
        entries.sort_unstable_by(|a, b| compare(a, b, key));
        return;
    }
    // Large tables: the order of indices, then each entry moved once,
    // instead of moving whole entries at every step.
    let mut order = order(entries, key);
    for i in 0..order.len() {
        let mut cur = i;
        while order[cur] as usize != i {
            let next = order[cur] as usize;
            entries.swap(cur, next);
            order[cur] = cur as u32;
            cur = next;
        }
        order[cur] = cur as u32;
    }
}

/// The indices of `entries` in `sort`'s order, the entries left in place.
fn order(entries: &[Entry], key: SortKey) -> Vec<u32> {
    // The primary key as a u64 whose ascending order is `compare`'s.
    let primary = |e: &Entry| match key {
        SortKey::Bytes => Some(!(e.bytes as u64 ^ 1 << 63)),
        SortKey::Calls => Some(!e.calls),
        _ => None,
    };
    let n = entries.len();
    if n < 1024 || n > u32::MAX as usize || primary(&entries[0]).is_none() {
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|&a, &b| compare(&entries[a as usize], &entries[b as usize], key));
        return order;
    }
    // Large tables: the primary keys as plain integers.
    order_by(
        entries.iter().map(|e| primary(e).unwrap_or(0)),
        |i| &entries[i].name,
        |i| entries[i].source.as_deref(),
    )
}

/// The indices of `n` items in ascending order of `key`, ties by `name`
/// then `source` (`compare`'s order when `key` is its primary key).
fn order_by<'a>(
    keys: impl ExactSizeIterator<Item = u64>,
    name: impl Fn(usize) -> &'a str,
    source: impl Fn(usize) -> Option<&'a str>,
) -> Vec<u32> {
    // (key << 32 | index) sorted as plain integers, then each run of equal
    // keys by name and source.
    let n = keys.len();
    assert!(n <= u32::MAX as usize, "too many entries to sort");
    let mut keyed: Vec<u128> = keys
        .enumerate()
        .map(|(i, k)| u128::from(k) << 32 | i as u128)
        .collect();
    keyed.sort_unstable();
    let mut order: Vec<u32> = keyed.iter().map(|&k| k as u32).collect();
    let mut run: Vec<(&str, Option<&str>, u32)> = Vec::new();
    let mut start = 0;
    while start < n {
        let k = keyed[start] >> 32;
        let len = keyed[start..].partition_point(|&p| p >> 32 == k);
        if len > 1 {
            // Names lie in no order in memory, and a sort's first reads of
            // them wait for each other: read them first in one pass (whose
            // reads overlap), then sort.
            let at = &mut order[start..start + len];
            run.clear();
            run.extend(
                at.iter()
                    .map(|&i| (name(i as usize), source(i as usize), i)),
            );
            let mut touch = 0u8;
            for (s, _, _) in &run {
                if let (Some(f), Some(l)) = (s.as_bytes().first(), s.as_bytes().last()) {
                    touch ^= f ^ l;
                }
            }
            std::hint::black_box(touch);
            run.sort_unstable_by(|x, y| x.0.cmp(y.0).then_with(|| x.1.cmp(&y.1)));
            for (o, r) in at.iter_mut().zip(&run) {
                *o = r.2;
            }
        }
        start += len;
    }
    order
}

/// The first `n` entries in `sort` order, the rest dropped: a selection,
/// then a sort of only those `n`.
pub fn top_n(entries: &mut Vec<Entry>, key: SortKey, n: usize) {
    select(entries, key, n);
    sort(entries, key);
}

/// Keeps the first `n` entries in `sort` order, in no order.
fn select(entries: &mut Vec<Entry>, key: SortKey, n: usize) {
    if n == 0 {
        entries.clear();
    } else if n < entries.len() {
        entries.select_nth_unstable_by(n - 1, |a, b| compare(a, b, key));
        entries.truncate(n);
    }
}

/// What the text table shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Columns {
    pub raw_bytes: bool,
    /// SITES column (grouped views).
    pub sites: bool,
    /// SOURCE column (several sources).
    pub source: bool,
    /// DELTA, SINCE-START and RATE columns (--watch).
    pub watch: bool,
}

/// The header and cells of `entries`, one `Vec` per line.
pub fn cells(entries: &[Entry], c: Columns) -> (Vec<&'static str>, Vec<Vec<Cow<'_, str>>>) {
    let mut head = vec!["BYTES", "CALLS"];
    if c.watch {
        head.extend(["DELTA", "SINCE-START", "RATE/s"]);
    }
    if c.sites {
        head.push("SITES");
    }
    if c.source {
        head.push("SOURCE");
    }
    head.push("NAME");
    let rows = entries
        .iter()
        .map(|e| {
            let mut v: Vec<Cow<str>> = Vec::with_capacity(8);
            v.push(fmt_bytes(e.bytes, c.raw_bytes, false).into());
            v.push(e.calls.to_string().into());
            if c.watch {
                v.push(fmt_bytes(e.delta, c.raw_bytes, true).into());
                v.push(fmt_bytes(e.delta_start, c.raw_bytes, true).into());
                v.push(fmt_bytes(e.rate.round() as i64, c.raw_bytes, true).into());
            }
            if c.sites {
                v.push(e.sites.to_string().into());
            }
            if c.source {
                v.push(Cow::Borrowed(e.source.as_deref().unwrap_or("")));
            }
            v.push(Cow::Borrowed(&e.name));
            v
        })
        .collect();
    (head, rows)
}

/// A plain text table: every column right-aligned but the last two text ones.
pub fn render<S: AsRef<str>>(head: &[&str], rows: &[Vec<S>], out: &mut String) {
    let n = head.len();
    let mut w: Vec<usize> = head.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.as_ref().len());
        }
    }
    let left = |i: usize| i + 1 == n || matches!(head[i], "SOURCE" | "CHANGE");
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let mut first = true;
        for (i, c) in cells.enumerate() {
            if !first {
                out.push_str("  ");
            }
            first = false;
            let pad = w[i].saturating_sub(c.len());
            if i + 1 == n {
                out.push_str(c);
            } else if left(i) {
                out.push_str(c);
                out.extend(std::iter::repeat_n(' ', pad));
            } else {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(c);
            }
        }
        out.push('\n');
    };
    line(&mut head.iter().copied(), out);
    for r in rows {
        line(&mut r.iter().map(|c| c.as_ref()), out);
    }
}

/// Appends `k` spaces.
fn pad(out: &mut String, mut k: usize) {
    const SPACES: &str = "                                                                ";
    while k > SPACES.len() {
        out.push_str(SPACES);
        k -= SPACES.len();
    }
    out.push_str(&SPACES[..k]);
}

/// The same table as `cells` + `render`, formatted straight into `out`
/// (no per-cell allocation: the path of large one-shot tables).
pub fn render_entries(entries: &[Entry], c: Columns, out: &mut String) {
    render_lines(entries, c, out);
}

/// What a line of the text table shows but its name (an `Entry`'s fields).
#[derive(Debug, Clone, Copy)]
pub struct TableLine<'a> {
    pub bytes: i64,
    pub calls: u64,
    pub delta: i64,
    pub delta_start: i64,
    pub rate: f64,
    pub sites: usize,
    pub source: Option<&'a str>,
}

/// The lines of a text table, by index.
pub trait TableLines {
    fn count(&self) -> usize;
    /// Line `i` but its name.
    fn line(&self, i: usize) -> TableLine<'_>;
    /// Line `i`'s name, read once: when it is written.
    fn name(&self, i: usize) -> &str;
    /// Its length, if it can be had without reading it.
    fn name_len(&self, i: usize) -> usize {
        self.name(i).len()
    }
}

impl TableLines for [Entry] {
    fn count(&self) -> usize {
        self.len()
    }
    fn line(&self, i: usize) -> TableLine<'_> {
        let e = &self[i];
        TableLine {
            bytes: e.bytes,
            calls: e.calls,
            delta: e.delta,
            delta_start: e.delta_start,
            rate: e.rate,
            sites: e.sites,
            source: e.source.as_deref(),
        }
    }
    fn name(&self, i: usize) -> &str {
        &self[i].name
    }
}

/// `render_entries` of any lines.
pub fn render_lines<L: TableLines + ?Sized>(lines: &L, c: Columns, out: &mut String) {
    // A flush that never fails.
    let _ = render_lines_with(lines, c, out, None);
}

/// The size of the pieces of a table written as they are made.
pub const CHUNK: usize = 1 << 16;

/// Writes (and empties) a piece of a table.
pub type Flush<'f> = &'f mut dyn FnMut(&mut String) -> std::io::Result<()>;

/// `render_lines`, handing `out` to `flush`, if any, whenever it holds
/// [`CHUNK`] bytes or more (`flush` writes and empties it): a large table
/// is written as it is made, without a buffer of its size.
pub fn render_lines_with<L: TableLines + ?Sized>(
    lines: &L,
    c: Columns,
    out: &mut String,
    mut flush: Option<Flush>,
) -> std::io::Result<()> {
    let (head, _) = cells(&[], c);
    let n = head.len();
    // Columns before SOURCE and NAME are numbers, formatted once into an
    // arena: `ends` holds each cell's end offset.
    let numeric = n - 1 - usize::from(c.source);
    let len = lines.count();
    let mut arena = String::with_capacity(len * numeric * 6);
    let mut ends: Vec<u32> = Vec::with_capacity(len * numeric);
    let mut w: Vec<usize> = head.iter().map(|h| h.len()).collect();
    let mut names = 0;
    for i in 0..len {
        let e = lines.line(i);
        let mut col = 0;
        let mut end = |arena: &mut String, col: &mut usize| {
            let start = ends.last().copied().unwrap_or(0) as usize;
            w[*col] = w[*col].max(arena.len() - start);
            ends.push(arena.len() as u32);
            *col += 1;
        };
        write_bytes(&mut arena, e.bytes, c.raw_bytes, false);
        end(&mut arena, &mut col);
        write_uint(&mut arena, e.calls);
        end(&mut arena, &mut col);
        if c.watch {
            write_bytes(&mut arena, e.delta, c.raw_bytes, true);
            end(&mut arena, &mut col);
            write_bytes(&mut arena, e.delta_start, c.raw_bytes, true);
            end(&mut arena, &mut col);
            write_bytes(&mut arena, e.rate.round() as i64, c.raw_bytes, true);
            end(&mut arena, &mut col);
        }
        if c.sites {
            write_uint(&mut arena, e.sites as u64);
            end(&mut arena, &mut col);
        }
        if c.source {
            let l = e.source.map_or(0, str::len);
            w[numeric] = w[numeric].max(l);
        }
        names += lines.name_len(i);
    }
    // Every line but the header: the padded cells, two spaces after each,
    // the name and a newline; a little more for a caller's totals line.
    let line: usize = w[..n - 1].iter().sum::<usize>() + 2 * (n - 1) + 1;
    if flush.is_some() {
        out.reserve(CHUNK + line + 4096);
    } else {
        out.reserve(w.iter().sum::<usize>() + 2 * n + len * line + names + 256);
    }
    for (i, h) in head.iter().enumerate() {
        if i > 0 {
            out.push_str("  ");
        }
        if i < numeric {
            pad(out, w[i] - h.len());
            out.push_str(h);
        } else {
            out.push_str(h);
            if i + 1 < n {
                pad(out, w[i] - h.len());
            }
        }
    }
    out.push('\n');
    let mut k = 0;
    let mut start = 0usize;
    for j in 0..len {
        for (i, &wi) in w.iter().enumerate().take(numeric) {
            if i > 0 {
                out.push_str("  ");
            }
            let end = ends[k] as usize;
            k += 1;
            let s = &arena[start..end];
            start = end;
            pad(out, wi - s.len());
            out.push_str(s);
        }
        out.push_str("  ");
        if c.source {
            let s = lines.line(j).source.unwrap_or("");
            out.push_str(s);
            pad(out, w[numeric] - s.len());
            out.push_str("  ");
        }
        out.push_str(lines.name(j));
        out.push('\n');
        if out.len() >= CHUNK {
            if let Some(f) = flush.as_mut() {
                f(out)?;
            }
        }
    }
    Ok(())
}

/// `total: 1.2M in 345 calls, 67 rows (10 shown)`.
pub fn totals_line(bytes: i64, calls: u64, rows: usize, shown: usize, raw: bool) -> String {
    format!(
        "total: {} in {} calls, {} rows ({} shown)",
        fmt_bytes(bytes, raw, false),
        calls,
        rows,
        shown
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use crate::table::generate;

    #[test]
    fn large_sort_equals_plain_sort() {
        let rows = parse(&generate(5000), "a").rows;
        for key in [SortKey::Bytes, SortKey::Calls, SortKey::Name] {
            let mut a = group(rows.iter(), By::Site, false);
            let mut b = a.clone();
            sort(&mut a, key);
            b.sort_by(|x, y| compare(x, y, key));
            assert_eq!(a, b, "{key:?}");
        }
        // Long runs of equal keys, extreme values; names that repeat, each
        // with two sources (entries stay distinct by name and source).
        let mut e = group(rows.iter(), By::Site, false);
        for (i, x) in e.iter_mut().enumerate() {
            x.bytes = [i64::MIN, -1, 0, 1, i64::MAX][i % 5];
            x.calls = [0, 1, u64::MAX][i % 3];
            x.source = (i % 7 == 0).then(|| "b".to_string());
            if i % 11 == 0 {
                x.name = format!("a{}", i / 22);
                x.source = Some(["b", "c"][i / 11 % 2].to_string());
            }
        }
        for key in [SortKey::Bytes, SortKey::Calls] {
            let mut a = e.clone();
            let mut b = e.clone();
            sort(&mut a, key);
            b.sort_by(|x, y| compare(x, y, key));
            assert_eq!(a, b, "{key:?}");
        }
    }

    #[test]
    fn render_entries_matches_cells_and_render() {
        let mut rows = parse(&generate(300), "a").rows;
        rows.extend(parse(&generate(50), "other/source").rows);
        for by in [By::Site, By::Module, By::Dir] {
            let mut e = group(rows.iter(), by, true);
            for (i, x) in e.iter_mut().enumerate() {
                x.delta = i as i64 * 1000 - 5000;
                x.delta_start = -(i as i64);
                x.rate = i as f64 * 1.5;
            }
            for bits in 0..16u8 {
                let c = Columns {
                    raw_bytes: bits & 1 != 0,
                    sites: bits & 2 != 0,
                    source: bits & 4 != 0,
                    watch: bits & 8 != 0,
                };
                let (h, r) = cells(&e, c);
                let mut a = String::new();
                render(&h, &r, &mut a);
                // top_n keeps sort's order.
                let mut sorted = e.clone();
                sort(&mut sorted, SortKey::Bytes);
                let mut first = e.clone();
                top_n(&mut first, SortKey::Bytes, 17);
                assert_eq!(&sorted[..17.min(sorted.len())], &first[..]);
                let mut b = String::new();
                render_entries(&e, c, &mut b);
                assert_eq!(a, b, "{by:?} {c:?}");
            }
        }
    }
}
