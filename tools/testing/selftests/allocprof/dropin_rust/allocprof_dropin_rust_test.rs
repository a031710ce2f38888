// SPDX-License-Identifier: GPL-2.0

//! A plain Rust module (nothing of allocprof in its source) that allocates
//! through every owner type of 6.12's kernel::alloc, for the Rust drop-in
//! (allocprof_dropin_rust.sh).  Built by the project's Kbuild with the two
//! drop-in lines in its directory's Kbuild.
//!
//! Each allocation is in a `site_*` function of its own (`#[inline(never)]`),
//! so that its row is found by function; a line that allocates through
//! `Vmalloc` or `KVmalloc` names its type (`VVec::extend_from_slice(&mut
//! v, ..)`), which scripts/differential.py reads to tell which of
//! upstream's rust/helpers/ rows charges it.  At load the module allocates one
//! object of each kind (`init_*` sites) and holds them until unload.
//! Commands, written to `/sys/kernel/allocprof_dropin_rust_test/control`,
//! allocate objects held until `free` (which drops them all):
//!
//! | command        | sites, what is held                                      |
//! |----------------|----------------------------------------------------------|
//! | `kbox N`       | `site_kbox`: N `KBox<[u8; 100]>` (kmalloc-128 each)      |
//! | `vbox`         | `site_vbox`: a `VBox<[u8; 5000]>` (2 pages)              |
//! | `kvbox`        | `site_kvbox`: a `KVBox<[u8; 100]>` (kmalloc-128)         |
//! | `kvec N`       | `site_kvec`: a `KVec<u32>` pushed N times from empty     |
//! | `vvec N`       | `site_vvec`: a `VVec<u8>` extended by N bytes, 1000 at a |
//! |                | time                                                     |
//! | `kvvec N`      | `site_kvvec`: a `KVVec<u8>` extended by N bytes, 4096 at |
//! |                | a time (past 4 MiB, krealloc fails: vmalloc)             |
//! | `from_elem N`  | `site_from_elem`: `KVec::from_elem(0u16, N)`             |
//! | `inplace`      | `site_inplace_cap`: `KVec::<u8>::with_capacity(3)`       |
//! |                | (kmalloc-8), `site_inplace_grow`: 4 more, its capacity   |
//! |                | doubled to 6: in place (krealloc keeps it)               |
//! | `shrink`       | `site_shrink_cap`: `KVec::<u64>::with_capacity(64)`, 10  |
//! |                | pushed, one taken, `site_shrink`: `collect()`, which     |
//! |                | shrinks it in place; `site_vshrink_cap`/`site_vshrink`:  |
//! |                | the same of a `VVec<u8>` of 3000 (one page)              |
//! | `arc`          | `site_arc`: an `Arc<[u64; 8]>` (`ArcInner` of 72 bytes:  |
//! |                | kmalloc-96), a clone dropped                             |
//! | `unique`       | `site_unique`: a `UniqueArc<u64>` (16);                  |
//! |                | `site_unique_uninit`: `UniqueArc::new_uninit` of [u64; 4]|
//! |                | (48 -> 64)                                               |
//! | `pinned`       | `site_pin_init`: `KBox::try_pin_init(try_pin_init!(..))` |
//! |                | (48 -> 64); `site_arc_pin_init`: `Arc::pin_init` of a    |
//! |                | `Mutex<u64>`; `site_box_pin`: `KBox::pin` (24 -> 32)     |
//! | `rbtree N`     | `site_rbtree`: N nodes of an `RBTree<u32, u64>`          |
//! | `zst`          | `site_zst_box`: 3 `KBox<()>`, `site_zst_vec`: a          |
//! |                | `KVec<()>` of 3, `site_zero_cap`: `with_capacity(0)`:    |
//! |                | nothing allocated                                        |
//! | `work N`       | N closures on the system workqueue (`site_spawn`: each   |
//! |                | closure's `KBox`, freed by the worker), each holding a   |
//! |                | `KBox<[u8; 200]>` from `site_work` (256 each)            |
//! | `churn N`      | N rounds of a `KBox` and a `KVec` grown to 32 `u64`,     |
//! |                | dropped (`site_churn_box`, `site_churn_vec`), without    |
//! |                | the lock (several CPUs at once)                          |
//! | `foreign_in`   | a krealloc() of the module's own C call (unrecorded)     |
//! |                | dropped as a `KBox`; a kernel crate `CString` dropped    |
//! | `vfree0`       | (7.3) `site_vfree0`: a `VVec<u8>` of 5000 (2 pages),     |
//! |                | then its buffer vrealloc()ed to 0 bytes by the module's  |
//! |                | own call of the C helper (`site_vfree0_helper`), which   |
//! |                | frees it and returns NULL                                |
//! | `foreign_out`  | `site_foreign_out`: a `KBox<[u8; 100]>` whose memory is  |
//! |                | kfree()d by C (the table does not see it)                |
//! | `reuse`        | `foreign_out`, then `site_reuse`: a `KBox<[u8; 100]>`,   |
//! |                | held: the same address, if the allocator gives it again  |
//! | `burst N`      | rounds of `site_burst`: N `KBox<[u8; 64]>` (kmalloc-64)  |
//! |                | held in a `KVec` (`site_burst_vec`), then dropped, 1 ms  |
//! |                | apart, until `burst_stop`, without the lock (the other   |
//! |                | task of `foreign_grow`'s test)                           |
//! | `foreign_grow` | `site_foreign_grow`: a `kmalloc(64)` of                  |
//! |                | `allocprof_dropin_peer` (its row), held as a `KVec<u8>`  |
//! |                | and extended by 100 bytes (moved: capacity 128)          |
//! | `read_all A`   | a char driver's write(): `site_read_all_cap`:            |
//! |                | `KVec::with_capacity(16)`, `site_read_all`:              |
//! |                | `UserSlice::read_all` of 100 bytes at the writer's user  |
//! |                | address A (hex; capacity 100, moved), then               |
//! |                | `site_reader_read_all`: `UserSliceReader::read_all` of   |
//! |                | 100 more (capacity 200, moved), held                     |
//! | `cstring`      | `site_cstring_fmt`: `CString::try_from_fmt` of 13 bytes, |
//! |                | `site_cstring_from`: `CString::try_from(&CStr)` of 17,   |
//! |                | `site_to_cstring`: `to_cstring` of 4, `site_lowercase`,  |
//! |                | `site_uppercase`: `to_ascii_*case` of 11, held           |
//! | `page`         | `site_page`: a `Page::alloc_page`, held;                 |
//! |                | `site_page_dropped`: another, dropped at once            |
//! | `grow N`       | `site_grow`: N more `u32` pushed into the module's one   |
//! |                | growing `KVec` (kept until `free`)                       |
//! | `free`         | drops everything held                                    |

