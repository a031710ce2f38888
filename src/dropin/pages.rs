// SPDX-License-Identifier: GPL-2.0

//! The pages of drop-in modules, charged as upstream charges them
//! (`mm/page_alloc.c`, `include/linux/pgalloc_tag.h`):
//!
//! - a free (`__free_pages()`, `free_pages()`) uncharges a block only when
//!   it drops the last reference: a page that another reference holds
//!   stays charged until that one goes, and of a block that is not a
//!   compound page only the first page stays (its tail pages are freed at
//!   once, as `__free_pages()` frees them);
//! - `split_page()` gives each page of a block an entry of its own,
//!   charged one page and one call, as upstream gives each page a
//!   reference to the tag (which counts a call);
//! - an `alloc_pages_exact()` area, which the page allocator splits so,
//!   is recorded page by page (a call each), and `free_pages_exact()`
//!   frees it page by page.
//!
//! When the table may hold a page, allocprof makes the free itself
//! (`include/allocprof_dropin.h` calls these functions instead of the
//! kernel's): the reference count and the entry are looked at before the
//! kernel's free function runs.  The common case, a count of 1 (no other
//! reference), is here, straight-line; the others are in
//! `src/dropin/dropin_pages.c` (`page_ref_count()`, `put_page()` and friends are inline C).

use crate::allocprof::counters::NoPreempt;
use crate::allocprof::Tag;
use crate::dropin::hooks;
use crate::dropin::page_map::{addr_of, page_of};
use crate::dropin::ptr_table::{self, table, Inserted};
use crate::ffi::{helpers, params};
use core::ffi::{c_uint, c_void};
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::bindings;
use kernel::page::PAGE_SIZE;

extern "C" {
    /// The free of a block whose reference count was not 1
    /// (src/dropin/dropin_pages.c).
    fn allocprof_pages_free_shared(page: *mut c_void, order: c_uint);
}

/// The kernel's `free_pages(addr, order)`.
///
/// # Safety
///
/// As for `free_pages()`: `addr` is 0 or a block of `order` pages of the
/// page allocator that the caller holds a reference to.
#[inline(always)]
unsafe fn free_pages(addr: usize, order: c_uint) {
    // SAFETY: per the function's contract.
    unsafe { bindings::free_pages(addr, order) }
}

/// The kernel's free of the block of `order` pages whose struct page is
/// `page`: `__free_pages(page, order)`, which is what `free_pages(addr,
/// order)` does after computing `page` from the address (13
/// instructions on the test kernel: the callers here have `page`
/// already); on `CONFIG_DEBUG_VM` kernels `free_pages()` of the block's
/// address, whose `VM_BUG_ON` checks the address first.
///
/// # Safety
///
/// As for `__free_pages()`: `page` is the struct page of a block of
/// `order` pages of the page allocator, of the direct map, that the
/// caller holds a reference to.
#[inline(always)]
unsafe fn free_block(page: *mut c_void, order: c_uint) {
    // SAFETY: per the function's contract (`addr_of(page)` is the block's
    // address).
    unsafe {
        if cfg!(CONFIG_DEBUG_VM) {
            free_pages(addr_of(page), order)
        } else {
            bindings::__free_pages(page.cast(), order)
        }
    }
}

/// Whether `page` has one reference (its `_refcount` is 1), as one
/// compare of memory and a branch (the compiler keeps an atomic load and
/// its compare apart).
///
/// # Safety
///
/// `page` is a live `struct page`.
#[inline(always)]
unsafe fn only_reference(page: *mut bindings::page) -> bool {
    // SAFETY: a 32-bit compare of the live page's `_refcount` (an aligned
    // `atomic_t`: one load, as `atomic_read()` does); nothing written.
    unsafe {
        core::arch::asm!(
            "cmpl $1, {off}({p})",
            "jne {other}",
            p = in(reg) page,
            off = const core::mem::offset_of!(bindings::page, _refcount),
            other = label { return false; },
            options(att_syntax, nostack, readonly),
        );
    }
    true
}

/// `free_pages(addr, order)` of a drop-in module whose address the table
/// may hold (the header tested the filter): made here.  The common case
/// (the page's only reference, its entry in the first slot of its window)
/// is straight-line, ending in the kernel's `free_pages()` as a tail call;
/// every other case is a tail call of its own.
///
/// # Safety
///
/// As for `free_pages()`: `addr` is 0 or a block of `order` pages of the
/// page allocator that the caller holds a reference to.
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_pg_free_addr(addr: usize, order: c_uint) {
    let np = NoPreempt::enter();
    // No test of `addr`: 0 is in no slot.
    let Some(e) = table().claim_first(addr) else {
        drop(np);
        // SAFETY: per the function's contract.
        return unsafe { forget_free_addr(addr, order) };
    };
    // Recorded (by allocprof_dropin_bytes()): a page of the direct map
    // the caller holds a reference to.
    let page = page_of(addr);
    // SAFETY: as just said.
    if !unsafe { only_reference(page) } {
        e.put_back();
        drop(np);
        // SAFETY: per the function's contract.
        return unsafe { free_addr_slow(addr, order) };
    }
    // The last reference: what a concurrent speculative reference (a
    // get_page_unless_zero() of a PFN walker) would still hold is the
    // free of a page the module has let go of.
    hooks::uncharge(&np, e.remove());
    drop(np);
    // SAFETY: per the function's contract; `page` is the block's, of the
    // direct map (as said above).
    unsafe { free_block(page.cast(), order) }
}

