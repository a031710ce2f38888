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
//! work item that a free emptying the table schedules.

use crate::allocprof::counters::{self, sink, NoPreempt};
use crate::allocprof::sizes::{kmalloc_bytes, page_align, vmalloc_bytes};
use crate::allocprof::static_branch::{self, DROPIN_FREES, PROFILING};
use crate::allocprof::Tag;
use crate::glue;
use crate::pcpu_counters::PcpuCounters;
use crate::ptr_table::{Entry, Inserted, PtrTable};
use core::ffi::{c_uint, c_void};
use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use kernel::bindings;
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
const FREE_PAGE: c_uint = 1;

/// `ZERO_SIZE_PTR`: what kmalloc(0) returns; not an object.
const ZERO_SIZE_PTR: usize = 16;

extern "C" {
    static allocprof_param_dropin_slots: c_uint;
    fn allocprof_page_address(page: *const c_void) -> *const c_void;
    fn allocprof_cache_bytes(s: *mut c_void, exact: *mut bool) -> c_uint;
}

/// The drop-in mode's state, while allocprof is loaded and a drop-in
/// module has registered once.
struct State {
    table: PtrTable,
    /// Objects in the table, per CPU (`calls`).
    live: PcpuCounters,
}

/// The state, published once built (never freed before allocprof's exit).
static STATE: AtomicPtr<State> = AtomicPtr::new(core::ptr::null_mut());

/// Allocations a drop-in module made while profiling was on that the
/// table could not record (full, or its allocation failed).
static UNTRACKED: AtomicU64 = AtomicU64::new(0);

/// Drop-in modules registered.
static MODULES: AtomicUsize = AtomicUsize::new(0);

fn state() -> Option<&'static State> {
    let s = STATE.load(Ordering::Acquire);
    // SAFETY: published once fully built, freed only by `exit()` after
    // every drop-in module is gone.
    (!s.is_null()).then(|| unsafe { &*s })
}

/// Allocations not recorded so far (`/sys/kernel/allocprof/dropin_untracked`).
pub(crate) fn untracked() -> u64 {
    UNTRACKED.load(Ordering::Relaxed)
}