use core::pin::Pin;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use kernel::bindings;
use kernel::error::code::{EINVAL, ENODEV};
use kernel::page::Page;
use kernel::prelude::*;
use kernel::rbtree::RBTree;
use kernel::str::CString;
use kernel::sync::{Arc, Mutex, UniqueArc};
use kernel::uaccess::UserSlice;
use kernel::workqueue;

/// A user address as `UserSlice::new` takes it (7.3: a `UserPtr`).
#[cfg(allocprof_kernel_6_12)]
fn user_ptr(addr: usize) -> usize {
    addr
}
/// A user address as `UserSlice::new` takes it (7.3: a `UserPtr`).
#[cfg(not(allocprof_kernel_6_12))]
fn user_ptr(addr: usize) -> kernel::uaccess::UserPtr {
    kernel::uaccess::UserPtr::from_addr(addr)
}

#[path = "../../../../../src/ffi/sysfs.rs"]
pub mod sysfs;

module! {
    type: DropinRustTest,
    name: "allocprof_dropin_rust_test",
    description: "allocprof: a plain Rust module for the Rust drop-in's tests",
    license: "GPL",
}

#[pin_data]
struct Pinned {
    a: u64,
    b: [u8; 40],
}

/// An object held until `free` (held to be dropped, never read).
#[allow(dead_code)]
enum Obj {
    Kbox(KBox<[u8; 100]>),
    Vbox(VBox<[u8; 5000]>),
    Kvbox(KVBox<[u8; 100]>),
    Kvec(KVec<u32>),
    Kvec16(KVec<u16>),
    Vvec(VVec<u8>),
    Kvvec(KVVec<u8>),
    Bytes(KVec<u8>),
    Words(KVec<u64>),
    Arc(Arc<[u64; 8]>),
    Unique(UniqueArc<u64>),
    Unique4(UniqueArc<[u64; 4]>),
    Pinned(Pin<KBox<Pinned>>),
    Mutex(Arc<Mutex<u64>>),
    Boxed(Pin<KBox<[u64; 3]>>),
    Tree(RBTree<u32, u64>),
    Unit(KBox<()>),
    Units(KVec<()>),
    Work(KBox<[u8; 200]>),
    Str(CString),
    Page(Page),
}

/// The objects held (at most `MAX_HELD`: the vector never grows, so that
/// its own row stays as init made it).
const MAX_HELD: usize = 1000;

