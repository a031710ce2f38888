// SPDX-License-Identifier: GPL-2.0

//! `top`'s one-shot table (without --watch), over rows borrowed from the
//! input texts.
//!
//! The same table as `topview::read` then `topview::text` (the tests compare
//! them), without an owned `Row` per line nor an `Entry`, with its `String`
//! name, per group: rows are parsed in place
//! ([`crate::parse::parse_with`]), filtered and summed into groups that
//! hold their sums and where their key and name are: in an input's text
//! (a site as its line writes it, a file, a directory, a module) or in an
//! arena (a name written anew).  A table of
//! 100,000 rows is then a few allocations instead of a few hundred
//! thousand, and a fraction of the memory.
//!
//! A group's key is a string: for `--by site` the tag text without its
//! `key:value` pairs (`file:line [module] func:f`, one string per (file,
//! line, module, function), as the line number is written canonically),
//! for the others the name itself (`[module] function`, file, directory,
//! module); groups of several sources are apart when `per_source`.
//!
//! Layer: readers and writers.  Uses: `input`, `parse`, `table`, `view`,
//! `hash`; its tests `topview`.

use std::collections::hash_map::Entry as Slot;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;

use anyhow::Result;

use crate::hash::{FxBuild, IdBuild};
use crate::input::check_malformed;
use crate::parse::{parse_with, RowRef};
use crate::table::{write_site, Table};
use crate::view::{
    render_lines_with, totals_line, By, Columns, Filter, Flush, SortKey, TableLine, TableLines,
};

/// Where a string is: `len` bytes from `start` of text `buf`, or of the
/// arena when `buf` is [`ARENA`].
#[derive(Clone, Copy, Debug)]
struct Span {
    buf: u32,
    start: u32,
    len: u32,
}

const ARENA: u32 = u32::MAX;
/// The names that are in no text, first in the arena.
const KERNEL: Span = Span {
    buf: ARENA,
    start: 0,
    len: 6,
};
const NO_DIR: Span = Span {
    buf: ARENA,
    start: 6,
    len: 2,
};

/// A group: 40 bytes.
#[derive(Clone, Copy, Debug)]
struct Group {
    name: Span,
    /// Its key is the start of its name (a site without its key:value
    /// pairs, or the whole name).
    key_len: u32,
    /// The index of the first input of the group's source label.
    src: u32,
    sites: u32,
    bytes: i64,
    calls: u64,
}

const _: () = assert!(std::mem::size_of::<Group>() == 40);

/// The most a report takes: inputs, the text of names, groups and a
/// group's rows are counted by u32 (an error past it).
const LIMIT: usize = u32::MAX as usize - 1;

/// Inputs read, filtered and grouped; then the groups shown, sorted.
pub struct Report {
    by: By,
    per_source: bool,
    texts: Vec<String>,
    labels: Vec<String>,
    arena: String,
    groups: Vec<Group>,
    /// From a key's hash (32 bits: an 8-byte slot, the table's 100,000
    /// rows in about 1 MB) to its group; groups whose key's hash is another
    /// key's are in `spill`.
    map: HashMap<u32, u32, IdBuild>,
    spill: HashMap<(u32, String), u32>,
    /// Rows read (malformed lines aside).
    pub parsed: usize,
    /// Totals of the rows that passed the filter.
    pub bytes: i64,
    pub calls: u64,
    pub rows: usize,
}

/// A name, and where it is if it stays there (else it is copied to the
/// arena when kept).
type Str<'s> = (&'s str, Option<Span>);

impl Report {
    /// A report summed `by`; with `per_source`, rows of different sources
    /// (labels) stay apart and are labelled.
    pub fn new(by: By, per_source: bool) -> Report {
        Report {
            by,
            per_source,
            texts: Vec::new(),
            labels: Vec::new(),
            arena: String::from("kernel./"),
            groups: Vec::new(),
            map: HashMap::default(),
            spill: HashMap::new(),
            parsed: 0,
            bytes: 0,
            calls: 0,
            rows: 0,
        }
    }

