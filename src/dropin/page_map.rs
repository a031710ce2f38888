// SPDX-License-Identifier: GPL-2.0

//! The page arithmetic of the drop-in mode: a `struct page`'s address from
//! its page's and back, as x86_64's `SPARSEMEM_VMEMMAP` computes them
//! (`virt_to_page()`, `page_address()`), without a call, from three words
//! src/dropin/dropin_pages.c sets at load and checks against the kernel's
//! own functions.

use core::ffi::c_void;
use kernel::bindings;
use kernel::page::PAGE_SIZE;

extern "C" {
    /// `PAGE_OFFSET`, `vmemmap` and `vmemmap - PAGE_OFFSET / SCALE`
    /// (src/dropin/dropin_pages.c), set by `allocprof_page_map_init()` at
    /// load, before any drop-in module can be, and read-only after: plain
    /// loads, which the compiler folds into the arithmetic.
    static allocprof_page_map: [usize; 3];
}

/// The size of a `struct page`.
const PAGE_STRUCT: usize = core::mem::size_of::<bindings::page>();

/// Page size over `struct page` size: `vmemmap` is to a `struct page`
/// what the direct map is to its page, scaled down by this.
const SCALE: usize = PAGE_SIZE / PAGE_STRUCT;
const _: () = assert!(SCALE * PAGE_STRUCT == PAGE_SIZE);

/// The `struct page` of the page-aligned direct-map address `addr`
/// (`virt_to_page()` of x86_64's `SPARSEMEM_VMEMMAP`, without a call):
/// `vmemmap + (addr - PAGE_OFFSET) / SCALE`, that is `addr / SCALE` plus
/// `vmemmap - PAGE_OFFSET / SCALE` (both addresses are multiples of
/// `PAGE_SIZE`, so the division is exact either way).
#[inline(always)]
pub(crate) fn page_of(addr: usize) -> *mut bindings::page {
    // SAFETY: set once at load, read-only after.
    let bias = unsafe { allocprof_page_map[2] };
    (addr / SCALE).wrapping_add(bias) as *mut _
}

/// The direct-map address of `page` (`page_address()`).
#[inline(always)]
pub(crate) fn addr_of(page: *const c_void) -> usize {
    // SAFETY: as in `page_of`.
    let [offset, vmemmap, _] = unsafe { allocprof_page_map };
    let pfn = (page as usize).wrapping_sub(vmemmap) / PAGE_STRUCT;
    offset.wrapping_add(pfn.wrapping_mul(PAGE_SIZE))
}

/// [`addr_of`], for the check of the arithmetic at load (src/dropin/dropin_pages.c).
#[no_mangle]
pub(crate) extern "C" fn allocprof_dropin_page_addr(page: *const c_void) -> usize {
    addr_of(page)
}

/// [`page_of`], for the check of the arithmetic at load (src/dropin/dropin_pages.c).
#[no_mangle]
pub(crate) extern "C" fn allocprof_dropin_addr_page(addr: usize) -> *mut bindings::page {
    page_of(addr)
}

extern "C" {
    fn allocprof_page_map_init() -> core::ffi::c_int;
}

/// Sets up and checks the page arithmetic (at load, before any drop-in
/// module can be).
pub(crate) fn init() -> kernel::error::Result {
    // SAFETY: a C function of allocprof, called once at load.
    kernel::error::to_result(unsafe { allocprof_page_map_init() })
}
