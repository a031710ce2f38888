// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/allocprof/allocinfo`: the table, in upstream's
//! `/proc/allocinfo` format version 2.0: version 1.0's rows, and after the
//! tag optional ` key:value` pairs; ` accurate:no` marks a row whose
//! figures may be wrong, ` total_calls:N total_bytes:N` are the cumulative
//! counters (while they are on).
//!
//! Every open file gets its own snapshot, built at open: `cat`, `dd bs=1`
//! and reads at any offset see the same bytes, and no row is torn (an
//! [`sysfs::Open`] file: open builds, reads copy, release frees).  The
//! per-module views' files are the same with their own open.

use crate::allocprof as ap;
use crate::allocprof::{static_branch, KeepsBoxRef, KvBuf, Ref, TaggedBox};
use crate::dropin::pages;
use crate::ffi::helpers;
use crate::ffi::params;
use crate::ffi::pcpu::{Cumulative, PcpuCounters, Totals};
use crate::ffi::sysfs::{self, Dir, File, OpenFile};
use crate::ffi::text::{SliceWriter, Text};
use crate::profiler::alloc_tag::{self, AllocTags};
use crate::profiler::codetag::Registry;
use crate::profiler::decimal::{self, Decimal, U64_DIGITS};
use crate::profiler::tag_text;
use core::ffi::CStr;
use core::fmt::Write;
use kernel::error::{code::EINVAL, code::ENODEV, Result};

/// The first two lines of the table.
pub(crate) const HEADER: &str = "allocinfo - version: 2.0\n#     <size>  <calls> <tag info>\n";

/// Upstream's mark of a row whose absolute figures may be wrong.
const INACCURATE: &str = " accurate:no";

/// The keys of the cumulative counters.
const TOTAL_CALLS: &str = " total_calls:";
const TOTAL_BYTES: &str = " total_bytes:";

/// Longest ` key:value` pairs of a row.
const PAIRS_MAX: usize = INACCURATE.len() + TOTAL_CALLS.len() + TOTAL_BYTES.len() + 2 * U64_DIGITS;

/// Widest `%12lli %8llu ` prefix: two 20-digit numbers, a sign, spaces.
const NUMBERS_MAX: usize = 21 + 1 + 20 + 1;

/// Tags rendered between two `cond_resched()` calls.
const RESCHED_EVERY: usize = 256;

/// The ` key:value` pairs after a row's tag: ` accurate:no` if
/// `inaccurate`, the cumulative counters if given.
fn write_pairs(
    w: &mut SliceWriter<'_>,
    inaccurate: bool,
    cumulative: Option<Cumulative>,
) -> core::fmt::Result {
    if inaccurate {
        w.write_str(INACCURATE)?;
    }
    if let Some(c) = cumulative {
        w.write_str(TOTAL_CALLS)?;
        w.write_bytes(Decimal::unsigned(c.calls).as_bytes())?;
        w.write_str(TOTAL_BYTES)?;
        w.write_bytes(Decimal::unsigned(c.bytes).as_bytes())?;
    }
    Ok(())
}

/// The cumulative counters of `c`, if they are shown (`on`).
fn cumulative(on: bool, c: &PcpuCounters) -> Option<Cumulative> {
    on.then(|| c.sum_cumulative())
}

/// Lets other tasks run during a long walk (the registry mutex sleeps).
fn resched_point(i: usize) {
    if i % RESCHED_EVERY == RESCHED_EVERY - 1 {
        helpers::cond_resched();
    }
}

/// The `"%12lli %8llu "` numbers of a row.  A sum read while allocations
/// and frees run on other CPUs can be transiently negative: bytes are
/// printed signed, as upstream does, and a negative number of live
/// allocations, which no state has, as 0 rather than as a wrapped
/// unsigned number.
fn write_numbers(w: &mut SliceWriter<'_>, t: Totals) -> core::fmt::Result {
    let mut buf = [0u8; NUMBERS_MAX];
    let mut n = decimal::write_padded(&mut buf, &Decimal::signed(t.bytes), 12);
    buf[n] = b' ';
    n += 1;
    n += decimal::write_padded(&mut buf[n..], &Decimal::unsigned(t.calls.max(0) as u64), 8);
    buf[n] = b' ';
    w.write_bytes(&buf[..n + 1])
}

/// One open file's copy of the table.
pub(crate) struct Snapshot {
    text: Text,
    /// The charge of the box holding this snapshot while an open file
    /// keeps it (see [`KeepsBoxRef`]).
    own: Ref,
}

impl KeepsBoxRef for Snapshot {
    fn box_ref(&mut self) -> &mut Ref {
        &mut self.own
    }
}