/// A drop-in module registers: builds the table on first use.  A table
/// that cannot be allocated leaves the mode running unrecorded (every
/// allocation counted as untracked, its row `accurate:no`).
pub(crate) fn module_added() {
    if state().is_none() {
        // SAFETY: a module parameter, read-only after load.
        let slots = unsafe { allocprof_param_dropin_slots } as usize;
        match PtrTable::new(slots).and_then(|table| {
            Ok(KBox::new(
                State {
                    table,
                    live: PcpuCounters::new()?,
                },
                GFP_KERNEL,
            )?)
        }) {
            Ok(s) => {
                pr_info!(
                    "drop-in pointer table: {} slots, {} bytes\n",
                    s.table.slots(),
                    s.table.bytes()
                );
                // Registrations are serialized by the registry's lock.
                STATE.store(KBox::into_raw(s), Ordering::Release);
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
    glue::with_dropin_keys(|| {
        if on && MODULES.load(Ordering::Acquire) > 0 {
            DROPIN_FREES.set(true);
        }
        PROFILING.set(on);
        update_frees_key();
    });
}

/// Sets the frees key from the state (keys' lock held): on while a
/// drop-in module is registered and profiling is on or an object is
/// recorded.
fn update_frees_key() {
    let live = state().map_or(0, |s| s.live.sum().calls);
    let on = MODULES.load(Ordering::Acquire) > 0 && (PROFILING.is_on() || live > 0);
    if on != DROPIN_FREES.is_on() {
        DROPIN_FREES.set(on);
    }
}

fn check_keys() {
    glue::with_dropin_keys(update_frees_key);
}

/// The work item of `allocprof_dropin_schedule_check()`.
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
    glue::dropin_flush_check();
    let s = STATE.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if !s.is_null() {
        // SAFETY: from `KBox::into_raw` in `module_added`; no user is left.
        drop(unsafe { KBox::from_raw(s) });
    }
}

/// The bytes an allocation of `kind` is charged, and whether the figure is
/// exact.
fn bytes_of(object: *const c_void, kind: c_uint, arg: usize) -> (usize, bool) {
    match kind {
        KMALLOC => (kmalloc_bytes(arg), true),
        CACHE => {
            let mut exact = false;
            // SAFETY: `arg` is the cache the object was just allocated from.
            let b = unsafe { allocprof_cache_bytes(arg as *mut c_void, &mut exact) };
            (b as usize, exact)
        }
        KVMALLOC => {
            // SAFETY: `is_vmalloc_addr()` only compares the address.
            if unsafe { bindings::is_vmalloc_addr(object) } {
                (vmalloc_bytes(object.cast(), arg), true)
            } else {
                (kmalloc_bytes(arg), true)
            }
        }
        VMALLOC => (vmalloc_bytes(object.cast(), arg), true),
        PAGE | PAGEADDR => (bindings::PAGE_SIZE << arg.min(63), true),
        EXACT => (page_align(arg), true),
        PERCPU => (arg.saturating_mul(glue::possible_cpus()), true),
        _ => (0, false),
    }
}

/// The table key of an object: its address (a page's, for a `struct page`).
fn key_of(object: *const c_void, page: bool) -> usize {
    if page {
        // SAFETY: `object` is a `struct page` the module allocated or frees.
        unsafe { allocprof_page_address(object) as usize }
    } else {
        object as usize
    }
}

/// Records an allocation of a drop-in module: charges `tag` and stores the
/// object in the pointer table.  Called when profiling is on.
///
/// # Safety
///
/// `tag` is a tag of a module's `alloc_tags` section (registered, or not
/// yet, or no longer) and `object` what the allocation of `kind` returned,
/// not null.
#[no_mangle]
pub unsafe extern "C" fn allocprof_dropin_alloc(
    tag: *const Tag,
    object: *const c_void,
    kind: c_uint,
    arg: usize,
) {
    if kind == KMALLOC && object as usize == ZERO_SIZE_PTR {
        return;
    }
    let (bytes, exact) = bytes_of(object, kind, arg);
    let key = key_of(object, kind == PAGE);
    // SAFETY: per the function's contract.
    let tag = unsafe { &*tag };
    let Some(st) = state() else {
        UNTRACKED.fetch_add(1, Ordering::Relaxed);
        tag.mark_inaccurate();
        return;
    };
    if !exact || bytes > u32::MAX as usize {
        tag.mark_inaccurate();
    }
    let e = Entry {
        tag,
        bytes: bytes.min(u32::MAX as usize) as u32,
        stamp: glue::jiffies() as u32,
    };
    // From the read of the tag's counters to the last update, as in
    // `Ref::charge`: an unregistration waits for this region.
    let _np = NoPreempt::enter();
    let c = tag.counters();
    if c == sink() {
        return; // not registered: the row is not shown
    }
    match st.table.insert(key, &e) {
        Inserted::New => {
            // SAFETY: `c` stays allocated during this region; `live` as
            // long as the state.
            unsafe {
                counters::update::<true>(c, u64::from(e.bytes));
                counters::count::<true>(st.live.as_ptr());
            }
        }
        Inserted::Replaced(old) => {
            // The object the stale entry named was freed unseen: its
            // charge is dropped and its row marked.
            // SAFETY: the old tag's module is registered (its entries
            // are drained before its memory goes); as above.
            unsafe {
                let t = &*old.tag;
                t.mark_inaccurate();
                counters::update::<false>(t.counters(), u64::from(old.bytes));
                counters::update::<true>(c, u64::from(e.bytes));
            }
            tag.mark_inaccurate();
        }
        Inserted::Full => {
            UNTRACKED.fetch_add(1, Ordering::Relaxed);
            tag.mark_inaccurate();
        }
    }
}

/// A drop-in module frees `object` (an address, or a `struct page` for
/// `FREE_PAGE`): its entry, if it has one, is removed and uncharged.  A
/// pointer the table does not know (allocated by someone else, or while
/// profiling was off) changes nothing.
///
/// # Safety
///
/// `object` is what the module passes to the free function.
#[no_mangle]
pub unsafe extern "C" fn allocprof_dropin_free(object: *const c_void, kind: c_uint) {
    if object.is_null() || object as usize == ZERO_SIZE_PTR {
        return;
    }
    let Some(st) = state() else { return };
    let key = key_of(object, kind == FREE_PAGE);
    let emptied = {
        let _np = NoPreempt::enter();
        let Some(e) = st.table.remove(key) else {
            return;
        };
        // SAFETY: an entry's tag belongs to a registered module (entries
        // are drained at unregistration, after a grace period that covers
        // this region); its counters, or the sink, stay allocated during
        // this region.
        unsafe {
            counters::update::<false>((*e.tag).counters(), u64::from(e.bytes));
            counters::count::<false>(st.live.as_ptr());
        }
        !static_branch::profiling_enabled()
    };
    if emptied && st.live.sum().calls <= 0 {
        glue::dropin_schedule_check();
    }
}

/// Calls `f` with the bytes and age in milliseconds of up to `max` live
/// objects charged to `tag`.
pub(crate) fn objects_of(tag: *const Tag, max: usize, mut f: impl FnMut(u32, u32)) {
    let Some(st) = state() else { return };
    let mut n = 0;
    let now = glue::jiffies() as u32;
    st.table.for_each(|e| {
        if n < max && e.tag == tag {
            n += 1;
            let ms = glue::jiffies_to_msecs(now.wrapping_sub(e.stamp) as usize);
            f(e.bytes, ms);
        }
    });
}

/// Removes the entries of the tags `[start, end)` (a module going away,
/// its tags already pointing at the sink and a grace period passed).
pub(crate) fn drain(start: *const Tag, end: *const Tag) {
    let Some(st) = state() else { return };
    let n = st.table.drain(|t| t >= start && t < end);
    for _ in 0..n {
        let _np = NoPreempt::enter();
        // SAFETY: `live` lives as long as the state.
        unsafe { counters::count::<false>(st.live.as_ptr()) };
    }
}