#[inline(never)]
fn site_kbox() -> Result<KBox<[u8; 100]>> {
    Ok(KBox::new([1u8; 100], GFP_KERNEL)?)
}

#[inline(never)]
fn site_vbox() -> Result<VBox<[u8; 5000]>> {
    Ok(VBox::new([2u8; 5000], GFP_KERNEL)?)
}

#[inline(never)]
fn site_kvbox() -> Result<KVBox<[u8; 100]>> {
    Ok(KVBox::new([3u8; 100], GFP_KERNEL)?)
}

#[inline(never)]
fn site_kvec(n: u32) -> Result<KVec<u32>> {
    let mut v = KVec::new();
    for i in 0..n {
        v.push(i, GFP_KERNEL)?;
    }
    Ok(v)
}

#[inline(never)]
fn site_vvec(n: usize) -> Result<VVec<u8>> {
    let mut v = VVec::new();
    let chunk = [4u8; 1000];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        VVec::extend_from_slice(&mut v, &chunk[..k], GFP_KERNEL)?;
        left -= k;
    }
    Ok(v)
}

#[inline(never)]
fn site_kvvec(n: usize) -> Result<KVVec<u8>> {
    let mut v = KVVec::new();
    let mut left = n;
    while left > 0 {
        let k = left.min(4096);
        KVVec::extend_with(&mut v, k, 5u8, GFP_KERNEL)?;
        left -= k;
    }
    Ok(v)
}

#[inline(never)]
fn site_from_elem(n: usize) -> Result<KVec<u16>> {
    Ok(KVec::from_elem(6u16, n, GFP_KERNEL)?)
}

#[inline(never)]
fn site_inplace_cap() -> Result<KVec<u8>> {
    Ok(KVec::with_capacity(3, GFP_KERNEL)?)
}

#[inline(never)]
fn site_inplace_grow(v: &mut KVec<u8>) -> Result {
    // A capacity of 6: kmalloc-8 holds it already.
    v.extend_with(4, 7u8, GFP_KERNEL)?;
    Ok(())
}

#[inline(never)]
fn site_shrink_cap() -> Result<KVec<u64>> {
    Ok(KVec::with_capacity(64, GFP_KERNEL)?)
}

#[inline(never)]
fn site_shrink(v: KVec<u64>) -> KVec<u64> {
    let mut it = v.into_iter();
    it.next();
    it.collect(GFP_KERNEL)
}

#[inline(never)]
fn site_vshrink_cap() -> Result<VVec<u8>> {
    Ok(VVec::with_capacity(3000, GFP_KERNEL)?)
}

#[inline(never)]
fn site_vshrink(v: VVec<u8>) -> VVec<u8> {
    let mut it = VVec::into_iter(v);
    it.next();
    it.collect(GFP_KERNEL)
}

#[inline(never)]
fn site_arc() -> Result<Arc<[u64; 8]>> {
    Ok(Arc::new([8u64; 8], GFP_KERNEL)?)
}

#[inline(never)]
fn site_unique() -> Result<UniqueArc<u64>> {
    Ok(UniqueArc::new(9u64, GFP_KERNEL)?)
}

#[inline(never)]
fn site_unique_uninit() -> Result<UniqueArc<[u64; 4]>> {
    Ok(UniqueArc::new_uninit(GFP_KERNEL)?.write([10u64; 4]))
}

#[inline(never)]
fn site_pin_init() -> Result<Pin<KBox<Pinned>>> {
    KBox::try_pin_init(
        try_pin_init!(Pinned { a: 11, b: [0; 40] }? Error),
        GFP_KERNEL,
    )
}

#[inline(never)]
fn site_arc_pin_init() -> Result<Arc<Mutex<u64>>> {
    Arc::pin_init(kernel::new_mutex!(12u64), GFP_KERNEL)
}

#[inline(never)]
fn site_box_pin() -> Result<Pin<KBox<[u64; 3]>>> {
    Ok(KBox::pin([13u64; 3], GFP_KERNEL)?)
}

#[inline(never)]
fn site_rbtree(n: u32) -> Result<RBTree<u32, u64>> {
    let mut t = RBTree::new();
    for i in 0..n {
        t.try_create_and_insert(i, u64::from(i), GFP_KERNEL)?;
    }
    Ok(t)
}

#[inline(never)]
fn site_zst_box() -> Result<KBox<()>> {
    Ok(KBox::new((), GFP_KERNEL)?)
}

