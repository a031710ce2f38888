// SPDX-License-Identifier: GPL-2.0

//! The kmalloc object size of every small allocation size, so that the hot
//! path of a charge is a table load rather than a `kmalloc_size_roundup()`
//! call.  Exported (by src/ffi/keys.c) to client modules.  Also sets the
//! bounds of the vmalloc area (`allocprof_vmalloc_area`, src/ffi/helpers.c),
//! which the kvmalloc wrappers test inline for the same reason.

use crate::allocprof::sizes::KMALLOC_TABLE_MAX;
use core::sync::atomic::{AtomicU64, Ordering};

/// Entry `i` is `kmalloc_size_roundup(8 * i)`.
#[no_mangle]
pub(crate) static allocprof_kmalloc_sizes: [AtomicU64; KMALLOC_TABLE_MAX / 8 + 1] =
    [const { AtomicU64::new(0) }; KMALLOC_TABLE_MAX / 8 + 1];

// Declared safe: neither takes a pointer: one is a pure function of its
// argument, the other stores the same two words (`WRITE_ONCE()`, which the
// wrappers read as atomics) whenever it runs.
unsafe extern "C" {
    /// Sets `allocprof_vmalloc_area` (src/ffi/helpers.c).
    safe fn allocprof_vmalloc_area_init();
    /// What kmalloc hands out for `size` bytes (mm/slab_common.c).
    safe fn kmalloc_size_roundup(size: usize) -> usize;
}

/// Fills the table from the running kernel's kmalloc caches, and the
/// vmalloc area's bounds.
pub(crate) fn init() {
    allocprof_vmalloc_area_init();
    for (i, e) in allocprof_kmalloc_sizes.iter().enumerate() {
        e.store(kmalloc_size_roundup(i * 8) as u64, Ordering::Relaxed);
    }
}