impl Snapshot {
    /// Renders the table: header, then one row per registered tag and per
    /// orphan, `"%12lli %8llu "`, the tag, `" \n"`.  With `only`, the rows
    /// of that registered module alone (a per-module view, no orphans).
    pub(crate) fn build(
        reg: &Registry<AllocTags>,
        only: Option<&[u8]>,
    ) -> Result<TaggedBox<Snapshot>> {
        // Pages that drop-in modules freed while other references held
        // them, whose other references have gone since: uncharged first.
        pages::settle_released();
        let shown =
            |m: &&alloc_tag::ModuleData| only.is_none() || only == Some(m.tags.section().name());
        let orphans = if only.is_some() {
            &[][..]
        } else {
            &reg.state().orphans[..]
        };
        let mut cap = HEADER.len();
        let mut i = 0;
        for m in reg.modules().iter().filter(shown) {
            let name = m.tags.section().name();
            for t in m.tags.section().tags() {
                cap += NUMBERS_MAX + tag_text::text_len_max(name, t) + PAIRS_MAX + 2;
                resched_point(i);
                i += 1;
            }
        }
        for o in orphans {
            cap += NUMBERS_MAX + o.text.len() + PAIRS_MAX + 2;
        }
        // Read once: every row of one snapshot has the pairs, or none.
        let cum = static_branch::cumulative_enabled();
        let text = Text::write(Self::alloc_text(cap)?, |w| {
            let mut res = w.write_str(HEADER);
            for m in reg.modules().iter().filter(shown) {
                let name = m.tags.section().name();
                for (t, c) in m.tags.iter() {
                    res = res
                        .and_then(|()| write_numbers(w, c.sum()))
                        .and_then(|()| tag_text::write_text(w, name, t))
                        .and_then(|()| write_pairs(w, t.is_inaccurate(), cumulative(cum, c)))
                        .and_then(|()| w.write_str(" \n"));
                    resched_point(i);
                    i += 1;
                }
            }
            for o in orphans {
                res = res
                    .and_then(|()| write_numbers(w, o.counters.sum()))
                    .and_then(|()| w.write_bytes(&o.text))
                    .and_then(|()| write_pairs(w, o.inaccurate, cumulative(cum, &o.counters)))
                    .and_then(|()| w.write_str(" \n"));
            }
            res
        });
        // The bound above covers every row: an error is a bug, not a state.
        let text = text.map_err(|_| EINVAL)?;
        Self::boxed(Snapshot {
            text,
            own: Ref::NONE,
        })
    }

    /// The text buffer: allocinfo rows `func:allocprof::files::allocinfo::Snapshot::alloc_text`.
    fn alloc_text(cap: usize) -> Result<KvBuf> {
        crate::kvmalloc!(cap, ap::GFP_KERNEL | ap::__GFP_NOWARN)
    }

    /// The box: allocinfo rows `func:allocprof::files::allocinfo::Snapshot::boxed`.
    fn boxed(snapshot: Snapshot) -> Result<TaggedBox<Snapshot>> {
        crate::tbox!(snapshot, ap::GFP_KERNEL)
    }
}

/// `/sys/kernel/allocprof/allocinfo`: every registered tag and every
/// orphan; an open first frees the orphans whose allocations are all
/// freed.
struct Allocinfo;

impl sysfs::Open for Allocinfo {
    const NAME: &'static CStr = c"allocinfo";
    type Data = TaggedBox<Snapshot>;

    fn open(_file: &OpenFile<'_>) -> Result<TaggedBox<Snapshot>> {
        alloc_tag::with_registry(|reg| {
            reg.state_mut().collect_orphans();
            Snapshot::build(reg, None)
        })
    }

    fn contents(snapshot: &Snapshot) -> &[u8] {
        snapshot.text.as_bytes()
    }
}

/// `/sys/kernel/allocprof/modules/<module>/allocinfo`: the rows of the
/// module its directory names; `ENODEV` if it has unregistered meanwhile.
pub(crate) struct ModuleAllocinfo;

impl sysfs::Open for ModuleAllocinfo {
    const NAME: &'static CStr = c"allocinfo";
    type Data = TaggedBox<Snapshot>;

    fn open(file: &OpenFile<'_>) -> Result<TaggedBox<Snapshot>> {
        // A view's file lives in its module's directory, which is never
        // renamed; module names are unique among live modules.
        let name = file.dir_name();
        alloc_tag::with_registry(|reg| {
            if !reg
                .modules()
                .iter()
                .any(|m| m.tags.section().name() == name)
            {
                return Err(ENODEV);
            }
            Snapshot::build(reg, Some(name))
        })
    }

    fn contents(snapshot: &Snapshot) -> &[u8] {
        snapshot.text.as_bytes()
    }
}

/// `/sys/kernel/allocprof/` and its `allocinfo`; removed on drop (the
/// directory once its other files are gone too), which releases the
/// snapshots of the files still open.
pub(crate) struct AllocinfoFile {
    _file: File,
    dir: Dir,
}

impl AllocinfoFile {
    /// `/sys/kernel/allocprof`, for the other files in it.
    pub(crate) fn dir(&self) -> &Dir {
        &self.dir
    }

    /// Creates the directory and the file (mode 0400; unopenable until
    /// its operations are set, `test_delay_ms` meanwhile).
    pub(crate) fn create() -> Result<Self> {
        let dir = Dir::new(c"allocprof")?;
        let file = File::open::<Allocinfo>(&dir, 0o400, params::get().test_delay_ms)?;
        Ok(AllocinfoFile { _file: file, dir })
    }
}