    /// Adds the rows of `text`, read from `label`, that pass `filter`;
    /// reports its malformed lines as `input::load` does (an error with
    /// `strict`).
    pub fn add(
        &mut self,
        label: String,
        text: String,
        filter: &Filter,
        strict: bool,
    ) -> Result<()> {
        anyhow::ensure!(
            text.len() <= LIMIT && self.texts.len() < LIMIT,
            "{label}: too large for top's table (over 4 GiB)"
        );
        let buf = self.texts.len() as u32;
        let src = self
            .labels
            .iter()
            .position(|l| *l == label)
            .unwrap_or(self.labels.len()) as u32;
        self.texts.push(text);
        self.labels.push(label);
        let Report {
            by,
            per_source,
            texts,
            labels,
            arena,
            groups,
            map,
            spill,
            parsed,
            bytes,
            calls,
            rows,
        } = self;
        let text = texts[buf as usize].as_str();
        if groups.is_empty() && *by == By::Site {
            // About one group per row.
            let n = memchr::memchr_iter(b'\n', text.as_bytes()).count();
            groups.reserve(n);
            map.reserve(n);
        }
        let base = text.as_ptr() as usize;
        let at = |s: &str| Span {
            buf,
            start: (s.as_ptr() as usize - base) as u32,
            len: s.len() as u32,
        };
        let mut full = false;
        let mut st = Groups {
            texts: texts.as_slice(),
            map,
            spill,
            new: NewGroups {
                arena,
                groups,
                src: if *per_source { src } else { 0 },
                full: &mut full,
            },
        };
        let mut glob: HashMap<&str, bool, FxBuild> = HashMap::default();
        let mut scratch = String::new();
        let mut malformed = Vec::new();
        parse_with(
            text,
            |_, r: RowRef| {
                *parsed += 1;
                let keep =
                    filter.keep_parts(r.bytes, r.calls, r.module, &r.function, |g| {
                        match glob.get(r.file) {
                            Some(&m) => m,
                            None => *glob.entry(r.file).or_insert(g.is_match(r.file)),
                        }
                    });
                if !keep {
                    return;
                }
                *bytes += r.bytes;
                *calls += r.calls;
                *rows += 1;
                let (b, c) = (r.bytes, r.calls);
                match by {
                    By::Site => match r.site {
                        Some((site, k)) => st.add((site, Some(at(site))), k, b, c),
                        None => {
                            scratch.clear();
                            let k = write_site(
                                &mut scratch,
                                r.file,
                                r.line,
                                r.module,
                                &r.function,
                                r.extra(),
                            );
                            st.add((&scratch, None), k, b, c);
                        }
                    },
                    By::Function => {
                        let f = match (r.module, &r.function) {
                            (None, std::borrow::Cow::Borrowed(f)) => (*f, Some(at(f))),
                            (None, f) => (&**f, None),
                            (Some(m), f) => {
                                scratch.clear();
                                scratch.push('[');
                                scratch.push_str(m);
                                scratch.push_str("] ");
                                scratch.push_str(f);
                                (scratch.as_str(), None)
                            }
                        };
                        st.add(f, f.0.len(), b, c);
                    }
                    By::File => st.add((r.file, Some(at(r.file))), r.file.len(), b, c),
                    By::Module => {
                        let m = r
                            .module
                            .map_or(("kernel", Some(KERNEL)), |m| (m, Some(at(m))));
                        st.add(m, m.0.len(), b, c);
                    }
                    By::Dir => {
                        let mut any = false;
                        for (i, ch) in r.file.char_indices() {
                            if ch == '/' && i > 0 {
                                let d = &r.file[..=i];
                                st.add((d, Some(at(d))), d.len(), b, c);
                                any = true;
                            }
                        }
                        if !any {
                            st.add(("./", Some(NO_DIR)), 2, b, c);
                        }
                    }
                }
            },
            |m| malformed.push(m),
        );
        anyhow::ensure!(!full, "{}: too large for top's table", labels[buf as usize]);
        check_malformed(
            &Table {
                source: labels[buf as usize].clone(),
                malformed,
                ..Table::default()
            },
            strict,
        )
    }

