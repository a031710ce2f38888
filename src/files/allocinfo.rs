// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/allocprof/allocinfo`: the table, in upstream's
//! `/proc/allocinfo` format version 2.0: version 1.0's rows, and after the
//! tag optional ` key:value` pairs; ` accurate:no` marks a row whose
//! figures may be wrong, ` total_calls:N total_bytes:N` are the cumulative
//! counters (while they are on).
//!
//! Every open file gets its own snapshot, built at open: `cat`, `dd bs=1`
//! and reads at any offset see the same bytes, and no row is torn.  sysfs
//! gives a bin attribute no open/release callback in this kernel, so right
//! after creating the file allocprof installs kernfs operations of its own
//! on the file's node (open: build, read: copy, release: free).

use crate::allocprof as ap;
use crate::allocprof::{static_branch, KvBuf, Ref, TaggedBox};
use crate::ffi::pcpu::{Cumulative, PcpuCounters, Totals};
use crate::ffi::static_c::{self, Shared, Writable};
use crate::files::module_views;
use crate::profiler::alloc_tag::{self, AllocTags};
use crate::profiler::codetag::Registry;
use crate::profiler::decimal::{self, Decimal, U64_DIGITS};
use crate::profiler::tag_text::{self, SliceWriter};
use core::ffi::c_int;
use core::fmt::Write;
use kernel::bindings;
use kernel::error::{code::EINVAL, code::ENODEV, code::ENOMEM, Result};
use kernel::ffi::c_char;

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

extern "C" {
    fn allocprof_create_file(
        kobj: *mut bindings::kobject,
        attr: *mut bindings::bin_attribute,
        ops: *const bindings::kernfs_ops,
        mode: bindings::umode_t,
    ) -> c_int;
}

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
        crate::ffi::helpers::cond_resched();
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
    text: KvBuf,
    len: usize,
    /// The charge of the box holding this snapshot (see `into_private`).
    own: Ref,
}

impl Snapshot {
    /// Renders the table: header, then one row per registered tag and per
    /// orphan, `"%12lli %8llu "`, the tag, `" \n"`.  With `only`, the rows
    /// of that registered module alone (a per-module view, no orphans).
    pub(crate) fn build(
        reg: &Registry<AllocTags>,
        only: Option<&[u8]>,
    ) -> Result<TaggedBox<Snapshot>> {
        let shown = |e: &&crate::profiler::codetag::Entry<AllocTags>| {
            only.map_or(true, |n| e.section.name() == n)
        };
        let orphans = if only.is_some() {
            &[][..]
        } else {
            &reg.state().orphans[..]
        };
        let mut cap = HEADER.len();
        let mut i = 0;
        for e in reg.modules().iter().filter(shown) {
            let m = e.section.name();
            for t in e.section.tags() {
                cap += NUMBERS_MAX + tag_text::text_len_max(m, t) + PAIRS_MAX + 2;
                resched_point(i);
                i += 1;
            }
        }
        for o in orphans {
            cap += NUMBERS_MAX + o.text.len() + PAIRS_MAX + 2;
        }
        // Read once: every row of one snapshot has the pairs, or none.
        let cum = static_branch::cumulative_enabled();
        let mut text = Self::alloc_text(cap)?;
        let mut w = SliceWriter::new(text.as_uninit_mut());
        let mut res = w.write_str(HEADER);
        for e in reg.modules().iter().filter(shown) {
            let m = e.section.name();
            for (t, c) in e.section.tags().iter().zip(e.data.counters.iter()) {
                res = res
                    .and_then(|()| write_numbers(&mut w, c.sum()))
                    .and_then(|()| tag_text::write_text(&mut w, m, t))
                    .and_then(|()| write_pairs(&mut w, t.is_inaccurate(), cumulative(cum, c)))
                    .and_then(|()| w.write_str(" \n"));
                resched_point(i);
                i += 1;
            }
        }
        for o in orphans {
            res = res
                .and_then(|()| write_numbers(&mut w, o.counters.sum()))
                .and_then(|()| w.write_bytes(&o.text))
                .and_then(|()| write_pairs(&mut w, o.inaccurate, cumulative(cum, &o.counters)))
                .and_then(|()| w.write_str(" \n"));
        }
        // The bound above covers every row: an error is a bug, not a state.
        res.map_err(|_| EINVAL)?;
        let len = w.len();
        Self::boxed(Snapshot {
            text,
            len,
            own: Ref::NONE,
        })
    }