#[inline(never)]
fn site_zst_vec() -> Result<KVec<()>> {
    let mut v = KVec::new();
    for _ in 0..3 {
        v.push((), GFP_KERNEL)?;
    }
    Ok(v)
}

#[inline(never)]
fn site_zero_cap() -> Result<KVec<u64>> {
    Ok(KVec::with_capacity(0, GFP_KERNEL)?)
}

#[inline(never)]
fn site_work() -> Result<KBox<[u8; 200]>> {
    Ok(KBox::new([14u8; 200], GFP_KERNEL)?)
}

#[inline(never)]
fn site_spawn(f: impl FnOnce() + Send + 'static) -> Result {
    Ok(workqueue::system().try_spawn(GFP_KERNEL, f)?)
}

#[inline(never)]
fn site_churn_box() -> Result<KBox<[u64; 6]>> {
    Ok(KBox::new([15u64; 6], GFP_KERNEL)?)
}

#[inline(never)]
fn site_churn_vec() -> Result<KVec<u64>> {
    let mut v = KVec::new();
    for i in 0..32u64 {
        v.push(i, GFP_KERNEL)?;
    }
    Ok(v)
}

#[inline(never)]
fn site_grow(v: &mut KVec<u32>, n: u32) -> Result {
    for i in 0..n {
        v.push(i, GFP_KERNEL)?;
    }
    Ok(())
}

#[inline(never)]
fn site_foreign_out() -> Result<KBox<[u8; 100]>> {
    Ok(KBox::new([16u8; 100], GFP_KERNEL)?)
}
/// The line of `site_foreign_out`'s `KBox::new` (printed at load).
const LINE_FOREIGN_OUT: u32 = line!() - 3;

#[inline(never)]
fn site_reuse() -> Result<KBox<[u8; 100]>> {
    Ok(KBox::new([17u8; 100], GFP_KERNEL)?)
}
/// The line of `site_reuse`'s `KBox::new` (printed at load).
const LINE_REUSE: u32 = line!() - 3;

#[inline(never)]
fn site_foreign_grow(v: &mut KVec<u8>) -> Result {
    v.extend_with(100, 19u8, GFP_KERNEL)?;
    Ok(())
}

extern "C" {
    fn __symbol_get(name: *const core::ffi::c_char) -> *mut core::ffi::c_void;
    fn __symbol_put(name: *const core::ffi::c_char);
}

/// A symbol's name as `__symbol_get` takes it.
#[cfg(allocprof_kernel_6_12)]
fn name_ptr(s: &core::ffi::CStr) -> *const core::ffi::c_char {
    s.as_ptr()
}
/// A symbol's name as `__symbol_get` takes it (7.3: the kernel's
/// `as_char_ptr`, its `char` unsigned).
#[cfg(not(allocprof_kernel_6_12))]
fn name_ptr(s: &core::ffi::CStr) -> *const core::ffi::c_char {
    s.as_char_ptr().cast()
}

/// Another module's object, grown here: `allocprof_dropin_peer_give()`
/// (looked up while allocprof_dropin_peer is loaded: no dependency) gives
/// a `kmalloc(64)` charged to that module's row, which this module owns
/// as a `KVec<u8>` of capacity 64 and extends by 100 bytes (a moving
/// reallocation of another module's object).
fn foreign_grow() -> Result<KVec<u8>> {
    const NAME: &core::ffi::CStr = c"allocprof_dropin_peer_give";
    // SAFETY: a look-up by name; the reference it takes is put below.
    let f = unsafe { __symbol_get(name_ptr(NAME)) };
    if f.is_null() {
        return Err(ENODEV);
    }
    // SAFETY: the symbol is `void *allocprof_dropin_peer_give(void)`.
    let give: extern "C" fn() -> *mut core::ffi::c_void = unsafe { core::mem::transmute(f) };
    let p = give();
    // SAFETY: the reference of the `__symbol_get` above.
    unsafe { __symbol_put(name_ptr(NAME)) };
    if p.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: a kmalloc object of 64 bytes, ours from now on, which
    // `Kmalloc` reallocates and frees (krealloc); nothing initialised.
    let mut v = unsafe { KVec::<u8>::from_raw_parts(p.cast(), 0, 64) };
    // The test's signal: the reallocation follows (then sleeps, with
    // allocprof's test_realloc_sleep_ms).
    pr_info!("foreign_grow: growing\n");
    site_foreign_grow(&mut v)?;
    Ok(v)
}

#[inline(never)]
fn site_read_all_cap() -> Result<KVec<u8>> {
    Ok(KVec::with_capacity(16, GFP_KERNEL)?)
}

