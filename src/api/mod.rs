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
//!
//! In allocprof's tree this is the bottom layer: it uses nothing of
//! allocprof's other folders (it is the same source in every client), and
//! they all may use it.

pub mod buf;
pub mod counters;
pub mod pages;
pub mod registration;
pub mod sizes;
pub mod static_branch;
pub mod tag;
pub mod tagged_box;

pub use buf::{Buf, KBuf, KvBuf, VBuf};
pub use counters::Ref;
pub use pages::Pages;
pub use registration::Registration;
pub use sizes::{kmalloc_bytes, page_align, KMALLOC_TABLE_MAX};
pub use tag::Tag;
pub use tagged_box::{KeepsBoxRef, TaggedBox};

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
