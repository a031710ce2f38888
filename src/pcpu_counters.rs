// SPDX-License-Identifier: GPL-2.0

//! The per-CPU counters of one call site, owned: allocated zeroed in
//! [`PcpuCounters::new`], summed over every possible CPU, freed on drop.

use crate::allocprof::counters::Counters;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{code::ENOMEM, Result};

extern "C" {
    /// Sums `c` over every possible CPU (src/glue.c).
    fn allocprof_counters_sum(c: *const Counters, bytes: *mut i64, calls: *mut i64);
}

/// A tag's live bytes and live allocations, summed over every CPU.
///
/// Signed: a free may land on another CPU than its allocation, so a sum
/// read while allocations and frees run can be transiently negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Totals {
    /// Live bytes.
    pub(crate) bytes: i64,
    /// Live allocations.
    pub(crate) calls: i64,
}

impl Totals {
    /// Nothing live.
    pub(crate) fn is_zero(&self) -> bool {
        self.bytes == 0 && self.calls == 0
    }
}

/// Owns one `struct allocprof_counters` per CPU.
pub(crate) struct PcpuCounters(NonNull<Counters>);

// SAFETY: per-CPU memory that any CPU may update and free.
unsafe impl Send for PcpuCounters {}

impl PcpuCounters {
    /// Zeroed counters.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: plain per-CPU allocation, zeroed.
        let c = unsafe {
            bindings::pcpu_alloc_noprof(
                core::mem::size_of::<Counters>(),
                core::mem::align_of::<Counters>(),
                false,
                bindings::GFP_KERNEL,
            )
        };
        NonNull::new(c.cast()).map(PcpuCounters).ok_or(ENOMEM)
    }

    /// The per-CPU address, for tags and charges.
    pub(crate) fn as_ptr(&self) -> *mut Counters {
        self.0.as_ptr()
    }

    /// The counters summed over every possible CPU.
    pub(crate) fn sum(&self) -> Totals {
        sum(self.as_ptr())
    }
}

impl Drop for PcpuCounters {
    fn drop(&mut self) {
        // SAFETY: allocated by `pcpu_alloc_noprof()`, owned by `self`.
        unsafe { bindings::free_percpu(self.0.as_ptr().cast()) };
    }
}

/// Sums per-CPU counters `c` (a tag's own, or the sink) over every
/// possible CPU.
pub(crate) fn sum(c: *const Counters) -> Totals {
    let mut t = Totals::default();
    // SAFETY: `c` is per-CPU counters that stay allocated during the call
    // (the caller owns them or holds the registry lock); reads are racy
    // but of whole 64-bit words, as `alloc_tag_read()` does.
    unsafe { allocprof_counters_sum(c, &mut t.bytes, &mut t.calls) };
    t
}
