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
    /// Sums the cumulative counters of `c` over every possible CPU.
    fn allocprof_counters_sum_totals(c: *const Counters, bytes: *mut u64, calls: *mut u64);
    /// Zeroes the cumulative counters of `c` on every possible CPU.
    fn allocprof_counters_reset_totals(c: *mut Counters);
}

/// A tag's cumulative counters, summed over every CPU: what was charged
/// since they were last reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Cumulative {
    /// Bytes charged.
    pub(crate) bytes: u64,
    /// Allocations charged.
    pub(crate) calls: u64,
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

    /// The cumulative counters summed over every possible CPU.
    pub(crate) fn sum_cumulative(&self) -> Cumulative {
        let mut t = Cumulative::default();
        // SAFETY: `self` owns the counters; racy reads of whole 64-bit
        // words, as in `sum`.
        unsafe { allocprof_counters_sum_totals(self.as_ptr(), &mut t.bytes, &mut t.calls) };
        t
    }

    /// Zeroes the cumulative counters on every possible CPU (the live ones
    /// are never reset).  A charge running meanwhile on another CPU may
    /// survive the reset or be lost (see `allocprof_counters_reset_totals()`
    /// in src/glue.c).
    pub(crate) fn reset_cumulative(&self) {
        // SAFETY: `self` owns the counters; plain word stores.
        unsafe { allocprof_counters_reset_totals(self.as_ptr()) };
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
