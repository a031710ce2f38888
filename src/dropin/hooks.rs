// SPDX-License-Identifier: GPL-2.0

//! The drop-in mode's kernel side (include/allocprof_dropin.h is the
//! client side): what a recorded allocation is charged, the pointer table
//! that remembers it until its free, the count of allocations that could
//! not be recorded, and the static key that makes frees look.
//!
//! The frees key is on while a drop-in module is registered and either
//! profiling is on or an object is recorded: with profiling off and the
//! table empty, a free of a drop-in module costs the key's NOP.  It is
//! switched (it may sleep) by registration, by `vm.mem_profiling` and by a
//! work item that looks once a second while profiling is off and the key
//! is on (the frees themselves do not look: no test on their path).

use crate::allocprof::counters::{sink, NoPreempt};
use crate::allocprof::sizes::{
    is_vmalloc_addr, kmalloc_bytes, page_align, vmalloc_bytes, KMALLOC_TABLE_MAX,
};
use crate::allocprof::static_branch::{self, DROPIN_FREES, PROFILING};
use crate::allocprof::tag::cstr_or_unknown;
use crate::allocprof::Tag;
use crate::dropin::page_map;
use crate::dropin::ptr_table::{self, table, Charge, Inserted, PtrTable, Recharged};
use crate::ffi::helpers;
use crate::ffi::mutex::{self, Mutex};
use crate::ffi::params;
use core::ffi::{c_uint, c_void};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

// Kinds, as include/allocprof_dropin.h numbers them.
const KMALLOC: c_uint = 1;
const CACHE: c_uint = 2;
const KVMALLOC: c_uint = 3;
const VMALLOC: c_uint = 4;
const PAGE: c_uint = 5;
const PAGEADDR: c_uint = 6;
const EXACT: c_uint = 7;
const PERCPU: c_uint = 8;
const BYTES: c_uint = 9;

/// `ZERO_SIZE_PTR`: what kmalloc(0) returns; not an object.
const ZERO_SIZE_PTR: usize = 16;

extern "C" {
    fn allocprof_cache_bytes(s: *mut c_void, exact: *mut bool) -> c_uint;
}

/// Serializes the switches of the frees key.
static KEYS: Mutex<()> = Mutex::new(&mutex::DROPIN_KEYS_LOCK, ());

/// Allocations a drop-in module made while profiling was on that the
/// table could not record (full, or its allocation failed).
static UNTRACKED: AtomicU64 = AtomicU64::new(0);

/// Drop-in modules registered.
static MODULES: AtomicUsize = AtomicUsize::new(0);

/// Whether a drop-in module's tags `[start, stop)` can be kept in the
/// pointer table (always on x86_64: see [`ptr_table::keeps_tag`]).
pub(crate) fn keeps_tags(start: *const Tag, stop: *const Tag) -> bool {
    start == stop || (ptr_table::keeps_tag(start) && ptr_table::keeps_tag(stop))
}

/// Allocations not recorded so far (`/sys/kernel/allocprof/dropin_untracked`).
pub(crate) fn untracked() -> u64 {
    UNTRACKED.load(Ordering::Relaxed)
}

/// A drop-in module registers: builds the table on first use.  A table
/// that cannot be allocated leaves the mode running unrecorded (every
/// allocation counted as untracked, its row `accurate:no`).
pub(crate) fn module_added() {
    if table().is_none() {
        let slots = params::get().dropin_slots as usize;
        match PtrTable::new(slots).and_then(|table| Ok(KBox::new(table, GFP_KERNEL)?)) {
            Ok(t) => {
                pr_info!(
                    "drop-in pointer table: {} slots, {} bytes\n",
                    t.slots(),
                    t.bytes()
                );
                // Registrations are serialized by the registry's lock:
                // there is none yet.
                let _ = ptr_table::install(t);
            }
            Err(e) => pr_warn!(
                "drop-in pointer table: cannot allocate ({}): allocations are counted untracked\n",
                e.to_errno()
            ),
        }
    }
    MODULES.fetch_add(1, Ordering::AcqRel);
    check_keys();
}

/// A drop-in module unregistered (its entries drained).
pub(crate) fn module_removed() {
    MODULES.fetch_sub(1, Ordering::AcqRel);
    check_keys();
}

