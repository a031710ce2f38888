// SPDX-License-Identifier: GPL-2.0

//! What the allocators really hand out for a request: the kmalloc object
//! size (from a table filled by allocprof at load, so that the hot path
//! makes no call), whether an address is in the vmalloc area (from its
//! bounds, set by allocprof at load: no call either), and the bytes a
//! vmalloc area maps.

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Sizes up to this, the largest kmalloc cache, are looked up in
/// `allocprof_kmalloc_sizes`; larger ones are whole pages.
pub const KMALLOC_TABLE_MAX: usize = kernel::bindings::KMALLOC_MAX_CACHE_SIZE as usize;

/// The largest size kmalloc can succeed with.
const KMALLOC_MAX_SIZE: usize = kernel::bindings::KMALLOC_MAX_SIZE as usize;

extern "C" {
    /// `kmalloc_size_roundup(8 * i)` for `8 * i <= KMALLOC_TABLE_MAX`,
    /// filled by allocprof at load (kmalloc caches are multiples of 8).
    ///
    /// Entries are 8 bytes, so that the byte offset of a size's entry is
    /// the size rounded up to 8: no shift, and a size that steps by 8 in
    /// a loop is the offset itself.
    static allocprof_kmalloc_sizes: [AtomicU64; KMALLOC_TABLE_MAX / 8 + 1];
}

// Declared safe: allocprof's (src/ffi/helpers.c): the bounds are set at its
// load, before any client can load, and read as atomics; the function only
// looks up the kernel's page tables for `addr`, whatever it is (a pointer
// that maps nothing gives whole pages).
unsafe extern "C" {
    /// `[VMALLOC_START, VMALLOC_END]` of the running kernel, set by
    /// allocprof at load: with KASLR the start is chosen at boot
    /// (`vmalloc_base`), and `VMALLOC_END` also depends on the paging
    /// levels.
    safe static allocprof_vmalloc_area: [AtomicUsize; 2];

    /// The bytes the vmalloc area at `addr` maps for `size`.
    safe fn allocprof_vmalloc_bytes(addr: *const core::ffi::c_void, size: usize) -> usize;
}

/// Bytes the slab allocator really hands out for a `kmalloc(size)`, what
/// `kmalloc_size_roundup()` returns, without calling it: the object size
/// of its kmalloc cache (from a table), or above the largest cache the
/// power-of-two number of pages the page allocator hands out
/// (`PAGE_SIZE << get_order(size)`).
///
/// It makes no call, so that the enabled path of a call site needs no
/// registers saved around it: the disabled path pays for that too.
#[inline(always)]
pub fn kmalloc_bytes(size: usize) -> usize {
    if size <= KMALLOC_TABLE_MAX {
        // SAFETY: the table is allocprof's, filled before any client can
        // load; `size.div_ceil(8)` is in bounds.
        let e = unsafe { allocprof_kmalloc_sizes.get_unchecked(size.div_ceil(8)) };
        e.load(Ordering::Relaxed) as usize
    } else if size <= KMALLOC_MAX_SIZE {
        // Above `PAGE_SIZE`, `PAGE_SIZE << get_order(size)` is the next
        // power of two.
        size.next_power_of_two()
    } else {
        // kmalloc fails here; `kmalloc_size_roundup()` returns the size.
        size
    }
}

/// Whether `addr` is in the vmalloc area: the kernel's
/// `is_vmalloc_addr()` (`VMALLOC_START <= addr < VMALLOC_END`), inline,
/// from bounds allocprof reads at load.
#[inline(always)]
pub fn is_vmalloc_addr(addr: *const u8) -> bool {
    let a = addr as usize;
    let [start, end] = &allocprof_vmalloc_area;
    a >= start.load(Ordering::Relaxed) && a < end.load(Ordering::Relaxed)
}

/// `size` rounded up to whole pages.
#[inline]
pub const fn page_align(size: usize) -> usize {
    let page = kernel::page::PAGE_SIZE;
    (size + page - 1) & !(page - 1)
}

/// Bytes the vmalloc area at `addr`, allocated for `size` bytes, maps:
/// whole pages, or 2 MiB multiples when it is mapped with huge pages
/// (kvmalloc's fallback asks for them).  What `/proc/vmallocinfo` shows
/// as `pages=`, without its guard page.
#[inline]
pub fn vmalloc_bytes(addr: *const u8, size: usize) -> usize {
    allocprof_vmalloc_bytes(addr.cast(), size)
}
