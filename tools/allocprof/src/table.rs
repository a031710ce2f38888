// SPDX-License-Identifier: GPL-2.0

//! The allocinfo table's types and text: a row ([`Row`]), a table
//! ([`Table`]) with its malformed lines ([`Malformed`]), a row's tag text as
//! allocinfo prints it ([`write_site`], [`format_row`]) and generated tables
//! ([`generate`]).  Reading the text is `parse`'s.
//!
//! ```text
//! allocinfo - version: 1.0            (or 2.0)
//! #     <size>  <calls> <tag info>
//!         1280       10 path/file.rs:12 [module] func:crate::function
//!         4096        1 mm/slub.c:123 func:foo accurate:no
//! ```
//!
//! Layer: types.  Uses: no other module.

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
        let mut s = String::new();
        write_site(
            &mut s,
            &self.file,
            self.line,
            self.module.as_deref(),
            &self.function,
            self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        s
    }
}

/// Appends the tag text `file:line [module] func:f k:v` of a row's parts;
/// returns the length of `out` before the ` k:v` pairs (the site's key).
pub fn write_site<'k>(
    out: &mut String,
    file: &str,
    line: u32,
    module: Option<&str>,
    function: &str,
    extra: impl Iterator<Item = (&'k str, &'k str)> + Clone,
) -> usize {
    let mut n = itoa::Buffer::new();
    let n = n.format(line);
    out.reserve(
        file.len()
            + 1
            + n.len()
            + module.map_or(0, |m| m.len() + 3)
            + 6
            + function.len()
            + extra
                .clone()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>(),
    );
    out.push_str(file);
    out.push(':');
    out.push_str(n);
    if let Some(m) = module {
        out.push_str(" [");
        out.push_str(m);
        out.push(']');
    }
    out.push_str(" func:");
    out.push_str(function);
    let key = out.len();
    for (k, v) in extra {
        out.push(' ');
        out.push_str(k);
        out.push(':');
        out.push_str(v);
    }
    key
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

/// Formats a row as allocinfo does (allocprof's trailing space included).
pub fn format_row(r: &Row) -> String {
    format!("{:12} {:8} {} ", r.bytes, r.calls, r.site())
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