/// [`allocprof_dropin_pg_free_addr`] of a recorded page another reference
/// holds or held.
///
/// # Safety
///
/// As for [`allocprof_dropin_pg_free_addr`], `addr` not 0.
#[inline(never)]
unsafe extern "C" fn free_addr_slow(addr: usize, order: c_uint) {
    // SAFETY: per the function's contract.
    unsafe { allocprof_pages_free_shared(page_of(addr).cast(), order) };
}

/// [`allocprof_dropin_pg_free_addr`] of a page whose entry is not in the
/// first slot of its window (or absent, or `addr` 0).  The entry is
/// claimed inside the non-preemptible region that uncharges it: a
/// module's unload waits for that region (its grace period) before it
/// drains the module's entries and frees its tags, so a claim made
/// outside it could be held across the unload (the drain skips a claimed
/// slot), and the tag read after it freed.
///
/// # Safety
///
/// As for [`allocprof_dropin_pg_free_addr`].
#[inline(never)]
unsafe extern "C" fn forget_free_addr(addr: usize, order: c_uint) {
    if addr != 0 && ptr_table::may_hold(addr) {
        test_sleep();
        let np = NoPreempt::enter();
        if let Some(e) = table().claim(addr) {
            // SAFETY: recorded: a page the caller holds a reference to.
            if !unsafe { only_reference(page_of(addr)) } {
                e.put_back();
                drop(np);
                // SAFETY: per the function's contract.
                return unsafe { free_addr_slow(addr, order) };
            }
            hooks::uncharge(&np, e.remove());
        }
        drop(np);
    }
    // SAFETY: per the function's contract.
    unsafe { free_pages(addr, order) }
}

/// The test hook `test_page_free_sleep_ms`: a page free on its slow path
/// sleeps (in process context) before it enters its non-preemptible
/// region, as a task preempted there would.
fn test_sleep() {
    let ms = params::get().test_page_free_sleep_ms;
    if ms != 0 {
        helpers::test_msleep(ms);
    }
}

/// `__free_pages(page, order)` of a drop-in module while the frees key is
/// on: made here.
///
/// # Safety
///
/// As for `__free_pages()`.
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_pg_free(page: *mut bindings::page, order: c_uint) {
    let addr = addr_of(page.cast());
    // SAFETY: the caller holds a reference to the page, a live struct
    // page, which the shared path and `free_block()` free as the
    // function's contract says; `addr` is its address, of the direct map
    // (a free's).
    unsafe {
        if ptr_table::may_hold(addr) {
            if !only_reference(page) {
                return allocprof_pages_free_shared(page.cast(), order);
            }
            hooks::forget(addr);
        }
        free_block(page.cast(), order)
    }
}

/// `free_pages_exact(addr, size)` of a drop-in module while the frees key
/// is on: page by page, as the kernel's does (each page of the area is a
/// page of its own, split by `alloc_pages_exact()`).
///
/// # Safety
///
/// As for `free_pages_exact()`.
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_pg_free_exact(addr: *mut c_void, size: usize) {
    let start = addr as usize;
    let end = start + crate::allocprof::sizes::page_align(size);
    for a in (start..end).step_by(PAGE_SIZE) {
        // SAFETY: per the function's contract, a page of the area, which
        // its free takes, the table's way or the kernel's.
        unsafe {
            if ptr_table::may_hold(a) {
                allocprof_dropin_pg_free_addr(a, 0);
            } else {
                free_pages(a, 0);
            }
        }
    }
}

/// Released pages' entries in the table (a racy count: it tells whether
/// a scan can find one).
static RELEASED_PAGES: AtomicUsize = AtomicUsize::new(0);