    /// Keeps the groups to show: those of at least `min_bytes` bytes (if
    /// not 0), the first `n` in `sort`'s order, sorted.
    pub fn select(&mut self, sort: SortKey, n: usize, min_bytes: u64) {
        if min_bytes > 0 {
            self.groups
                .retain(|g| g.bytes >= 0 && g.bytes as u64 >= min_bytes);
        }
        // The order of `view::compare` without --watch (no deltas: `delta`
        // and `rate` are by bytes): a primary key, then name and source.
        let primary = |g: &Group| match sort {
            SortKey::Calls => !g.calls,
            SortKey::Name => 0,
            SortKey::Bytes | SortKey::Delta | SortKey::Rate => !(g.bytes as u64 ^ 1 << 63),
        };
        if n == 0 {
            self.groups.clear();
            return;
        }
        let (texts, arena, labels) = (&self.texts, &self.arena, &self.labels);
        let per_source = self.per_source;
        let name = |g: &Group| resolve(texts, arena, g.name);
        let source = |g: &Group| per_source.then(|| labels[g.src as usize].as_str());
        if n < self.groups.len() {
            self.groups.select_nth_unstable_by(n - 1, |a, b| {
                primary(a)
                    .cmp(&primary(b))
                    .then_with(|| name(a).cmp(name(b)))
                    .then_with(|| source(a).cmp(&source(b)))
            });
            self.groups.truncate(n);
        }
        // The groups themselves sorted by their primary key (no index to
        // follow afterwards), then each run of equal keys by name and
        // source, from a copy with the names read in one pass.
        self.groups.sort_unstable_by_key(primary);
        let mut run: Vec<(&str, Option<&str>, Group)> = Vec::new();
        let mut start = 0;
        let g = &mut self.groups;
        while start < g.len() {
            let k = primary(&g[start]);
            let len = g[start..].partition_point(|x| primary(x) == k);
            if len > 1 {
                let at = &mut g[start..start + len];
                run.clear();
                run.extend(at.iter().map(|x| (name(x), source(x), *x)));
                run.sort_unstable_by(|x, y| x.0.cmp(y.0).then_with(|| x.1.cmp(&y.1)));
                for (o, r) in at.iter_mut().zip(&run) {
                    *o = r.2;
                }
            }
            start += len;
        }
    }

    /// Appends the table of the groups kept and the totals line, as
    /// `top::text` writes them.
    pub fn render(&self, raw_bytes: bool, out: &mut String) {
        let _ = self.render_with(raw_bytes, out, None);
    }

    /// `render`, written to `w` in pieces as it is made.
    pub fn write_to(&self, raw_bytes: bool, w: &mut impl Write) -> std::io::Result<()> {
        let mut out = String::new();
        let mut flush = |b: &mut String| {
            let r = w.write_all(b.as_bytes());
            b.clear();
            r
        };
        self.render_with(raw_bytes, &mut out, Some(&mut flush))?;
        flush(&mut out)
    }

    fn render_with(
        &self,
        raw_bytes: bool,
        out: &mut String,
        flush: Option<Flush>,
    ) -> std::io::Result<()> {
        let c = Columns {
            raw_bytes,
            sites: self.by != By::Site,
            source: self.per_source,
            watch: false,
        };
        render_lines_with(self, c, out, flush)?;
        out.push_str(&totals_line(
            self.bytes,
            self.calls,
            self.rows,
            self.groups.len(),
            raw_bytes,
        ));
        out.push('\n');
        Ok(())
    }

    /// The groups kept.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

impl TableLines for Report {
    fn count(&self) -> usize {
        self.groups.len()
    }
    fn line(&self, i: usize) -> TableLine<'_> {
        let g = &self.groups[i];
        TableLine {
            bytes: g.bytes,
            calls: g.calls,
            delta: 0,
            delta_start: 0,
            rate: 0.0,
            sites: g.sites as usize,
            source: self
                .per_source
                .then(|| self.labels[g.src as usize].as_str()),
        }
    }
    fn name(&self, i: usize) -> &str {
        resolve(&self.texts, &self.arena, self.groups[i].name)
    }
    fn name_len(&self, i: usize) -> usize {
        self.groups[i].name.len as usize
    }
}

fn resolve<'s>(texts: &'s [String], arena: &'s str, s: Span) -> &'s str {
    let b = if s.buf == ARENA {
        arena
    } else {
        texts[s.buf as usize].as_str()
    };
    &b[s.start as usize..(s.start + s.len) as usize]
}

/// The groups, while a text is added.
struct Groups<'r> {
    texts: &'r [String],
    map: &'r mut HashMap<u32, u32, IdBuild>,
    spill: &'r mut HashMap<(u32, String), u32>,
    new: NewGroups<'r>,
}

