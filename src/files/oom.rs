// SPDX-License-Identifier: GPL-2.0

//! The top users on OOM: when the OOM killer runs, the 10 rows with the
//! most live bytes are logged, in the style of upstream's `__show_mem()`
//! (`Memory allocations:`, then `%12s %8llu FILE:LINE [MODULE] func:NAME`,
//! here with the exact bytes).  Through `register_oom_notifier()`: the
//! notifier runs at the start of `out_of_memory()`.  It allocates nothing
//! and never sleeps: the registry is only try-locked (a contended lock is
//! said in one line), and the top 10 are kept in an array on the stack.
//! One OOM kill runs the notifier several times: the report is printed at
//! most once every 5 seconds.

use crate::allocprof::Tag;
use crate::ffi::helpers;
use crate::ffi::notifier::{self, Notifier};
use crate::ffi::text::SliceWriter;
use crate::profiler::alloc_tag::{self, AllocTags, Orphan};
use crate::profiler::codetag::Registry;
use crate::profiler::tag_text;
use core::mem::MaybeUninit;
use kernel::error::Result;
use kernel::prelude::*;

/// Rows reported.
const TOP: usize = 10;

/// Longest row text printed (longer ones are cut).
const TEXT_MAX: usize = 512;

/// Where a top row's text comes from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// A registered module's tag.
    Tag(&'a [u8], &'a Tag),
    /// An orphan row.
    Orphan(&'a Orphan),
}

/// One of the top rows.
#[derive(Clone, Copy)]
struct Top<'a> {
    bytes: i64,
    calls: i64,
    source: Source<'a>,
}

/// The rows with the most live bytes, largest first.
struct TopList<'a> {
    rows: [Option<Top<'a>>; TOP],
}

impl<'a> TopList<'a> {
    /// Keeps `t` if it is among the largest so far (rows of 0 bytes or
    /// fewer are left out, as upstream's `alloc_tag_top_users()` does).
    fn offer(&mut self, t: Top<'a>) {
        if t.bytes <= 0 {
            return;
        }
        let Some(i) = self
            .rows
            .iter()
            .position(|r| !r.is_some_and(|r| r.bytes >= t.bytes))
        else {
            return;
        };
        self.rows.copy_within(i..TOP - 1, i + 1);
        self.rows[i] = Some(t);
    }
}

/// Logs the top rows of `reg`.
fn report(reg: &Registry<AllocTags>) {
    let mut top = TopList { rows: [None; TOP] };
    for m in reg.modules() {
        let name = m.tags.section().name();
        for (t, c) in m.tags.iter() {
            let s = c.sum();
            top.offer(Top {
                bytes: s.bytes,
                calls: s.calls,
                source: Source::Tag(name, t),
            });
        }
    }
    for o in reg.state().orphans.iter() {
        let s = o.counters.sum();
        top.offer(Top {
            bytes: s.bytes,
            calls: s.calls,
            source: Source::Orphan(o),
        });
    }
    if top.rows[0].is_none() {
        return;
    }
    pr_notice!("Memory allocations:\n");
    for t in top.rows.iter().flatten() {
        let mut buf = [MaybeUninit::<u8>::uninit(); TEXT_MAX];
        let mut w = SliceWriter::new(&mut buf);
        // A text too long for the buffer is cut where it stopped fitting.
        let _ = match t.source {
            Source::Tag(m, tag) => tag_text::write_text(&mut w, m, tag),
            Source::Orphan(o) => w.write_bytes(&o.text),
        };
        let text = w.written();
        pr_notice!(
            "{:>12} {:>8} {}\n",
            t.bytes,
            t.calls.max(0),
            core::str::from_utf8(text).unwrap_or("?")
        );
    }
}

/// The OOM notifier's callback.
struct Report;

impl notifier::OutOfMemory for Report {
    fn out_of_memory() {
        if !helpers::oom_ratelimit() {
            return;
        }
        if alloc_tag::try_with_registry(report).is_none() {
            pr_notice!("Memory allocations: not shown, the registry is busy\n");
        }
    }
}

/// The registered notifier; unregistered on drop.
pub(crate) struct OomReport {
    _notifier: Notifier,
}

impl OomReport {
    /// Registers the notifier.
    pub(crate) fn register() -> Result<Self> {
        Ok(OomReport {
            _notifier: Notifier::out_of_memory::<Report>()?,
        })
    }
}