/// Switches profiling (`vm.mem_profiling`, the `enabled` parameter), with
/// the frees key: on before anything can be recorded, off only once
/// nothing is.  May sleep.
pub(crate) fn set_profiling(on: bool) {
    let _keys = KEYS.lock();
    let modules = MODULES.load(Ordering::Acquire) > 0;
    if on && modules {
        DROPIN_FREES.set(true);
    }
    PROFILING.set(on);
    if !on && modules {
        // A record that passed its call site's branch before the
        // switch stores its object inside a non-preemptible region:
        // wait for those, or the table could be found empty, the
        // frees key switched off, and their frees never seen.
        helpers::synchronize_rcu();
    }
    update_frees_key();
}

/// Sets the frees key from the state (keys' lock held): on while a
/// drop-in module is registered and profiling is on or an object is
/// recorded.
fn update_frees_key() {
    let on = MODULES.load(Ordering::Acquire) > 0 && (PROFILING.is_on() || !PtrTable::is_empty());
    if on != DROPIN_FREES.is_on() {
        DROPIN_FREES.set(on);
    }
    if on && !PROFILING.is_on() {
        // Objects recorded, profiling off: look again in a second.
        helpers::dropin_schedule_check();
    }
}

fn check_keys() {
    let _keys = KEYS.lock();
    update_frees_key();
}

/// The work item of `allocprof_dropin_schedule_check()` (after it has
/// settled the released pages: src/dropin/pages.rs).
#[no_mangle]
pub(crate) extern "C" fn allocprof_dropin_check_keys() {
    check_keys();
}

/// Frees the drop-in state when dropped, at allocprof's exit, after the
/// registry (no drop-in module is left).
pub(crate) struct Exit;

impl Drop for Exit {
    fn drop(&mut self) {
        exit();
    }
}

fn exit() {
    helpers::dropin_flush_check();
    ptr_table::uninstall();
}

/// The bytes an allocation of `kind` is charged, and whether the figure is
/// exact.
///
/// # Safety
///
/// For `CACHE`, `arg` is the live cache `object` was allocated from.
#[inline(always)]
unsafe fn bytes_of(object: usize, kind: c_uint, arg: usize) -> (usize, bool) {
    match kind {
        KMALLOC => (kmalloc_bytes(arg), true),
        CACHE => {
            let mut exact = false;
            // SAFETY: per the function's contract.
            let b = unsafe { allocprof_cache_bytes(arg as *mut c_void, &mut exact) };
            (b as usize, exact)
        }
        KVMALLOC => {
            if is_vmalloc_addr(object as *const u8) {
                (vmalloc_bytes(object as *const u8, arg), true)
            } else {
                (kmalloc_bytes(arg), true)
            }
        }
        VMALLOC => (vmalloc_bytes(object as *const u8, arg), true),
        PAGE | PAGEADDR => (PAGE_SIZE << arg.min(63), true),
        // One page: an area is recorded page by page (`record_exact`).
        EXACT => (PAGE_SIZE, true),
        PERCPU => (arg.saturating_mul(helpers::possible_cpus()), true),
        BYTES => (arg, true),
        _ => (0, false),
    }
}

/// `x`, which the compiler cannot see to be `x`: a function ending in
/// `opaque(arg)` is not known to return its argument, so that its callers
/// can call it last (a tail call) instead of keeping `arg` in a saved
/// register to return it themselves.
#[inline(always)]
fn opaque(mut x: usize) -> usize {
    // SAFETY: an empty asm block.
    unsafe {
        core::arch::asm!("/* {0} */", inout(reg) x, options(pure, nomem, nostack, preserves_flags));
    }
    x
}

/// The table key of an object: its address (a page's, for a `struct page`).
#[inline(always)]
fn key_of(object: usize, page: bool) -> usize {
    if page {
        page_map::addr_of(object as *const c_void)
    } else {
        object
    }
}

/// Records an allocation of a drop-in module: charges `tag` and stores the
/// object in the pointer table.  Called when profiling is on.  Returns
/// `object`, so that the caller's value stays in the return register
/// whichever way the call site's static branch went.  kmalloc and objects
/// of bytes known at the call have functions of their own (below), with
/// no call in their common path, so that they need no saved register, and
/// this one as their tail call.
///
/// # Safety
///
/// `tag` is a tag of a module's `alloc_tags` section (registered, or not
/// yet, or no longer) and `object` what the allocation of `kind` returned
/// (null, or `ZERO_SIZE_PTR`, records nothing).
#[no_mangle]
#[inline(never)]
pub(crate) unsafe extern "C" fn allocprof_dropin_alloc(
    tag: &Tag,
    object: usize,
    kind: c_uint,
    arg: usize,
) -> usize {
    if object > ZERO_SIZE_PTR && kind == EXACT {
        record_exact(tag, object, arg);
    } else if object > ZERO_SIZE_PTR {
        // SAFETY: per the function's contract.
        let (bytes, exact) = unsafe { bytes_of(object, kind, arg) };
        let fits = bytes <= u32::MAX as usize;
        record_slow(
            tag,
            key_of(object, kind == PAGE),
            bytes.min(u32::MAX as usize) as u32,
            exact && fits,
        );
    }
    opaque(object)
}