#[inline(never)]
fn site_read_all(v: &mut KVec<u8>, addr: usize) -> Result {
    UserSlice::new(user_ptr(addr), 100).read_all(v, GFP_KERNEL)
}

#[inline(never)]
fn site_reader_read_all(v: &mut KVec<u8>, addr: usize) -> Result {
    // (__GFP_NOWARN: its code not site_read_all's, which LLVM would
    // merge into it on 7.3, where read_all, generic, is the module's own.)
    UserSlice::new(user_ptr(addr), 100)
        .reader()
        .read_all(v, GFP_KERNEL | kernel::alloc::flags::__GFP_NOWARN)
}

/// What a char driver's write() does with the user's buffer at `addr`.
fn read_all(addr: usize) -> Result<KVec<u8>> {
    let mut v = site_read_all_cap()?;
    site_read_all(&mut v, addr)?;
    site_reader_read_all(&mut v, addr)?;
    Ok(v)
}

#[inline(never)]
fn site_cstring_fmt() -> Result<CString> {
    CString::try_from_fmt(format_args!("allocprof {}", 42))
}

#[inline(never)]
fn site_cstring_from() -> Result<CString> {
    Ok(CString::try_from(kernel::c_str!("allocprof dropin"))?)
}

#[inline(never)]
fn site_to_cstring() -> Result<CString> {
    Ok(kernel::c_str!("abc").to_cstring()?)
}

#[inline(never)]
fn site_lowercase() -> Result<CString> {
    Ok(kernel::c_str!("ABCDEFGHIJ").to_ascii_lowercase()?)
}

#[inline(never)]
fn site_uppercase() -> Result<CString> {
    Ok(kernel::c_str!("abcdefghij").to_ascii_uppercase()?)
}

#[inline(never)]
fn site_page() -> Result<Page> {
    Ok(Page::alloc_page(GFP_KERNEL)?)
}

#[inline(never)]
fn site_page_dropped() -> Result {
    drop(core::hint::black_box(Page::alloc_page(GFP_KERNEL)?));
    Ok(())
}

/// The objects allocated at load, held until unload.
struct InitObjs {
    _kbox: KBox<[u64; 3]>,
    _kvec: KVec<u32>,
    _arc: Arc<[u64; 8]>,
    _vbox: VBox<[u8; 5000]>,
}

#[inline(never)]
fn init_kbox() -> Result<KBox<[u64; 3]>> {
    Ok(KBox::new([1u64, 2, 3], GFP_KERNEL)?)
}
/// The line of `init_kbox`'s `KBox::new` (three above: printed at load).
const LINE_INIT_KBOX: u32 = line!() - 3;

#[inline(never)]
fn init_kvec() -> Result<KVec<u32>> {
    let mut v = KVec::new();
    for i in 0..100u32 {
        v.push(i, GFP_KERNEL)?;
    }
    Ok(v)
}

#[inline(never)]
fn init_arc() -> Result<Arc<[u64; 8]>> {
    Ok(Arc::new([7u64; 8], GFP_KERNEL)?)
}

#[inline(never)]
fn init_vbox() -> Result<VBox<[u8; 5000]>> {
    Ok(VBox::new([0u8; 5000], GFP_KERNEL)?)
}

#[inline(never)]
fn init_held() -> Result<KVec<Obj>> {
    Ok(KVec::with_capacity(MAX_HELD, GFP_KERNEL)?)
}

/// What the commands hold.
struct State {
    objs: KVec<Obj>,
    grown: KVec<u32>,
}

/// The held objects, behind the module's lock.
static HELD: AtomicPtr<Mutex<State>> = AtomicPtr::new(core::ptr::null_mut());

/// Work items still to run (`work`).
static PENDING: AtomicUsize = AtomicUsize::new(0);

fn hold(held: &mut KVec<Obj>, o: Obj) -> Result {
    if held.len() >= MAX_HELD {
        return Err(ENOMEM);
    }
    // The capacity is MAX_HELD: no reallocation.
    held.push(o, GFP_KERNEL)?;
    Ok(())
}

/// Drops every held object.
#[cfg(not(allocprof_kernel_6_12))]
fn clear(v: &mut KVec<Obj>) {
    v.clear();
}

/// Drops every held object (6.12's `KVec` has no `clear`).
#[cfg(allocprof_kernel_6_12)]
fn clear(v: &mut KVec<Obj>) {
    let n = v.len();
    // SAFETY: the `n` elements are dropped once, the length 0 first.
    unsafe {
        v.set_len(0);
        core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(v.as_mut_ptr(), n));
    }
}

