// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/allocprof/allocinfo`: the table, in upstream's
//! `/proc/allocinfo` format version 1.0.
//!
//! Every open file gets its own snapshot, built at open: `cat`, `dd bs=1`
//! and reads at any offset see the same bytes, and no row is torn.  sysfs
//! gives a bin attribute no open/release callback in this kernel, so right
//! after creating the file allocprof installs kernfs operations of its own
//! on the file's node (open: build, read: copy, release: free).

use crate::allocprof as ap;
use crate::allocprof::{KvBuf, Ref, Tag, TaggedBox};
use crate::registry::{self, Registry, FUNCTION_MAX};
use core::ffi::c_int;
use core::fmt::Write;
use kernel::bindings;
use kernel::error::{code::EINVAL, code::ENOMEM, Result};
use kernel::ffi::c_char;
use kernel::prelude::*;

/// The first two lines of the table.
pub(crate) const HEADER: &str = "allocinfo - version: 1.0\n#     <size>  <calls> <tag info>\n";

/// Widest `%12lli %8llu ` prefix: two 20-digit numbers, a sign, spaces.
const NUMBERS_MAX: usize = 21 + 1 + 20 + 1;

/// Writes into a byte slice, failing rather than overflowing.
struct SliceWriter<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.write_bytes(s.as_bytes())
    }
}

impl SliceWriter<'_> {
    fn write_bytes(&mut self, b: &[u8]) -> core::fmt::Result {
        let end = self.pos.checked_add(b.len()).ok_or(core::fmt::Error)?;
        self.buf
            .get_mut(self.pos..end)
            .ok_or(core::fmt::Error)?
            .copy_from_slice(b);
        self.pos = end;
        Ok(())
    }
}

/// Bytes of `file:line [module] func:function` for `t`, at most.
fn tag_text_max(module: &[u8], t: &Tag) -> usize {
    // SAFETY: a registered tag's file name is a static C string.
    let file = unsafe { registry::cstr_bytes(t.filename) }.len();
    file + 1 + 10 + 2 + module.len() + 2 + 5 + registry::function_name_bound(t)
}

fn write_tag_into(w: &mut SliceWriter<'_>, module: &[u8], t: &Tag) -> core::fmt::Result {
    // SAFETY: a registered tag's file name is a static C string.
    let file = unsafe { registry::cstr_bytes(t.filename) };
    let mut f = [0u8; FUNCTION_MAX];
    let n = registry::function_name(t, &mut f);
    w.write_bytes(file)?;
    write!(w, ":{} [", t.lineno)?;
    w.write_bytes(module)?;
    w.write_str("] func:")?;
    w.write_bytes(&f[..n])
}