/// Records the area of `alloc_pages_exact(size)` at `addr`, charged to
/// `tag`, page by page: the page allocator split it (`split_page()`), so
/// that upstream charges each page a call and frees each on its own, as
/// `free_pages_exact()` does.
#[inline(never)]
fn record_exact(tag: &Tag, addr: usize, size: usize) {
    let end = addr.saturating_add(page_align(size));
    for a in (addr..end).step_by(PAGE_SIZE) {
        record_slow(tag, a, PAGE_SIZE as u32, true);
    }
}

/// [`allocprof_dropin_alloc`] of a kmalloc of `size` bytes: the common
/// case straight-line, with no call, so that it needs no saved register;
/// any other case is a tail call of [`allocprof_dropin_alloc`].
///
/// # Safety
///
/// As for [`allocprof_dropin_alloc`].
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_kmalloc(
    tag: &Tag,
    object: usize,
    size: usize,
) -> usize {
    if object <= ZERO_SIZE_PTR {
        return object;
    }
    if size <= KMALLOC_TABLE_MAX && record_first(tag, object, kmalloc_bytes(size)) {
        return object;
    }
    // SAFETY: per the function's contract.
    unsafe { allocprof_dropin_alloc(tag, object, KMALLOC, size) }
}

/// [`allocprof_dropin_alloc`] of an object charged `bytes`, at most
/// `u32::MAX` (the header computes them where they are a constant, as for
/// whole pages by address, `__get_free_pages()`): as
/// [`allocprof_dropin_kmalloc`].
///
/// # Safety
///
/// As for [`allocprof_dropin_alloc`].
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_bytes(
    tag: &Tag,
    object: usize,
    bytes: usize,
) -> usize {
    if object <= ZERO_SIZE_PTR {
        return object;
    }
    if record_first(tag, object, bytes) {
        return object;
    }
    // SAFETY: per the function's contract.
    unsafe { allocprof_dropin_alloc(tag, object, BYTES, bytes) }
}

/// Records the object of address `key`, of `bytes` (at most `u32::MAX`),
/// charged to `tag`, if that is the common case: the table holds no key of its filter counter
/// and the first slot of its window is free.  Whether it is done (or there
/// is nothing to do: `tag` is not registered); if not, nothing changed.
/// Straight-line code, no call.
#[inline(always)]
fn record_first(tag: &Tag, key: usize, bytes: usize) -> bool {
    let t = table();
    // As in `record_slow`.
    let np = NoPreempt::enter();
    if static_branch::profiling_off() || tag.counters() == sink() {
        return true;
    }
    if !t.insert_first(key, tag, bytes as u32) {
        return false;
    }
    // As in `record_slow` (loaded again: no register held).
    tag.charge_in(&np, bytes as u64);
    true
}

/// Records the object of address `key`, of `bytes` (exact or not),
/// charged to `tag`, in every case.
#[inline(never)]
fn record_slow(tag: &Tag, key: usize, bytes: u32, exact: bool) {
    let t = table();
    if !exact {
        tag.mark_inaccurate();
    }
    let sleep = params::get().test_record_sleep_ms;
    if sleep != 0 {
        helpers::test_msleep(sleep);
    }
    // From the read of the tag's counters to the last update, as in
    // `Ref::charge`: an unregistration waits for this region, and so does
    // a switch of profiling to off.
    let np = NoPreempt::enter();
    // The call site's branch was taken with profiling on, but this task
    // may have been preempted since (before this region): a switch to
    // off waits only for the records inside their regions, so a record
    // entering its region after the switch must not store (the switch
    // may have found the table empty and turned the frees key off).
    if static_branch::profiling_off() {
        return;
    }
    if tag.counters() == sink() {
        return; // not registered: the row is not shown
    }
    let delay = params::get().test_record_delay_ms;
    if delay != 0 {
        helpers::mdelay(delay);
    }
    // The counters are loaded again after the insertion (no register
    // held across it): the same, or the sink if the module is going,
    // which is as good (its entries are drained, its counters summed).
    match t.insert(key, tag, bytes) {
        Inserted::New => tag.charge_in(&np, u64::from(bytes)),
        Inserted::Replaced(old) => {
            drop_stale(&np, old);
            tag.charge_in(&np, u64::from(bytes));
            tag.mark_inaccurate();
        }
        // No table ([`ptr_table::NONE`] is full), or no free slot.
        Inserted::Full => count_untracked(tag),
    }
}