/// Parses an address (hex, with or without `0x`).
fn address(w: Option<&[u8]>) -> Result<usize> {
    let w = w.ok_or(EINVAL)?;
    let w = w.strip_prefix(b"0x").unwrap_or(w);
    if w.is_empty() || w.len() > 16 {
        return Err(EINVAL);
    }
    w.iter().try_fold(0usize, |a, c| {
        let d = (*c as char).to_digit(16).ok_or(EINVAL)?;
        Ok(a * 16 + d as usize)
    })
}

/// Parses a count.
fn number(w: Option<&[u8]>) -> Result<usize> {
    let w = w.ok_or(EINVAL)?;
    if w.is_empty() || w.len() > 9 || !w.iter().all(u8::is_ascii_digit) {
        return Err(EINVAL);
    }
    Ok(w.iter().fold(0usize, |a, c| a * 10 + (c - b'0') as usize))
}

/// 7.3: a `VVec` of 5000 bytes (its row `site_vfree0`), its buffer then
/// freed by a zero-sized `vrealloc_node_align` of the module's own (a site
/// on 7.3, `site_vfree0_helper`), which returns NULL: the object is gone
/// all the same, its row back to 0 0.
#[cfg(not(allocprof_kernel_6_12))]
fn vfree0() -> Result {
    let v = site_vfree0()?;
    let (p, _, _) = v.into_raw_parts();
    site_vfree0_helper(p.cast())
}

#[cfg(not(allocprof_kernel_6_12))]
#[inline(never)]
fn site_vfree0() -> Result<VVec<u8>> {
    let mut v = VVec::with_capacity(5000, GFP_KERNEL)?;
    v.push(1, GFP_KERNEL)?;
    Ok(v)
}