impl Groups<'_> {
    /// Adds a row's bytes and calls to the group of the key
    /// `name.0[..key_len]` (a new one named `name` if there is none).
    fn add(&mut self, name: Str, key_len: usize, bytes: i64, calls: u64) {
        let key = &name.0[..key_len];
        let new = &mut self.new;
        let mut h = FxBuild::default().build_hasher();
        h.write_u32(new.src);
        h.write(key.as_bytes());
        // The product's high half: it depends on every bit hashed.
        #[allow(unused_mut)]
        let mut hash = (h.finish() >> 32) as u32;
        #[cfg(test)]
        if tests::FEW_HASHES.with(|f| f.get()) {
            hash &= 7;
        }
        let i = match self.map.entry(hash) {
            Slot::Vacant(v) => match new.new_group(name, key_len) {
                Some(i) => *v.insert(i),
                None => return,
            },
            Slot::Occupied(o) => {
                let i = *o.get();
                let g = &new.groups[i as usize];
                if g.src == new.src
                    && &resolve(self.texts, new.arena, g.name)[..g.key_len as usize] == key
                {
                    i
                } else {
                    match self.spill.get(&(new.src, key.to_string())) {
                        Some(&i) => i,
                        None => match new.new_group(name, key_len) {
                            Some(i) => {
                                self.spill.insert((new.src, key.to_string()), i);
                                i
                            }
                            None => return,
                        },
                    }
                }
            }
        };
        let g = &mut new.groups[i as usize];
        g.bytes += bytes;
        g.calls += calls;
        match g.sites.checked_add(1) {
            Some(n) => g.sites = n,
            None => *new.full = true,
        }
    }
}

/// The parts of `Groups` that a new group changes.
struct NewGroups<'r> {
    arena: &'r mut String,
    groups: &'r mut Vec<Group>,
    /// The rows' source (0 without `per_source`).
    src: u32,
    /// Set when a group is past the limits.
    full: &'r mut bool,
}