/// An insertion found a stale entry of its address (the object it named
/// was freed unseen): its charge is dropped and its row marked.  Inside
/// the region `np` of the insertion.
pub(crate) fn drop_stale(np: &NoPreempt, old: Charge) {
    let t = old.tag(np);
    t.mark_inaccurate();
    t.uncharge_in(np, u64::from(old.bytes));
}

/// An allocation charged to `tag` that the table cannot hold: counted
/// untracked, its row marked.
pub(crate) fn count_untracked(tag: &Tag) {
    UNTRACKED.fetch_add(1, Ordering::Relaxed);
    tag.mark_inaccurate();
}

/// A drop-in module frees the object at address `object`: its entry, if
/// it has one, is removed and uncharged.  A pointer the table does not
/// know (allocated by someone else, or while profiling was off) changes
/// nothing.  Returns `object` (see [`allocprof_dropin_alloc`]).  The
/// common case (the entry in the first slot of its window)
/// is straight-line, with no call; any other case is a tail call.
///
/// # Safety
///
/// `object` is what the module passes to the free function (an object, or
/// `NULL`, or `ZERO_SIZE_PTR`).
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_free(object: usize) -> usize {
    // SAFETY: per the function's contract.
    unsafe { forget(object) }
}

/// Removes and uncharges the entry of `object` (a free's argument), if the
/// table holds one: [`allocprof_dropin_free`].  Returns `object`.
///
/// # Safety
///
/// `object` is what a free function accepts (an object, `NULL` or
/// `ZERO_SIZE_PTR`): not one of the table's own keys for a free or a busy
/// slot, which no free function takes (the first addresses of the kernel
/// image's mapping), and whose look-up would claim a slot that holds no
/// entry.
#[inline(always)]
pub(crate) unsafe fn forget(object: usize) -> usize {
    let np = NoPreempt::enter();
    // No test of `object`: `NULL` and `ZERO_SIZE_PTR` are in no slot.
    let Some(c) = table().remove_first(object) else {
        drop(np);
        return free_slow(object);
    };
    uncharge(&np, c);
    drop(np);
    object
}

/// [`allocprof_dropin_free`] of a `struct page`: its key is the page's
/// address.  Returns `page`.
///
/// # Safety
///
/// `page` is a `struct page` the module frees.
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_free_page(page: usize) -> usize {
    if page != 0 {
        let key = key_of(page, true);
        // The header tests the filter of addresses; a page's is tested here.
        if ptr_table::may_hold(key) {
            free_slow(key);
        }
    }
    page
}

/// Removes and uncharges the entry of `object`, if the table holds one,
/// in every case.  Returns `object`.
#[inline(never)]
extern "C" fn free_slow(object: usize) -> usize {
    if object > ZERO_SIZE_PTR && ptr_table::is_key(object) {
        let np = NoPreempt::enter();
        if let Some(c) = table().remove(object) {
            uncharge(&np, c);
        }
        drop(np);
    }
    opaque(object)
}

/// Uncharges what a removed entry was charged, inside the region `np`
/// that removed it.
#[inline(always)]
pub(crate) fn uncharge(np: &NoPreempt, c: Charge) {
    c.tag(np).uncharge_in(np, u64::from(c.bytes));
}

/// Calls `f` with the bytes and age in milliseconds of up to `max` live
/// objects charged to `tag`.
pub(crate) fn objects_of(tag: *const Tag, max: usize, mut f: impl FnMut(u32, u32)) {
    let mut n = 0;
    let now = helpers::jiffies() as u32;
    table().for_each(|e| {
        if n < max && e.tag == tag {
            n += 1;
            let ms = helpers::jiffies_to_msecs(now.wrapping_sub(e.stamp) as usize);
            f(e.bytes, ms);
        }
    });
}

