// SPDX-License-Identifier: GPL-2.0

//! `allocprof export`'s JSON, CSV and folded stacks, and JSON and CSV read
//! back (pprof: `pprof`; OpenMetrics and Prometheus text: `openmetrics`).
//!
//! Layer: readers and writers.  Uses: `table`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::table::Row;

/// A row as JSON and CSV hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonRow {
    pub source: String,
    pub file: String,
    pub line: u32,
    pub module: Option<String>,
    pub function: String,
    pub bytes: i64,
    pub calls: u64,
    pub extra: BTreeMap<String, String>,
}

impl From<&Row> for JsonRow {
    fn from(r: &Row) -> Self {
        JsonRow {
            source: r.source.to_string(),
            file: r.file.to_string(),
            line: r.line,
            module: r.module.as_deref().map(str::to_string),
            function: r.function.clone(),
            bytes: r.bytes,
            calls: r.calls,
            extra: r.extra.iter().cloned().collect(),
        }
    }
}

/// A JSON array, one row object per line.
pub fn json(rows: &[Row]) -> Result<String> {
    let mut s = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        s.push_str(&serde_json::to_string(&JsonRow::from(r))?);
        s.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    s.push_str("]\n");
    Ok(s)
}

pub fn parse_json(s: &str) -> Result<Vec<JsonRow>> {
    serde_json::from_str(s).context("invalid JSON export")
}

/// The CSV record of a row: `extra` is `key:value` pairs, space-separated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvRow {
    pub source: String,
    pub file: String,
    pub line: u32,
    pub module: String,
    pub function: String,
    pub bytes: i64,
    pub calls: u64,
    pub extra: String,
}

/// CSV with a header line; `module` is empty for rows without one.
pub fn csv(rows: &[Row]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(CsvRow {
            source: r.source.to_string(),
            file: r.file.to_string(),
            line: r.line,
            module: r.module.as_deref().unwrap_or_default().to_string(),
            function: r.function.clone(),
            bytes: r.bytes,
            calls: r.calls,
            extra: r.extra_text(),
        })?;
    }
    if rows.is_empty() {
        w.write_record([
            "source", "file", "line", "module", "function", "bytes", "calls", "extra",
        ])?;
    }
    Ok(w.into_inner()?)
}

pub fn parse_csv(data: &[u8]) -> Result<Vec<CsvRow>> {
    let mut r = csv::Reader::from_reader(data);
    r.deserialize()
        .collect::<Result<Vec<CsvRow>, _>>()
        .context("invalid CSV export")
}

/// Folded stacks, `module;file;function bytes`, for flamegraph.pl and
/// inferno: rows without a module use `kernel`; rows with bytes <= 0 are
/// left out (a flame graph has no negative widths); the same stack on
/// several lines is summed.
pub fn folded(rows: &[Row]) -> String {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.bytes > 0) {
        let stack = format!(
            "{};{};{}",
            r.module_or_kernel().replace([';', ' '], "_"),
            r.file.replace([';', ' '], "_"),
            r.function.replace([';', ' '], "_")
        );
        *sums.entry(stack).or_default() += r.bytes;
    }
    let mut s = String::new();
    for (k, v) in sums {
        let _ = writeln!(s, "{k} {v}");
    }
    s
}
