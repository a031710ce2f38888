// SPDX-License-Identifier: GPL-2.0

//! `allocprof diff OLD NEW`: what changed between two tables (its text is
//! written by `main`).
//!
//! Layer: commands.  Uses: `table`, `view`.

use std::collections::HashMap;

use serde::Serialize;

use crate::table::Table;
use crate::view::{group, By, Filter};

/// How an entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Grew,
    Shrank,
    /// Only in NEW.
    Appeared,
    /// Only in OLD.
    Disappeared,
    /// Same bytes (calls may differ).
    Same,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::Grew => "grew",
            Change::Shrank => "shrank",
            Change::Appeared => "appeared",
            Change::Disappeared => "disappeared",
            Change::Same => "same",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffEntry {
    pub name: String,
    pub change: Change,
    pub old_bytes: i64,
    pub new_bytes: i64,
    pub old_calls: u64,
    pub new_calls: u64,
    pub delta_bytes: i64,
    pub delta_calls: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diff {
    pub entries: Vec<DiffEntry>,
    pub old_bytes: i64,
    pub new_bytes: i64,
    pub old_calls: u64,
    pub new_calls: u64,
    /// Sum of the positive byte changes.
    pub grown: i64,
    /// Sum of the negative byte changes (<= 0).
    pub shrunk: i64,
}

impl Diff {
    /// NEW's total minus OLD's (filtered rows): what `--fail-if-grown` tests.
    pub fn net(&self) -> i64 {
        self.new_bytes - self.old_bytes
    }
    pub fn net_calls(&self) -> i64 {
        self.new_calls as i64 - self.old_calls as i64
    }
}

/// Compares the filtered, grouped rows of `old` and `new`.  Entries whose
/// bytes and calls are unchanged are left out unless `all`.  Sorted by
/// change: growth (largest first), then shrinks (largest
/// first), then entries with unchanged bytes; ties by name.
pub fn diff(old: &Table, new: &Table, f: &Filter, by: By, all: bool) -> Diff {
    let o = group(f.apply(&old.rows), by, false);
    let n = group(f.apply(&new.rows), by, false);
    // Totals come from the rows (directory entries overlap).
    let mut d = Diff {
        old_bytes: f.apply(&old.rows).map(|r| r.bytes).sum(),
        new_bytes: f.apply(&new.rows).map(|r| r.bytes).sum(),
        old_calls: f.apply(&old.rows).map(|r| r.calls).sum(),
        new_calls: f.apply(&new.rows).map(|r| r.calls).sum(),
        ..Default::default()
    };
    let old_map: HashMap<&str, (i64, u64)> = o
        .iter()
        .map(|e| (e.name.as_str(), (e.bytes, e.calls)))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for e in &n {
        seen.insert(e.name.as_str());
        let (ob, oc, change) = match old_map.get(e.name.as_str()) {
            None => (0, 0, Change::Appeared),
            Some(&(ob, oc)) => (
                ob,
                oc,
                match e.bytes.cmp(&ob) {
                    std::cmp::Ordering::Greater => Change::Grew,
                    std::cmp::Ordering::Less => Change::Shrank,
                    std::cmp::Ordering::Equal => Change::Same,
                },
            ),
        };
        if change == Change::Same && oc == e.calls && !all {
            continue;
        }
        d.entries.push(DiffEntry {
            name: e.name.clone(),
            change,
            old_bytes: ob,
            new_bytes: e.bytes,
            old_calls: oc,
            new_calls: e.calls,
            delta_bytes: e.bytes - ob,
            delta_calls: e.calls as i64 - oc as i64,
        });
    }
    for e in &o {
        if seen.contains(e.name.as_str()) {
            continue;
        }
        d.entries.push(DiffEntry {
            name: e.name.clone(),
            change: Change::Disappeared,
            old_bytes: e.bytes,
            new_bytes: 0,
            old_calls: e.calls,
            new_calls: 0,
            delta_bytes: -e.bytes,
            delta_calls: -(e.calls as i64),
        });
    }
    if by != By::Dir {
        d.grown = d.entries.iter().map(|e| e.delta_bytes.max(0)).sum();
        d.shrunk = d.entries.iter().map(|e| e.delta_bytes.min(0)).sum();
    }
    let class = |e: &DiffEntry| match e.delta_bytes {
        x if x > 0 => 0,
        x if x < 0 => 1,
        _ => 2,
    };
    d.entries.sort_by(|a, b| {
        class(a)
            .cmp(&class(b))
            .then_with(|| {
                b.delta_bytes
                    .unsigned_abs()
                    .cmp(&a.delta_bytes.unsigned_abs())
            })
            .then_with(|| b.delta_calls.cmp(&a.delta_calls))
            .then_with(|| a.name.cmp(&b.name))
    });
    d
}