/// Removes the entries of the tags `[start, end)` (a module going away,
/// its tags already pointing at the sink and a grace period passed), but
/// its released pages' (src/dropin/pages.rs: `settle_module()` removes
/// those).
pub(crate) fn drain(start: *const Tag, end: *const Tag) {
    table().drain(|t| t >= start && t < end);
}

// devm_ allocations (the end of include/allocprof_dropin.h).  Not hot: the
// header calls these after the real devm_ function.  A recorded devm
// object has a tracker devres on its device (`helpers::Devres`), added after
// it and so released before it at detach, whose release forgets it; an
// object whose tracker cannot be allocated is not recorded (counted
// untracked, its row `accurate:no`, as a full table does).

/// A devm object of the size requested, or a string (`strlen + 1`).
const DEVM_STRLEN: usize = 0;

/// The bytes requested for a devm object: `size`, or for a string its
/// length with the NUL.
///
/// # Safety
///
/// With `size == DEVM_STRLEN`, `object` is a NUL-terminated string.
unsafe fn devm_size(object: usize, size: usize) -> usize {
    if size == DEVM_STRLEN {
        // SAFETY: per the function's contract (a string, not null).
        unsafe { cstr_or_unknown(object as *const kernel::ffi::c_char) }.len() + 1
    } else {
        size
    }
}

/// Adds a tracker of the devm `object` of `size` bytes requested, then
/// records it charged to `tag`; if the tracker cannot be allocated,
/// counts it untracked.
fn devm_record(tag: &Tag, devres: &helpers::Devres, object: usize, size: usize, gfp: c_uint) {
    if !devres.track(object, gfp) {
        UNTRACKED.fetch_add(1, Ordering::Relaxed);
        tag.mark_inaccurate();
        return;
    }
    let bytes = helpers::devres_bytes(size);
    let fits = bytes <= u32::MAX as usize;
    record_slow(tag, object, bytes.min(u32::MAX as usize) as u32, fits);
}

/// A drop-in module's devm_ allocation returned `object` (profiling on):
/// records it, charged to `tag`, with a tracker on `dev`.  Returns
/// `object`.
///
/// # Safety
///
/// `tag` is a tag of a module's `alloc_tags` section, `dev` the live
/// device the module passed, `object` what the devm_ function returned
/// for `size` bytes (`DEVM_STRLEN`: a string); null or `ZERO_SIZE_PTR`
/// records nothing.
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_devm_alloc(
    tag: &Tag,
    dev: *mut c_void,
    object: usize,
    size: usize,
    gfp: c_uint,
) -> usize {
    if object > ZERO_SIZE_PTR {
        // SAFETY: per the function's contract.
        let (devres, size) = unsafe { (helpers::Devres::new(dev), devm_size(object, size)) };
        devm_record(tag, &devres, object, size, gfp);
    }
    object
}

/// A drop-in module's devm_krealloc() moved `old` to `object` (or freed
/// it: `ZERO_SIZE_PTR`), with the frees key on: `old` is forgotten and its
/// tracker released, or, when profiling is on, pointed at `object`, which
/// is recorded at `tag` (with a tracker of its own if `old` had none).
/// Returns `object`.
///
/// # Safety
///
/// As for [`allocprof_dropin_devm_alloc`]; `old` is what the module
/// passed to devm_krealloc(), `object` what it returned (not null).
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_devm_realloc(
    tag: &Tag,
    dev: *mut c_void,
    old: usize,
    object: usize,
    size: usize,
    gfp: c_uint,
) -> usize {
    // SAFETY: per the function's contract.
    let devres = unsafe { helpers::Devres::new(dev) };
    if object <= ZERO_SIZE_PTR || !crate::allocprof::static_branch::profiling_enabled() {
        if old > ZERO_SIZE_PTR {
            devres.untrack(old);
        }
        return object;
    }
    if old > ZERO_SIZE_PTR && devres.retrack(old, object) {
        // The tracker keeps its place, after the object that took the
        // old one's.
        // SAFETY: `old`, a devm object that devm_krealloc() freed.
        unsafe { forget(old) };
        let bytes = helpers::devres_bytes(size);
        let fits = bytes <= u32::MAX as usize;
        record_slow(tag, object, bytes.min(u32::MAX as usize) as u32, fits);
    } else {
        devm_record(tag, &devres, object, size, gfp);
    }
    object
}