impl NewGroups<'_> {
    /// A new group, or `None` past the limits (`full` then set).
    fn new_group(&mut self, name: Str, key_len: usize) -> Option<u32> {
        if self.groups.len() >= LIMIT || self.arena.len() + name.0.len() > LIMIT {
            *self.full = true;
            return None;
        }
        let name_at = match name.1 {
            Some(s) => s,
            None => {
                let start = self.arena.len() as u32;
                self.arena.push_str(name.0);
                Span {
                    buf: ARENA,
                    start,
                    len: name.0.len() as u32,
                }
            }
        };
        self.groups.push(Group {
            name: name_at,
            key_len: key_len as u32,
            src: self.src,
            sites: 0,
            bytes: 0,
            calls: 0,
        });
        Some((self.groups.len() - 1) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Keys hashed to 8 values only: every path of a hash shared by
        /// different keys is taken.
        pub static FEW_HASHES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    use crate::input::Input;
    use crate::parse::parse;
    use crate::table::generate;
    use crate::topview::{summarize, text, TopOpts};

    /// Rows that take every path: names as the line writes them or
    /// written anew (tabs, several spaces, a line number `007` or `+5`, a
    /// `<...>` name split by a tab), a site twice with other key:value
    /// pairs, no module, a module named `kernel`, files without `/` or
    /// with `:`, zero rows, equal sizes, malformed lines.
    const ODD: &str = "allocinfo - version: 2.0
#     <size>  <calls> <tag info>
        4096        1 mm/a.c:1 func:f
        4096        1 mm/a.c:1 func:f accurate:no
        4096        2 mm/a.c:1\tfunc:f k:v
        8192        2 mm/a.c:007 [m] func:g
        8192        2 mm/a.c:7 [m] func:g x:y
        1024        1 mm/b.c:+5 [kernel] func:h
        1024        1 mm/b.c:5  [kernel]  func:h
           0        0 top.c:3 func:<T as\tTrait>::f
          64        1 top.c:3 func:<T as Trait>::f
          64        1 a:b:c.rs:9 [m] func:<F as Fn() -> u8>::call
          64        1 a:b.rs:9 [m] func:z
          -8        0 drivers/x/y/z.c:10 [drv] func:d1
          -8        0 drivers/x/y/z.c:11 [drv] func:d2 a:b c:d
     1048576        9 drivers/x/w.c:1 func:d3
this is not a row
          12       two mm/b.c:2 func:b
";

    fn opts(by: By, sort: SortKey, inputs: usize) -> TopOpts {
        TopOpts {
            inputs: (0..inputs)
                .map(|i| Input::Path(format!("in{i}").into()))
                .collect(),
            strict: false,
            filter: Filter::default(),
            by,
            sort,
            n: None,
            min_bytes: 0,
            raw_bytes: false,
        }
    }

    /// The generic path: tables, `summarize` (`read`), `text`.
    fn generic(inputs: &[(&str, &str)], o: &TopOpts, n: usize) -> String {
        let tables: Vec<_> = inputs.iter().map(|(l, t)| parse(t, l)).collect();
        text(summarize(&tables, o), o, n, false)
    }

    fn compact(inputs: &[(&str, &str)], o: &TopOpts, n: usize) -> String {
        let mut r = Report::new(o.by, o.inputs.len() > 1);
        for (l, t) in inputs {
            r.add(l.to_string(), t.to_string(), &o.filter, false)
                .unwrap();
        }
        r.select(o.sort, n, o.min_bytes);
        let mut a = String::new();
        r.render(o.raw_bytes, &mut a);
        let mut b = Vec::new();
        r.write_to(o.raw_bytes, &mut b).unwrap();
        assert_eq!(a.as_bytes(), b, "render and write_to");
        a
    }

    #[test]
    fn same_table_as_read_and_text() {
        let gen = generate(400);
        let big = generate(20_000);
        let data = |n: &str| {
            std::fs::read_to_string(format!("{}/tests/data/{n}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
        };
        let (up, ap) = (data("upstream-2.0.txt"), data("allocprof-1.0.txt"));
        let sets: Vec<Vec<(&str, &str)>> = vec![
            vec![("g", &gen)],
            vec![("o", ODD)],
            vec![("u", &up)],
            vec![("g", &gen), ("o", ODD)],
            vec![("a", ODD), ("a", &up)],
            vec![("u", &up), ("p", &ap), ("o", ODD)],
        ];
        let filters = [
            Filter::default(),
            Filter::new(None, None, None, true).unwrap(),
            Filter::new(Some("m"), None, None, false).unwrap(),
            Filter::new(Some("kernel"), None, None, false).unwrap(),
            Filter::new(None, Some("drivers/**"), Some("f"), true).unwrap(),
            Filter::new(None, Some("mm/*"), Some("^[fg]$|d\\d"), false).unwrap(),
            Filter::new(None, None, Some("::"), false).unwrap(),
        ];
        let bys = [By::Site, By::Function, By::File, By::Dir, By::Module];
        let sorts = [SortKey::Bytes, SortKey::Calls, SortKey::Name, SortKey::Rate];
        let mut checked = 0;
        for inputs in &sets {
            for (fi, f) in filters.iter().enumerate() {
                for by in bys {
                    for (si, sort) in sorts.into_iter().enumerate() {
                        let mut o = opts(by, sort, inputs.len());
                        o.filter = f.clone();
                        o.min_bytes = [0, 0, 1024][(fi + si) % 3];
                        o.raw_bytes = (fi + si) % 2 == 1;
                        for n in [0, 3, usize::MAX] {
                            let (a, b) = (generic(inputs, &o, n), compact(inputs, &o, n));
                            assert_eq!(b, a, "{by:?} {sort:?} n={n} filter {fi} {o:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 6 * 7 * 5 * 4 * 3);
        // Keys sharing hashes (every key checked, most in `spill`).
        FEW_HASHES.with(|f| f.set(true));
        for inputs in &sets {
            for by in bys {
                let o = opts(by, SortKey::Bytes, inputs.len());
                assert_eq!(
                    compact(inputs, &o, usize::MAX),
                    generic(inputs, &o, usize::MAX),
                    "{by:?}"
                );
            }
        }
        FEW_HASHES.with(|f| f.set(false));
        // A large table (the sort's large path), every entry shown.
        for (by, sort) in bys.into_iter().zip(sorts.into_iter().cycle()) {
            let o = opts(by, sort, 1);
            let inputs = [("b", big.as_str())];
            assert_eq!(
                compact(&inputs, &o, usize::MAX),
                generic(&inputs, &o, usize::MAX)
            );
        }
    }
}