    /// The text buffer: allocinfo rows `func:allocprof::allocinfo::Snapshot::alloc_text`.
    fn alloc_text(cap: usize) -> Result<KvBuf> {
        crate::kvmalloc!(cap, ap::GFP_KERNEL | ap::__GFP_NOWARN)
    }

    /// The box: allocinfo rows `func:allocprof::allocinfo::Snapshot::boxed`.
    fn boxed(snapshot: Snapshot) -> Result<TaggedBox<Snapshot>> {
        crate::tbox!(snapshot, ap::GFP_KERNEL)
    }

    /// Stores the snapshot behind a raw pointer (a kernfs open file's
    /// `priv`), keeping the box's charge inside it.
    fn into_private(b: TaggedBox<Snapshot>) -> *mut Snapshot {
        let (p, own) = TaggedBox::into_raw(b);
        // SAFETY: `p` is the live, uniquely owned snapshot.
        unsafe { (*p).own = own };
        p
    }

    /// Undoes `into_private`.
    ///
    /// # Safety
    ///
    /// `p` came from `into_private` and is not used again.
    unsafe fn from_private(p: *mut Snapshot) -> TaggedBox<Snapshot> {
        // SAFETY: per the function's contract.
        unsafe {
            let own = core::mem::replace(&mut (*p).own, Ref::NONE);
            TaggedBox::from_raw(p, own)
        }
    }
}

/// kernfs `open` of `allocinfo`: builds this file's snapshot.
///
/// # Safety
///
/// Called by kernfs with a live open file.
unsafe extern "C" fn allocinfo_open(of: *mut bindings::kernfs_open_file) -> c_int {
    let built = alloc_tag::with_registry(|reg| {
        reg.state_mut().collect_orphans();
        Snapshot::build(reg, None)
    });
    // SAFETY: per the function's contract.
    unsafe { keep(of, built) }
}

/// kernfs `open` of a per-module view: builds this file's snapshot of its
/// module's rows; `ENODEV` if the module has unregistered meanwhile.
///
/// # Safety
///
/// Called by kernfs with a live open file of a view.
unsafe extern "C" fn module_allocinfo_open(of: *mut bindings::kernfs_open_file) -> c_int {
    // SAFETY: per the function's contract.
    let name = unsafe { module_views::module_name(of) };
    let built = alloc_tag::with_registry(|reg| {
        if !reg.modules().iter().any(|e| e.section.name() == name) {
            return Err(ENODEV);
        }
        Snapshot::build(reg, Some(name))
    });
    // SAFETY: per the function's contract.
    unsafe { keep(of, built) }
}