/// A drop-in module's devm_kfree() of `object` is about to run: its
/// tracker, if `dev` has one, is released, which forgets it.
///
/// # Safety
///
/// `dev` is the live device the module passed.
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_devm_free(
    dev: *mut c_void,
    object: *const c_void,
) {
    let object = object as usize;
    if object > ZERO_SIZE_PTR {
        // SAFETY: per the function's contract.
        unsafe { helpers::Devres::new(dev) }.untrack(object);
    }
}

/// A tracker's release (src/dropin/dropin_devres.c): its devm object is freed next (at
/// detach, by the module's devm_kfree(), or moved by its devm_krealloc()):
/// forgets it, if the table holds it (not if its module is gone).
///
/// # Safety
///
/// `object` is the devm object the tracker holds (an object: its free is
/// next, as far as the table is concerned).
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_devm_released(object: usize) {
    // SAFETY: per the function's contract.
    unsafe { forget(object) };
}

// Mempools (src/dropin/dropin_mempool.c).  A pool whose alloc and free
// functions are the kernel's slab, kmalloc or page helpers is created with
// allocprof's own functions, which call them: an element its alloc
// function makes is recorded charged to a *pending* tag of allocprof
// (whose counters are the sink: no row changes), then re-charged to the
// site that upstream charges (the pool's creation, or the mempool_alloc()
// that made it); its free function forgets it.

/// An element a wrapped pool's alloc function just made (profiling on):
/// records it charged to `pending`, a tag of allocprof whose counters are
/// the sink (so no row changes), as an allocation of `kind` and `arg`.
/// Whether it was lost: the table could not hold it (counted untracked;
/// the row it was to be charged to is marked when it finds it absent).
///
/// # Safety
///
/// `pending` is a static tag of allocprof (counters: the sink); `object`
/// is what the pool's original alloc function returned (null records
/// nothing): an object of `kind` and `arg` as in [`allocprof_dropin_alloc`].
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_mempool_made(
    pending: &Tag,
    object: usize,
    kind: c_uint,
    arg: usize,
) -> bool {
    if object <= ZERO_SIZE_PTR {
        return false;
    }
    // SAFETY: per the function's contract.
    let (bytes, _) = unsafe { bytes_of(object, kind, arg) };
    let key = key_of(object, kind == PAGE);
    let t = table();
    // As in `record_slow`: no store once profiling is off.
    let np = NoPreempt::enter();
    if static_branch::profiling_off() {
        return false;
    }
    match t.insert(key, pending, bytes.min(u32::MAX as usize) as u32) {
        Inserted::New => false,
        Inserted::Replaced(old) => {
            drop_stale(&np, old);
            false
        }
        Inserted::Full => {
            UNTRACKED.fetch_add(1, Ordering::Relaxed);
            true
        }
    }
}

/// Re-charges a wrapped pool's element from the tag `from` to the tag
/// `to`, if the table holds it charged to `from` (else nothing): charges
/// `to`'s counters, uncharges nothing (`from`'s counters are the sink).
/// `page`: `object` is a `struct page` (its key is its address).  Unless
/// `to_sink` (`to` is another tag of allocprof), nothing is done for a
/// `to` that is not registered.  `lost`: the pool lost an element (see
/// [`allocprof_dropin_mempool_made`]): if the table holds no entry of
/// `object`, it may be that one, and `to`'s row is marked `accurate:no`.
///
/// # Safety
///
/// `from` and `to` are tags that pass [`ptr_table::keeps_tag`]: `from` a
/// static tag of allocprof, `to` a tag of a drop-in module's `alloc_tags`
/// section (or, with `to_sink`, a static tag of allocprof); `object` an
/// element of a live pool.
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_mempool_recharge(
    from: &Tag,
    to: &Tag,
    object: usize,
    page: bool,
    to_sink: bool,
    lost: bool,
) {
    if object <= ZERO_SIZE_PTR {
        return;
    }
    let tag = to;
    let key = key_of(object, page);
    if !ptr_table::is_key(key) {
        return;
    }
    if !ptr_table::may_hold(key) {
        if lost && !to_sink {
            tag.mark_inaccurate();
        }
        return;
    }
    let t = table();
    // As in `record_slow`: an unregistration waits for this region.
    let np = NoPreempt::enter();
    if !to_sink && tag.counters() == sink() {
        return; // not registered: the row is not shown
    }
    match t.recharge(key, from, to) {
        Recharged::Moved(bytes) => tag.charge_in(&np, u64::from(bytes)),
        Recharged::Kept => {}
        Recharged::Absent => {
            if lost && !to_sink {
                tag.mark_inaccurate();
            }
        }
    }
}