/// The free of a recorded block another reference holds
/// (src/dropin/dropin_pages.c): its entry is marked released, allocprof
/// keeping the module's reference; with `keep_first` (a block that is not
/// a compound page, whose tail pages the caller frees next) it is charged
/// its first page alone.  Whether the table held it (if not, the caller
/// frees the block the kernel's way).
#[no_mangle]
pub(crate) extern "C" fn allocprof_dropin_pages_release(addr: usize, keep_first: bool) -> bool {
    if !ptr_table::is_key(addr) || !ptr_table::may_hold(addr) {
        return false;
    }
    let np = NoPreempt::enter();
    let Some(e) = table().claim(addr) else {
        return false;
    };
    let c = e.charge();
    if keep_first && c.bytes as usize > PAGE_SIZE {
        e.set_bytes(PAGE_SIZE as u32);
        c.tag(&np)
            .add_in(&np, -((c.bytes as usize - PAGE_SIZE) as i64), 0);
    }
    RELEASED_PAGES.fetch_add(1, Ordering::Relaxed);
    e.put_back_released();
    drop(np);
    // Looked at again in a second (the drop-in work item), if no read of
    // allocinfo does first.
    helpers::dropin_schedule_check();
    true
}

/// A released page's entry goes, uncharged (src/dropin/dropin_pages.c
/// then drops allocprof's reference): whether the table still held it.
#[no_mangle]
pub(crate) extern "C" fn allocprof_dropin_pages_settled(addr: usize) -> bool {
    let np = NoPreempt::enter();
    let Some(e) = table().claim_released(addr) else {
        return false;
    };
    hooks::uncharge(&np, e.remove());
    RELEASED_PAGES.fetch_sub(1, Ordering::Relaxed);
    true
}

extern "C" {
    /// Settles the released page at `addr` (src/dropin/dropin_pages.c).
    fn allocprof_pages_settle(addr: usize, force: bool);
}

/// Settles the released page at `addr`, a key [`PtrTable::released`]
/// found: its entry goes and allocprof's reference is dropped if that is
/// the only reference left, or if `force`.
///
/// [`PtrTable::released`]: ptr_table::PtrTable::released
fn settle(addr: usize, force: bool) {
    // SAFETY: `addr` is a page's address of the direct map (a released
    // entry's key); its struct page is only read unless the entry is still
    // there, which means that allocprof holds a reference to the page,
    // which the function drops with the entry.
    unsafe { allocprof_pages_settle(addr, force) }
}

/// Settles every released page whose other references are gone: its row
/// is then what upstream's is (at a read of `allocinfo`, and a second
/// after a release, until none is left).  Whether released pages remain.
pub(crate) fn settle_released() -> bool {
    if RELEASED_PAGES.load(Ordering::Relaxed) == 0 {
        return false;
    }
    table().released(|addr, _| settle(addr, false));
    RELEASED_PAGES.load(Ordering::Relaxed) != 0
}

/// [`settle_released`], for the drop-in work item
/// (src/dropin/dropin_helpers.c), which runs again a second later while
/// this returns true.
#[no_mangle]
pub(crate) extern "C" fn allocprof_dropin_settle_pages() -> bool {
    settle_released()
}

/// A drop-in module of the tags `[start, end)` is going: its released
/// pages' entries go, uncharged (the module let them go: they are no
/// leak of it), and allocprof's references to them are dropped (a page
/// still held elsewhere, e.g. mapped, is freed when that goes).
pub(crate) fn settle_module(start: *const Tag, end: *const Tag) {
    if RELEASED_PAGES.load(Ordering::Relaxed) == 0 {
        return;
    }
    table().released(|addr, tag| {
        if tag >= start && tag < end {
            settle(addr, true);
        }
    });
}

/// `split_page(page, order)` of a drop-in module, after the kernel's,
/// while the frees key is on: the entry of the block becomes one entry
/// per page, each a page and a call (the tag's calls grow by the pages
/// but one).  A page the table cannot hold is uncharged (counted
/// untracked, the row marked `accurate:no`).
///
/// # Safety
///
/// `page` is the first page of a block of `order` that the module holds.
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_pg_split(
    page: *mut bindings::page,
    order: c_uint,
) {
    let addr = addr_of(page.cast());
    if order == 0 || !ptr_table::may_hold(addr) {
        return;
    }
    let t = table();
    let np = NoPreempt::enter();
    // Claimed, the entry stays counted: the table is not empty while the
    // pages are added (the frees key stays on).
    let Some(first) = t.claim(addr) else {
        return;
    };
    let c = first.charge();
    let tag = c.tag(&np);
    let pages = 1usize << order.min(20);
    if c.bytes as usize != PAGE_SIZE * pages {
        // Not recorded as a block of this order: left as it is.
        tag.mark_inaccurate();
        first.put_back();
        return;
    }
    let (mut calls, mut lost) = (0i64, 0i64);
    for i in 1..pages {
        match t.insert(addr + i * PAGE_SIZE, c.tag, PAGE_SIZE as u32) {
            Inserted::New => calls += 1,
            Inserted::Replaced(old) => {
                hooks::drop_stale(&np, old);
                calls += 1;
            }
            Inserted::Full => {
                hooks::count_untracked(tag);
                lost += PAGE_SIZE as i64;
            }
        }
    }
    first.set_bytes(PAGE_SIZE as u32);
    first.put_back();
    tag.add_in(&np, -lost, calls);
}