/// `file:line [module] func:function` of `t`, into a new vector.
pub(crate) fn write_tag_text(out: &mut KVec<u8>, module: &[u8], t: &Tag) -> Result {
    let mut tmp = KVec::new();
    tmp.extend_with(tag_text_max(module, t), 0, GFP_KERNEL)?;
    let mut w = SliceWriter {
        buf: &mut tmp,
        pos: 0,
    };
    write_tag_into(&mut w, module, t).map_err(|_| EINVAL)?;
    let len = w.pos;
    out.extend_from_slice(&tmp[..len], GFP_KERNEL)?;
    Ok(())
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
    /// orphan, `"%12lli %8llu "`, the tag, `" \n"`.
    pub(crate) fn build(reg: &Registry) -> Result<TaggedBox<Snapshot>> {
        let mut cap = HEADER.len();
        reg.for_each_tag(|m, t| cap += NUMBERS_MAX + tag_text_max(m, t) + 2);
        for o in reg.orphans() {
            cap += NUMBERS_MAX + o.text.len() + 2;
        }
        let mut text = Self::alloc_text(cap)?;
        let mut w = SliceWriter {
            buf: text.as_mut_slice(),
            pos: 0,
        };
        let mut res = w.write_str(HEADER);
        reg.for_each_tag(|m, t| {
            let (bytes, calls) =
                registry::read_counters(t.counters.load(core::sync::atomic::Ordering::Acquire));
            res = res
                .and_then(|()| write!(w, "{:>12} {:>8} ", bytes, calls))
                .and_then(|()| write_tag_into(&mut w, m, t))
                .and_then(|()| w.write_str(" \n"));
        });
        for o in reg.orphans() {
            let (bytes, calls) = registry::read_counters(o.counters);
            res = res
                .and_then(|()| write!(w, "{:>12} {:>8} ", bytes, calls))
                .and_then(|()| w.write_bytes(&o.text))
                .and_then(|()| w.write_str(" \n"));
        }
        // The bound above covers every row: an error is a bug, not a state.
        res.map_err(|_| EINVAL)?;
        let len = w.pos;
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

/// kernfs `open`: builds this file's snapshot.
///
/// # Safety
///
/// Called by kernfs with a live open file.
unsafe extern "C" fn allocinfo_open(of: *mut bindings::kernfs_open_file) -> c_int {
    match registry::with_registry(|reg| {
        reg.collect_orphans();
        Snapshot::build(reg)
    }) {
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

/// Called only if a reader opened the file in the instant between its
/// creation and the installation of allocprof's operations.
extern "C" fn allocinfo_bin_read(
    _f: *mut bindings::file,
    _k: *mut bindings::kobject,
    _a: *mut bindings::bin_attribute,
    _b: *mut c_char,
    _o: bindings::loff_t,
    _c: usize,
) -> isize {
    kernel::error::code::EAGAIN.to_errno() as isize
}

/// Statics holding C structures with pointers.
struct Shared<T>(T);
// SAFETY: the wrapped structures are never written after initialization.
unsafe impl<T> Sync for Shared<T> {}

static OPS: Shared<bindings::kernfs_ops> = Shared(bindings::kernfs_ops {
    open: Some(allocinfo_open),
    read: Some(allocinfo_read),
    release: Some(allocinfo_release),
    // SAFETY: all-zero is a valid `kernfs_ops`: no other operation.
    ..unsafe { core::mem::zeroed() }
});

// `struct attribute` has lockdep fields only with CONFIG_DEBUG_LOCK_ALLOC.
#[allow(clippy::needless_update)]
static ATTR: Shared<bindings::bin_attribute> = Shared(bindings::bin_attribute {
    attr: bindings::attribute {
        name: c"allocinfo".as_ptr().cast(),
        mode: 0o400,
        // SAFETY: all-zero is valid for the rest (lockdep keys included).
        ..unsafe { core::mem::zeroed() }
    },
    read: Some(allocinfo_bin_read),
    // SAFETY: all-zero is a valid `bin_attribute`.
    ..unsafe { core::mem::zeroed() }
});

/// `/sys/kernel/allocprof/` and its `allocinfo`; removed on drop.
pub(crate) struct AllocinfoFile {
    kobj: *mut bindings::kobject,
}

// SAFETY: the kobject pointer is only passed to sysfs calls that lock.
unsafe impl Send for AllocinfoFile {}
// SAFETY: no method reads through `&self`.
unsafe impl Sync for AllocinfoFile {}

impl AllocinfoFile {
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
        // SAFETY: `kobj` is live; `ATTR` is static.
        kernel::error::to_result(unsafe { bindings::sysfs_create_bin_file(kobj, &ATTR.0) })?;
        // SAFETY: `kobj->sd` is the directory's kernfs node.
        let kn = unsafe {
            bindings::kernfs_find_and_get_ns((*kobj).sd, ATTR.0.attr.name, core::ptr::null())
        };
        if kn.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `kn` is the file just created, held by the reference
        // taken above.  Its operations and flags are set as
        // `__kernfs_create_file()` would have for `OPS`; kernfs reads them
        // at each open and at drain/release.
        unsafe {
            (*kn).__bindgen_anon_1.attr.ops = &OPS.0;
            (*kn).flags |= bindings::kernfs_node_flag_KERNFS_HAS_RELEASE as u16;
            bindings::kernfs_put(kn);
        }
        Ok(dir)
    }
}

impl Drop for AllocinfoFile {
    fn drop(&mut self) {
        // SAFETY: removing the file drains its open files (calling
        // `release` for each) before the kobject goes.
        unsafe {
            bindings::sysfs_remove_bin_file(self.kobj, &ATTR.0);
            bindings::kobject_put(self.kobj);
        }
    }
}
