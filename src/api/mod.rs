// SPDX-License-Identifier: GPL-2.0

//! The allocprof tagging API: code tags, the static branch, per-CPU
//! counters and tagged allocation wrappers.
//!
//! This module is compiled into allocprof itself and into every Rust client
//! module, which mounts it as `crate::allocprof`:
//!
//! ```ignore
//! #[path = "/path/to/allocprof/src/api/mod.rs"]
//! pub mod allocprof;
//! ```
//!
//! Each call site of the allocation macros ([`kmalloc!`](crate::kmalloc),
//! [`vmalloc!`](crate::vmalloc), [`pages!`](crate::pages), ...) gets its own
//! static [`Tag`] in the `alloc_tags` section of the module that contains it.
//! A module makes its tags visible with [`Registration`].

pub mod counters;
pub mod kbuf;
pub mod kvbuf;
pub mod pages;
pub mod registration;
pub mod static_branch;
pub mod tag;
pub mod tagged_box;
pub mod vbuf;

pub use counters::Ref;
pub use kbuf::KBuf;
pub use kvbuf::KvBuf;
pub use pages::Pages;
pub use registration::Registration;
pub use tag::Tag;
pub use tagged_box::TaggedBox;
pub use vbuf::VBuf;

/// GFP flags, as the kernel's C API takes them.
pub use kernel::bindings::gfp_t;
/// Normal kernel allocation: may sleep.
pub const GFP_KERNEL: gfp_t = kernel::bindings::GFP_KERNEL;
/// Allocation that must not sleep.
pub const GFP_ATOMIC: gfp_t = kernel::bindings::GFP_ATOMIC;
/// Zero the allocated memory.
pub const __GFP_ZERO: gfp_t = kernel::bindings::__GFP_ZERO;
/// No allocation-failure warning.
pub const __GFP_NOWARN: gfp_t = kernel::bindings::__GFP_NOWARN;

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
    static allocprof_kmalloc_sizes: [core::sync::atomic::AtomicU64; KMALLOC_TABLE_MAX / 8 + 1];
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
        e.load(core::sync::atomic::Ordering::Relaxed) as usize
    } else if size <= KMALLOC_MAX_SIZE {
        // Above `PAGE_SIZE`, `PAGE_SIZE << get_order(size)` is the next
        // power of two.
        size.next_power_of_two()
    } else {
        // kmalloc fails here; `kmalloc_size_roundup()` returns the size.
        size
    }
}

/// `size` rounded up to whole pages: what vmalloc maps.
#[inline]
pub const fn page_align(size: usize) -> usize {
    let page = kernel::bindings::PAGE_SIZE;
    (size + page - 1) & !(page - 1)
}