/// Keeps a built snapshot in the open file, or returns the error.
///
/// # Safety
///
/// `of` is a live open file being opened.
unsafe fn keep(of: *mut bindings::kernfs_open_file, built: Result<TaggedBox<Snapshot>>) -> c_int {
    match built {
        Ok(s) => {
            // SAFETY: kernfs hands us the open file; `priv` is ours.
            unsafe { (*of).priv_ = Snapshot::into_private(s).cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// kernfs `read`: copies from the snapshot; 0 bytes at or past its end.
///
/// # Safety
///
/// Called by kernfs, serialized per open file, after a successful `open`,
/// with `buf` holding room for `bytes` bytes.
unsafe extern "C" fn allocinfo_read(
    of: *mut bindings::kernfs_open_file,
    buf: *mut c_char,
    bytes: usize,
    off: bindings::loff_t,
) -> isize {
    // SAFETY: `open` succeeded, so `priv` is this file's snapshot; kernfs
    // serializes the operations of one open file.
    let snap = unsafe { &*(*of).priv_.cast::<Snapshot>() };
    let Ok(off) = usize::try_from(off) else {
        return EINVAL.to_errno() as isize;
    };
    if off >= snap.len {
        return 0;
    }
    let n = bytes.min(snap.len - off);
    // SAFETY: `buf` has room for `bytes` bytes, `off + n <= len`.
    unsafe { core::ptr::copy_nonoverlapping(snap.text.as_ptr().add(off), buf.cast(), n) };
    n as isize
}

/// kernfs `release`: frees the snapshot (also called when the file is
/// removed while open).
///
/// # Safety
///
/// Called by kernfs once per successful `open`.
unsafe extern "C" fn allocinfo_release(of: *mut bindings::kernfs_open_file) {
    // SAFETY: kernfs calls `release` once per successful `open`.
    drop(unsafe { Snapshot::from_private((*of).priv_.cast()) });
}

static OPS: Shared<bindings::kernfs_ops> = Shared(bindings::kernfs_ops {
    open: Some(allocinfo_open),
    read: Some(allocinfo_read),
    release: Some(allocinfo_release),
    // SAFETY: all-zero is a valid `kernfs_ops`: no other operation.
    ..unsafe { core::mem::zeroed() }
});

/// The operations of the per-module views: the same, with their own open.
static MODULE_OPS: Shared<bindings::kernfs_ops> = Shared(bindings::kernfs_ops {
    open: Some(module_allocinfo_open),
    read: Some(allocinfo_read),
    release: Some(allocinfo_release),
    // SAFETY: all-zero is a valid `kernfs_ops`: no other operation.
    ..unsafe { core::mem::zeroed() }
});

/// The kernfs operations of the per-module views' files.
pub(crate) fn module_ops() -> &'static bindings::kernfs_ops {
    &MODULE_OPS.0
}

/// The attribute; its mode is set by `allocprof_create_file()`.
static ATTR: Writable<bindings::bin_attribute> =
    Writable::new(static_c::bin_attribute(c"allocinfo"));

/// `/sys/kernel/allocprof/` and its `allocinfo`; removed on drop.
pub(crate) struct AllocinfoFile {
    kobj: *mut bindings::kobject,
}

// SAFETY: the kobject pointer is only passed to sysfs calls that lock.
unsafe impl Send for AllocinfoFile {}
// SAFETY: no method reads through `&self`.
unsafe impl Sync for AllocinfoFile {}

impl AllocinfoFile {
    /// `/sys/kernel/allocprof`, for the other files in it.
    pub(crate) fn kobj(&self) -> *mut bindings::kobject {
        self.kobj
    }

    /// Creates the directory and the file.
    pub(crate) fn create() -> Result<Self> {
        // SAFETY: `kernel_kobj` is the kernel's `/sys/kernel` kobject.
        let kobj = unsafe {
            bindings::kobject_create_and_add(c"allocprof".as_ptr().cast(), bindings::kernel_kobj)
        };
        if kobj.is_null() {
            return Err(ENOMEM);
        }
        let dir = AllocinfoFile { kobj };
        // SAFETY: `kobj` is live; `ATTR` and `OPS` are static.
        kernel::error::to_result(unsafe {
            allocprof_create_file(kobj, ATTR.get(), &OPS.0, 0o400)
        })?;
        Ok(dir)
    }
}

impl Drop for AllocinfoFile {
    fn drop(&mut self) {
        // SAFETY: removing the file drains its open files (calling
        // `release` for each) before the kobject goes.
        unsafe {
            bindings::sysfs_remove_bin_file(self.kobj, ATTR.get());
            bindings::kobject_put(self.kobj);
        }
    }
}
