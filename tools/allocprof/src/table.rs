// SPDX-License-Identifier: GPL-2.0

//! The allocinfo table: parsing of allocprof's and upstream Linux's format.
//!
//! ```text
//! allocinfo - version: 1.0            (or 2.0)
//! #     <size>  <calls> <tag info>
//!         1280       10 path/file.rs:12 [module] func:crate::function
//!         4096        1 mm/slub.c:123 func:foo accurate:no
//! ```
//!
//! Each row is `"%12lli %8llu "` then `file:line`, an optional `[module]`
//! (upstream's built-in rows have none), `func:NAME` and, from version 2.0,
//! optional ` key:value` pairs.  Trailing whitespace is ignored.  A
//! function name holds no space except inside `<...>` (`<T as Trait>::f`).  Lines
//! starting with `#` (comments, e.g. a snapshot's header) and empty lines are
//! skipped.

use std::sync::Arc;

/// One call site of an allocinfo table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Label of the table the row comes from (its path, or `-`), shared.
    pub source: Arc<str>,
    /// Shared by the rows of one table that name the same file.
    pub file: Arc<str>,
    pub line: u32,
    /// `None` for upstream's built-in rows (no `[module]` part); shared.
    pub module: Option<Arc<str>>,
    pub function: String,
    /// Live bytes; signed, as a transient count may be negative.
    pub bytes: i64,
    /// Live allocations.
    pub calls: u64,
    /// The `key:value` pairs after the function, in order (`accurate:no`).
    pub extra: Vec<(String, String)>,
}

impl Row {
    /// `module`, or `kernel` for a row without one.
    pub fn module_or_kernel(&self) -> &str {
        self.module.as_deref().unwrap_or("kernel")
    }

    /// `k:v k:v` of the extra pairs (empty when there are none).
    pub fn extra_text(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.extra {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(k);
            s.push(':');
            s.push_str(v);
        }
        s
    }

    /// The tag text as allocinfo prints it: `file:line [module] func:f k:v`.
    pub fn site(&self) -> String {
        let cap = self.file.len()
            + 12
            + self.module.as_ref().map_or(0, |m| m.len() + 3)
            + 6
            + self.function.len()
            + self
                .extra
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>();
        let mut s = String::with_capacity(cap);
        s.push_str(&self.file);
        s.push(':');
        let mut n = itoa_buf(self.line);
        s.push_str(n.as_str());
        if let Some(m) = &self.module {
            s.push_str(" [");
            s.push_str(m);
            s.push(']');
        }
        s.push_str(" func:");
        s.push_str(&self.function);
        for (k, v) in &self.extra {
            s.push(' ');
            s.push_str(k);
            s.push(':');
            s.push_str(v);
        }
        s
    }
}

/// A u32 in decimal without allocating.
struct Dec {
    buf: [u8; 10],
    start: usize,
}
impl Dec {
    fn as_str(&mut self) -> &str {
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or("")
    }
}
fn itoa_buf(mut v: u32) -> Dec {
    let mut d = Dec {
        buf: [0; 10],
        start: 10,
    };
    loop {
        d.start -= 1;
        d.buf[d.start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return d;
        }
    }
}

/// A line that is not a row, header, comment or empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based line number.
    pub line: usize,
    pub reason: &'static str,
    pub text: String,
}

/// A parsed table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub source: String,
    /// `1.0`, `2.0`, ... from the header line, if there was one.
    pub version: Option<String>,
    pub rows: Vec<Row>,
    pub malformed: Vec<Malformed>,
}

impl Table {
    pub fn total_bytes(&self) -> i64 {
        self.rows.iter().map(|r| r.bytes).sum()
    }
    pub fn total_calls(&self) -> u64 {
        self.rows.iter().map(|r| r.calls).sum()
    }
}

pub const HEADER_PREFIX: &str = "allocinfo - version:";