#[cfg(not(allocprof_kernel_6_12))]
#[inline(never)]
fn site_vfree0_helper(p: *mut core::ffi::c_void) -> Result {
    // SAFETY: `p` is a vmalloc'd buffer of the module's, no longer owned
    // by its `VVec`; a size of 0 frees it.
    let r = unsafe {
        bindings::vrealloc_node_align(p, 0, 1, bindings::GFP_KERNEL, bindings::NUMA_NO_NODE)
    };
    if r.is_null() {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

/// Allocates with a C call of the module's own (not through
/// `kernel::alloc`: unrecorded on 6.12; on 7.3 the C helper it calls is
/// the one `kernel::alloc`'s inlined `ReallocFunc::call` calls, a site
/// like theirs) and drops it as a `KBox`; builds a kernel crate `CString`
/// (allocated inside the kernel crate) and drops it.
fn foreign_in() -> Result {
    #[cfg(allocprof_kernel_6_12)]
    // SAFETY: a plain allocation of 100 bytes.
    let p = unsafe { bindings::krealloc(core::ptr::null(), 100, bindings::GFP_KERNEL) };
    #[cfg(not(allocprof_kernel_6_12))]
    // SAFETY: as above (7.3's helper takes an alignment and a node).
    let p = unsafe {
        bindings::krealloc_node_align(
            core::ptr::null(),
            100,
            1,
            bindings::GFP_KERNEL,
            bindings::NUMA_NO_NODE,
        )
    };
    if p.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `p` is a kmalloc object of 100 bytes, which `Kmalloc` frees
    // with krealloc(p, 0); its contents are not read.
    drop(unsafe { KBox::<[u8; 100]>::from_raw(p.cast()) });
    let s = CString::try_from_fmt(format_args!("allocprof {}", 42))?;
    drop(s);
    Ok(())
}

/// A module object freed behind the table's back (C's kfree()).
fn foreign_out() -> Result<usize> {
    let p = KBox::into_raw(site_foreign_out()?);
    // SAFETY: `p` is a kmalloc object no one else holds.
    unsafe { bindings::kfree(p.cast()) };
    Ok(p as usize)
}

#[inline(never)]
fn site_burst() -> Result<KBox<[u8; 64]>> {
    Ok(KBox::new([20u8; 64], GFP_KERNEL)?)
}

#[inline(never)]
fn site_burst_vec(n: usize) -> Result<KVec<KBox<[u8; 64]>>> {
    Ok(KVec::with_capacity(n, GFP_KERNEL)?)
}

/// `burst_stop` was written: the running `burst` returns.
static BURST_STOP: AtomicUsize = AtomicUsize::new(0);

/// Rounds of N kmalloc-64 objects at once, then dropped (with SLUB_TINY's
/// freelists, enough to reach an object just freed behind the free ones
/// before it), a millisecond apart, until `burst_stop` (at most 100000),
/// in one write (its file's open allocates nothing meanwhile).
fn burst(n: usize) -> Result {
    BURST_STOP.store(0, Ordering::Relaxed);
    pr_info!("burst: running\n");
    for _ in 0..100_000 {
        if BURST_STOP.load(Ordering::Relaxed) != 0 {
            break;
        }
        let mut v = site_burst_vec(n)?;
        for _ in 0..n {
            // The capacity is n: no reallocation.
            v.push(site_burst()?, GFP_KERNEL)?;
        }
        drop(core::hint::black_box(v));
        // SAFETY: sleeps.
        unsafe { bindings::msleep(1) };
    }
    Ok(())
}

fn churn(n: usize) -> Result {
    for _ in 0..n {
        let b = site_churn_box()?;
        let v = site_churn_vec()?;
        drop(core::hint::black_box(b));
        drop(core::hint::black_box(v));
    }
    Ok(())
}

fn work(n: usize) -> Result {
    for _ in 0..n {
        PENDING.fetch_add(1, Ordering::AcqRel);
        let r = site_spawn(|| {
            let h = HELD.load(Ordering::Acquire);
            if let (false, Ok(b)) = (h.is_null(), site_work()) {
                // SAFETY: `HELD` lives until the module's drop, which
                // waits for the pending work.
                let mut held = unsafe { &*h }.lock();
                let _ = hold(&mut held.objs, Obj::Work(b));
            }
            PENDING.fetch_sub(1, Ordering::AcqRel);
        });
        if r.is_err() {
            PENDING.fetch_sub(1, Ordering::AcqRel);
            r?;
        }
    }
    wait_work();
    Ok(())
}

/// Waits for the work items queued.
fn wait_work() {
    while PENDING.load(Ordering::Acquire) != 0 {
        // SAFETY: sleeps.
        unsafe { bindings::msleep(1) };
    }
}

fn run(state: &mut State, line: &[u8]) -> Result {
    let mut words = line.split(|c| *c == b' ').filter(|w| !w.is_empty());
    let op = words.next().ok_or(EINVAL)?;
    let arg = words.next();
    let held = &mut state.objs;
    match op {
        b"kbox" => {
            for _ in 0..number(arg)? {
                hold(held, Obj::Kbox(site_kbox()?))?;
            }
        }
        b"vbox" => hold(held, Obj::Vbox(site_vbox()?))?,
        b"kvbox" => hold(held, Obj::Kvbox(site_kvbox()?))?,
        b"kvec" => hold(held, Obj::Kvec(site_kvec(number(arg)? as u32)?))?,
        b"vvec" => hold(held, Obj::Vvec(site_vvec(number(arg)?)?))?,
        b"kvvec" => hold(held, Obj::Kvvec(site_kvvec(number(arg)?)?))?,
        b"from_elem" => hold(held, Obj::Kvec16(site_from_elem(number(arg)?)?))?,
        b"inplace" => {
            let mut v = site_inplace_cap()?;
            let before = v.as_ptr();
            site_inplace_grow(&mut v)?;
            if v.as_ptr() != before {
                pr_info!("inplace: moved\n");
            }
            hold(held, Obj::Bytes(v))?;
        }
        b"shrink" => {
            let mut v = site_shrink_cap()?;
            for i in 0..10u64 {
                v.push(i, GFP_KERNEL)?;
            }
            hold(held, Obj::Words(site_shrink(v)))?;
            let mut w = site_vshrink_cap()?;
            w.extend_with(10, 18u8, GFP_KERNEL)?;
            hold(held, Obj::Vvec(site_vshrink(w)))?;
        }
        b"arc" => {
            let a = site_arc()?;
            drop(a.clone());
            hold(held, Obj::Arc(a))?;
        }
        b"unique" => {
            hold(held, Obj::Unique(site_unique()?))?;
            hold(held, Obj::Unique4(site_unique_uninit()?))?;
        }
        b"pinned" => {
            hold(held, Obj::Pinned(site_pin_init()?))?;
            hold(held, Obj::Mutex(site_arc_pin_init()?))?;
            hold(held, Obj::Boxed(site_box_pin()?))?;
        }
        b"rbtree" => hold(held, Obj::Tree(site_rbtree(number(arg)? as u32)?))?,
        b"zst" => {
            for _ in 0..3 {
                hold(held, Obj::Unit(site_zst_box()?))?;
            }
            hold(held, Obj::Units(site_zst_vec()?))?;
            hold(held, Obj::Words(site_zero_cap()?))?;
        }
        b"foreign_in" => foreign_in()?,
        #[cfg(not(allocprof_kernel_6_12))]
        b"vfree0" => vfree0()?,
        b"foreign_out" => {
            foreign_out()?;
        }
        b"reuse" => {
            let a = foreign_out()?;
            let b = site_reuse()?;
            if core::ptr::from_ref::<[u8; 100]>(&*b) as usize == a {
                pr_info!("reuse: same address\n");
            }
            hold(held, Obj::Kbox(b))?;
        }
        b"foreign_grow" => hold(held, Obj::Bytes(foreign_grow()?))?,
        b"read_all" => hold(held, Obj::Bytes(read_all(address(arg)?)?))?,
        b"page" => {
            hold(held, Obj::Page(site_page()?))?;
            site_page_dropped()?;
        }
        b"cstring" => {
            hold(held, Obj::Str(site_cstring_fmt()?))?;
            hold(held, Obj::Str(site_cstring_from()?))?;
            hold(held, Obj::Str(site_to_cstring()?))?;
            hold(held, Obj::Str(site_lowercase()?))?;
            hold(held, Obj::Str(site_uppercase()?))?;
        }
        b"grow" => site_grow(&mut state.grown, number(arg)? as u32)?,
        b"free" => {
            clear(held);
            state.grown = KVec::new();
        }
        _ => return Err(EINVAL),
    }
    Ok(())
}

/// `/sys/kernel/allocprof_dropin_rust_test/control`: one command per
/// `write(2)` at offset 0.
struct Control;

impl sysfs::BinWrite for Control {
    const NAME: &'static core::ffi::CStr = c"control";

    fn write(line: &[u8], offset: i64) -> Result {
        let h = HELD.load(Ordering::Acquire);
        if h.is_null() {
            return Err(ENODEV);
        }
        if offset != 0 {
            return Err(EINVAL);
        }
        // SAFETY: `h` lives until the file is removed, which waits for
        // running `write` calls.
        let held = unsafe { &*h };
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        // Without the lock: churn, burst (several writers at once), work
        // (the workers take it).
        match line.split(|c| *c == b' ').next() {
            Some(b"churn") => number(line.split(|c| *c == b' ').nth(1)).and_then(churn),
            Some(b"burst") => number(line.split(|c| *c == b' ').nth(1)).and_then(burst),
            Some(b"burst_stop") => {
                BURST_STOP.store(1, Ordering::Relaxed);
                Ok(())
            }
            Some(b"work") => number(line.split(|c| *c == b' ').nth(1)).and_then(work),
            _ => run(&mut held.lock(), line),
        }
    }
}

struct DropinRustTest {
    file: Option<sysfs::File>,
    held: Pin<KBox<Mutex<State>>>,
    _init: InitObjs,
}

impl kernel::Module for DropinRustTest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let init = InitObjs {
            _kbox: init_kbox()?,
            _kvec: init_kvec()?,
            _arc: init_arc()?,
            _vbox: init_vbox()?,
        };
        let state = State {
            objs: init_held()?,
            grown: KVec::new(),
        };
        let held = KBox::pin_init(kernel::new_mutex!(state), GFP_KERNEL)?;
        // The sizes of the objects whose bytes the kernel's configuration
        // changes (lockdep grows a mutex), for the test's expectations:
        // this module's Mutex<State>, and an Arc's inner object of a
        // Mutex<u64> (a refcount beside it).
        pr_info!(
            "sizes: state_mutex={} arc_mutex={}\n",
            core::mem::size_of::<Mutex<State>>(),
            core::mem::size_of::<(bindings::refcount_t, Mutex<u64>)>()
        );
        // The lines of three call sites, for the test's rows.
        pr_info!(
            "lines: init_kbox={} foreign_out={} reuse={}\n",
            LINE_INIT_KBOX,
            LINE_FOREIGN_OUT,
            LINE_REUSE
        );
        HELD.store(
            core::ptr::from_ref(held.as_ref().get_ref()).cast_mut(),
            Ordering::Release,
        );
        let mut this = DropinRustTest {
            file: None,
            held,
            _init: init,
        };
        let dir = sysfs::Dir::new(c"allocprof_dropin_rust_test")?;
        this.file = Some(sysfs::File::bin_write::<Control>(&dir)?);
        Ok(this)
    }
}

impl Drop for DropinRustTest {
    fn drop(&mut self) {
        // The control file goes first: removing it waits for running
        // writes (and so for the work they queued).
        drop(self.file.take());
        wait_work();
        HELD.store(core::ptr::null_mut(), Ordering::Release);
        let mut state = self.held.lock();
        clear(&mut state.objs);
        state.grown = KVec::new();
    }
}
