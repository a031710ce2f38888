// SPDX-License-Identifier: GPL-2.0

//! The per-CPU counters of call sites, and the protocol that keeps them
//! allocated while anything may reach them.
//!
//! A registered module's tags each point at counters of their own
//! ([`ModuleCounters::attach`]).  A charge loads its tag's counters
//! pointer and updates the counters in one region that cannot be preempted
//! (`Ref::charge`), and a live allocation keeps a reference to the
//! counters it was charged to (`Ref`), which its free subtracts from.  So
//! counters may be freed only once no tag points at them, no charge that
//! loaded them is in flight, and nothing is live on them:
//! [`ModuleCounters::detach`] points every tag back at the sink and waits
//! (`synchronize_rcu()`) for every such region, and a [`Detached`]
//! counters frees itself when dropped only if no live allocation can name
//! it: its calls sum to 0 (every charge adds a call, every free subtracts
//! one: with a sum read after the grace period, no allocation charged to it
//! is live), or its module charges without references (a drop-in module:
//! its objects are in the pointer table, which names tags), or allocprof
//! is exiting (no client module is loaded: each holds a reference on
//! allocprof).  Otherwise it is leaked.

use crate::allocprof::counters::Counters;
use crate::allocprof::Tag;
use crate::ffi::helpers;
use crate::ffi::module::ModuleTags;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{code::ENOMEM, Result};
use kernel::prelude::*;

extern "C" {
    /// Sums `c` over every possible CPU (src/ffi/helpers.c).
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

/// Owns one `struct allocprof_counters` per CPU.  Only this file makes,
/// owns and frees them (see the top of the file); the rest of allocprof
/// reads them through references.
pub(crate) struct PcpuCounters(NonNull<Counters>);

// SAFETY: per-CPU memory that any CPU may update and free.
unsafe impl Send for PcpuCounters {}

impl PcpuCounters {
    /// Zeroed counters.
    fn new() -> Result<Self> {
        // SAFETY: plain per-CPU allocation, zeroed.
        let c = unsafe {
            bindings::pcpu_alloc_noprof(
                core::mem::size_of::<Counters>(),
                core::mem::align_of::<Counters>(),
                false,
                crate::allocprof::GFP_KERNEL,
            )
        };
        NonNull::new(c.cast()).map(PcpuCounters).ok_or(ENOMEM)
    }

    /// The per-CPU address, for tags and charges.
    fn as_ptr(&self) -> *mut Counters {
        self.0.as_ptr()
    }

    /// The counters summed over every possible CPU.
    pub(crate) fn sum(&self) -> Totals {
        let mut t = Totals::default();
        // SAFETY: `self` owns the counters; reads are racy but of whole
        // 64-bit words, as `alloc_tag_read()` does.
        unsafe { allocprof_counters_sum(self.as_ptr(), &mut t.bytes, &mut t.calls) };
        t
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
    /// in src/ffi/helpers.c).
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

/// Says that a module charges its tags without references (`allocprof_ref`,
/// `Ref`): only through the drop-in hooks, whose pointer table names tags,
/// not counters.  Its counters may then be freed at its unregistration
/// whatever their sums.
pub(crate) struct NoRefs(());

impl NoRefs {
    /// # Safety
    ///
    /// The module this is given for charges its tags only through the
    /// drop-in hooks (`allocprof_dropin_register()`'s contract).
    pub(crate) unsafe fn new() -> Self {
        NoRefs(())
    }
}

/// A registered module's tags, each pointing at counters of its own.
pub(crate) struct ModuleCounters {
    section: ModuleTags<Tag>,
    /// One per tag, in section order; empty once detached.
    counters: KVec<PcpuCounters>,
    no_refs: bool,
}

impl ModuleCounters {
    /// Gives every tag of `section` zeroed counters of its own and points
    /// it at them (and clears its ` accurate:no` mark).  `no_refs`: see
    /// [`NoRefs`].
    pub(crate) fn attach(section: ModuleTags<Tag>, no_refs: Option<NoRefs>) -> Result<Self> {
        let tags = section.tags();
        let mut counters = KVec::with_capacity(tags.len(), GFP_KERNEL)?;
        for _ in tags {
            counters.push(PcpuCounters::new()?, GFP_KERNEL)?;
        }
        for (t, c) in tags.iter().zip(counters.iter()) {
            t.clear_inaccurate();
            // SAFETY: `c` is owned by the value returned, which frees it
            // only after `detach` has pointed the tag back at the sink and
            // waited for the charges in flight, and only if no live
            // allocation can name it (`Detached`).
            unsafe { t.swap_counters(c.as_ptr()) };
        }
        Ok(ModuleCounters {
            section,
            counters,
            no_refs: no_refs.is_some(),
        })
    }

    /// The module's section.
    pub(crate) fn section(&self) -> &ModuleTags<Tag> {
        &self.section
    }

    /// Every tag with its counters, in section order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Tag, &PcpuCounters)> {
        self.section.tags().iter().zip(self.counters.iter())
    }

    /// Points every tag back at the sink, then waits for every charge
    /// that may have loaded its counters (each runs in a non-preemptible
    /// region, or an interrupt handler: an RCU read-side critical section);
    /// the section and each tag with its counters, which no charge reaches
    /// any more.  Sleeps.
    pub(crate) fn detach(&mut self) -> (&ModuleTags<Tag>, impl Iterator<Item = (&Tag, Detached)>) {
        for t in self.section.tags() {
            t.point_at_sink();
        }
        helpers::synchronize_rcu();
        let no_refs = self.no_refs;
        let counters = core::mem::take(&mut self.counters);
        let this: &Self = self;
        let detached = this.section.tags().iter().zip(counters).map(move |(t, c)| {
            (
                t,
                Detached {
                    counters: Some(c),
                    no_refs,
                },
            )
        });
        (&this.section, detached)
    }
}

impl Drop for ModuleCounters {
    fn drop(&mut self) {
        if !self.counters.is_empty() {
            // Not detached (an error path): the counters free themselves
            // as `Detached` ones do.
            self.detach().1.for_each(drop);
        }
    }
}

/// Counters that no tag points at any more and no charge reaches, which
/// allocations may still be charged to: they only go down.  Freed when
/// dropped if no live allocation can name them (see the top of the file);
/// leaked otherwise.
pub(crate) struct Detached {
    counters: Option<PcpuCounters>,
    no_refs: bool,
}

impl core::ops::Deref for Detached {
    type Target = PcpuCounters;
    fn deref(&self) -> &PcpuCounters {
        match &self.counters {
            Some(c) => c,
            None => unreachable!("taken only by drop"),
        }
    }
}

impl Drop for Detached {
    fn drop(&mut self) {
        let Some(c) = self.counters.take() else {
            return;
        };
        if !(self.no_refs || c.sum().calls == 0 || helpers::exiting()) {
            core::mem::forget(c);
        }
    }
}
