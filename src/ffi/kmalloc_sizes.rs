// SPDX-License-Identifier: GPL-2.0

//! The kmalloc object size of every small allocation size, so that the hot
//! path of a charge is a table load rather than a `kmalloc_size_roundup()`
//! call.  Exported (by src/glue.c) to client modules.  Also sets the
//! bounds of the vmalloc area (`allocprof_vmalloc_area`, src/glue.c),
//! which the kvmalloc wrappers test inline for the same reason.

use crate::allocprof::sizes::KMALLOC_TABLE_MAX;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::bindings;

/// Entry `i` is `kmalloc_size_roundup(8 * i)`.
#[no_mangle]
pub(crate) static allocprof_kmalloc_sizes: [AtomicU64; KMALLOC_TABLE_MAX / 8 + 1] =
    [const { AtomicU64::new(0) }; KMALLOC_TABLE_MAX / 8 + 1];

extern "C" {
    /// Sets `allocprof_vmalloc_area` (src/glue.c).
    fn allocprof_vmalloc_area_init();
}

/// Fills the table from the running kernel's kmalloc caches, and the
/// vmalloc area's bounds.
pub(crate) fn init() {
    // SAFETY: runs once at load, before any client can read the bounds.
    unsafe { allocprof_vmalloc_area_init() };
    for (i, e) in allocprof_kmalloc_sizes.iter().enumerate() {
        // SAFETY: a pure function of its argument.
        let size = unsafe { bindings::kmalloc_size_roundup(i * 8) };
        e.store(size as u64, Ordering::Relaxed);
    }
}
