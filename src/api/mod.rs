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

/// Bytes the slab allocator really hands out for a `kmalloc(size)`: the
/// object size of its kmalloc cache, or whole pages above the largest cache.
#[inline]
pub fn kmalloc_bytes(size: usize) -> usize {
    // SAFETY: a pure function of its argument.
    unsafe { kernel::bindings::kmalloc_size_roundup(size) }
}

/// `size` rounded up to whole pages: what vmalloc maps.
#[inline]
pub const fn page_align(size: usize) -> usize {
    let page = kernel::bindings::PAGE_SIZE;
    (size + page - 1) & !(page - 1)
}