/// Shares the strings that repeat across rows (files, modules).
#[derive(Default)]
pub struct Interner {
    map: std::collections::HashMap<Arc<str>, (), crate::view::FxBuild>,
}

impl Interner {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some((k, _)) = self.map.get_key_value(s) {
            return k.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.map.insert(a.clone(), ());
        a
    }
}

/// Parses `text`, labelling every row with `source`.  Malformed lines are
/// collected in [`Table::malformed`], never fatal here.
pub fn parse(text: &str, source: &str) -> Table {
    let shared: Arc<str> = Arc::from(source);
    let mut interner = Interner::default();
    let mut t = Table {
        source: source.to_string(),
        rows: Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count()),
        ..Default::default()
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if line.trim_start().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(v) = line.strip_prefix(HEADER_PREFIX) {
            t.version = Some(v.trim().to_string());
            continue;
        }
        match parse_row_shared(line, &shared, &mut interner) {
            Ok(r) => t.rows.push(r),
            Err(reason) => t.malformed.push(Malformed {
                line: i + 1,
                reason,
                text: raw.to_string(),
            }),
        }
    }
    t
}

/// Parses one row (without its line end).
pub fn parse_row(line: &str, source: &str) -> Result<Row, &'static str> {
    parse_row_shared(line, &Arc::from(source), &mut Interner::default())
}

fn parse_row_shared(
    line: &str,
    source: &Arc<str>,
    interner: &mut Interner,
) -> Result<Row, &'static str> {
    let mut it = line.split_ascii_whitespace();
    let bytes = it
        .next()
        .ok_or("empty line")?
        .parse::<i64>()
        .map_err(|_| "bytes is not a signed 64-bit integer")?;
    let calls = it
        .next()
        .ok_or("no calls column")?
        .parse::<u64>()
        .map_err(|_| "calls is not an unsigned 64-bit integer")?;
    let loc = it.next().ok_or("no file:line")?;
    let (file, l) = loc.rsplit_once(':').ok_or("no file:line")?;
    if file.is_empty() {
        return Err("empty file name");
    }
    let line_no = l.parse::<u32>().map_err(|_| "line is not a number")?;
    let mut tok = it.next().ok_or("no func:")?;
    let mut module = None;
    if tok.starts_with('[') {
        if !tok.ends_with(']') || tok.len() < 3 {
            return Err("malformed [module]");
        }
        module = Some(interner.get(&tok[1..tok.len() - 1]));
        tok = it.next().ok_or("no func:")?;
    }
    let first = tok.strip_prefix("func:").ok_or("no func:")?;
    if first.is_empty() {
        return Err("empty function name");
    }
    // A Rust name may hold spaces inside <...>: `<T as Trait>::f`.
    let mut function = first.to_string();
    let mut depth = angle_depth(first);
    while depth > 0 {
        let Some(t) = it.next() else {
            return Err("unbalanced <...> in function name");
        };
        function.push(' ');
        function.push_str(t);
        depth += angle_depth(t);
    }
    let mut extra = Vec::new();
    for kv in it {
        match kv.split_once(':') {
            Some((k, v)) if !k.is_empty() => extra.push((k.to_string(), v.to_string())),
            _ => return Err("trailing text is not key:value"),
        }
    }
    Ok(Row {
        source: source.clone(),
        file: interner.get(file),
        line: line_no,
        module,
        function,
        bytes,
        calls,
        extra,
    })
}

/// Opened minus closed angle brackets of `s` (the `>` of `->` not counted).
fn angle_depth(s: &str) -> i32 {
    let mut d = 0;
    let mut prev = ' ';
    for c in s.chars() {
        match c {
            '<' => d += 1,
            '>' if prev != '-' => d -= 1,
            _ => {}
        }
        prev = c;
    }
    d
}

/// Formats a row as allocinfo does (allocprof's trailing space included).
pub fn format_row(r: &Row) -> String {
    format!("{:12} {:8} {} ", r.bytes, r.calls, r.site())
}
