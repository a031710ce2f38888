// SPDX-License-Identifier: GPL-2.0

//! Per-CPU counters and the reference a live allocation keeps to them.
//!
//! The hot path updates the counters of the CPU it runs on with one
//! `%gs`-relative instruction per counter on x86_64 (what `this_cpu_add()`
//! compiles to): no lock, no atomic, no preemption toggling, no shared
//! cache line.

use crate::allocprof::static_branch;
use crate::allocprof::tag::Tag;
pub use crate::allocprof::tag::{sink, Counters};
use core::sync::atomic::Ordering;

/// Adds `bytes` and one call to the counters at per-CPU address `c` on
/// the current CPU (`sign` 1), or subtracts them (`sign` -1).
///
/// # Safety
///
/// `c` must be a per-CPU pointer to counters that stay allocated.
#[inline(always)]
unsafe fn this_cpu_update<const SIGN: i8>(c: *mut Counters, bytes: u64) {
    // SAFETY: per the function's contract `%gs:c` is this CPU's instance
    // of the counters; on x86_64 each instruction is one read-modify-write
    // that preemption cannot tear, which is all `this_cpu_add()`
    // guarantees; elsewhere the C fallback does `this_cpu_add(*pcp, val)`.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        if SIGN > 0 {
            core::arch::asm!(
                "addq {b}, %gs:({c})",
                "incq %gs:8({c})",
                c = in(reg) c,
                b = in(reg) bytes,
                options(att_syntax, nostack),
            );
        } else {
            core::arch::asm!(
                "subq {b}, %gs:({c})",
                "decq %gs:8({c})",
                c = in(reg) c,
                b = in(reg) bytes,
                options(att_syntax, nostack),
            );
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let (b, n) = if SIGN > 0 {
                (bytes, 1)
            } else {
                (bytes.wrapping_neg(), u64::MAX)
            };
            allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).bytes), b);
            allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).calls), n);
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
extern "C" {
    fn allocprof_this_cpu_add(pcp: *mut u64, val: u64);
}

/// Adds `delta` (two's complement for a subtraction) to the word at byte
/// offset `OFF` (a field's: `BYTES`, `CALLS`) of the counters at per-CPU
/// address `c` on the current CPU.
///
/// # Safety
///
/// As for `this_cpu_update`.
#[inline(always)]
unsafe fn this_cpu_add<const OFF: usize>(c: *mut Counters, delta: u64) {
    // SAFETY: as in `this_cpu_update`; `OFF` is the offset of a `u64`
    // field of the counters.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!(
            "addq {d}, %gs:{off}({c})",
            c = in(reg) c,
            d = in(reg) delta,
            off = const OFF,
            options(att_syntax, nostack),
        );
        #[cfg(not(target_arch = "x86_64"))]
        allocprof_this_cpu_add(c.cast::<u8>().add(OFF).cast(), delta);
    }
}

/// The offset of [`Counters::bytes`], for [`this_cpu_add`].
const BYTES: usize = core::mem::offset_of!(Counters, bytes);
/// The offset of [`Counters::calls`], for [`this_cpu_add`].
const CALLS: usize = core::mem::offset_of!(Counters, calls);

impl Tag {
    /// Adds `bytes` and one call to the counters this tag points at, on
    /// the current CPU (and to their totals while the cumulative counters
    /// are on), as a charge does, inside the non-preemptible region `_np`:
    /// an allocation recorded elsewhere than in a [`Ref`] (the drop-in's
    /// pointer table, which names the tag).
    #[inline(always)]
    pub fn charge_in(&self, _np: &NoPreempt, bytes: u64) {
        let c = self.counters();
        // SAFETY: `c` was loaded inside the region `_np`: the tag's
        // counters, freed only after a grace period that follows their
        // swap for the sink and waits for the region, or the sink, which
        // lives as long as allocprof.
        unsafe {
            this_cpu_update::<1>(c, bytes);
            if static_branch::cumulative_enabled() {
                this_cpu_add_totals(c, bytes);
            }
        }
    }

    /// Subtracts `bytes` and one call from the counters this tag points
    /// at, on the current CPU, inside the region `_np`: the free of what
    /// [`Tag::charge_in`] charged (to this tag's counters now: the sink if
    /// its module unregistered meanwhile).
    #[inline(always)]
    pub fn uncharge_in(&self, _np: &NoPreempt, bytes: u64) {
        // SAFETY: as in `charge_in`.
        unsafe { this_cpu_update::<-1>(self.counters(), bytes) };
    }

    /// Adds `bytes` and `calls` (negative ones subtract) to the counters
    /// this tag points at, on the current CPU, inside the region `_np`: a
    /// charge that changes size (the tail pages of a block freed while its
    /// first page is held), or is split (a block split into pages, each a
    /// call of its own, as upstream counts them).
    #[inline(always)]
    pub fn add_in(&self, _np: &NoPreempt, bytes: i64, calls: i64) {
        let c = self.counters();
        // SAFETY: as in `charge_in`.
        unsafe {
            if bytes != 0 {
                this_cpu_add::<BYTES>(c, bytes as u64);
            }
            if calls != 0 {
                this_cpu_add::<CALLS>(c, calls as u64);
            }
        }
    }
}

/// Adds `bytes` and one call to the cumulative totals of the counters at
/// per-CPU address `c` on the current CPU.
///
/// # Safety
///
/// As for `this_cpu_update`.
#[inline(always)]
unsafe fn this_cpu_add_totals(c: *mut Counters, bytes: u64) {
    // SAFETY: as in `this_cpu_update`; the totals are at offsets 16 and 24
    // (asserted in tag.rs and in src/ffi/keys.c).
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!(
            "addq {b}, %gs:16({c})",
            "incq %gs:24({c})",
            c = in(reg) c,
            b = in(reg) bytes,
            options(att_syntax, nostack),
        );
        #[cfg(not(target_arch = "x86_64"))]
        {
            allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).total_bytes), bytes);
            allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).total_calls), 1);
        }
    }
}

/// Keeps the current task on its CPU from the load of a tag's counters
/// pointer to the update of the counters, on kernels where a task can be
/// preempted anywhere (`CONFIG_PREEMPTION`): the region is then an RCU
/// read-side critical section, and `synchronize_rcu()` after a tag's
/// counters are swapped for the sink waits for every charge that loaded
/// the old pointer (see `ModuleCounters::detach`).  A `&NoPreempt` proves
/// that the region is on: only [`NoPreempt::enter`] makes one, and it
/// stays on the CPU (and in the task) that entered it.  Without
/// `CONFIG_PREEMPTION` no task is preempted inside the region and it costs
/// nothing.  Like `preempt_disable()`/`preempt_enable()`, but without the
/// tracing hooks, and the reschedule call hidden in the asm block so that
/// the compiler keeps no register live across it.
pub struct NoPreempt(core::marker::PhantomData<*mut ()>);

// Where x86_64 keeps this CPU's preempt count, the one difference here
// between the kernels allocprof is tested on, told by the kernel's own
// configuration (a client's build passes no flag of allocprof's):
//
// - 7.3 (`CONFIG_HAS_SEPARATE_PREEMPT_RESCHED_BITS`, which x86_64 selects
//   with a preempt count): `__preempt_count`, a 64-bit word whose top bit
//   is the inverted need-resched bit, so the decrement that tests it for
//   0 is 64-bit (`decq`), as `__preempt_count_dec_and_test()` does;
// - 6.12: `pcpu_hot.preempt_count`, 32 bits at offset 8 of the per-CPU
//   `struct pcpu_hot` (asserted below), the need-resched bit its top bit.
//
// `preempt_op!("inc")` is the instruction on this CPU's count.
#[cfg(all(CONFIG_PREEMPTION, target_arch = "x86_64"))]
extern "C" {
    /// The per-CPU word (7.3) or structure (6.12) of the preempt count.
    #[cfg_attr(
        CONFIG_HAS_SEPARATE_PREEMPT_RESCHED_BITS,
        link_name = "__preempt_count"
    )]
    #[cfg_attr(not(CONFIG_HAS_SEPARATE_PREEMPT_RESCHED_BITS), link_name = "pcpu_hot")]
    static preempt_count_base: u64;
    /// `preempt_schedule()` saving every register (arch/x86/entry/thunk.S).
    fn preempt_schedule_thunk();
}

#[cfg(all(
    CONFIG_PREEMPTION,
    target_arch = "x86_64",
    CONFIG_HAS_SEPARATE_PREEMPT_RESCHED_BITS
))]
macro_rules! preempt_op {
    ($op:literal) => {
        concat!($op, "q %gs:{pc}")
    };
}

#[cfg(all(
    CONFIG_PREEMPTION,
    target_arch = "x86_64",
    not(CONFIG_HAS_SEPARATE_PREEMPT_RESCHED_BITS)
))]
macro_rules! preempt_op {
    ($op:literal) => {
        concat!($op, "l %gs:{pc}+8")
    };
}

#[cfg(all(
    CONFIG_PREEMPTION,
    target_arch = "x86_64",
    not(CONFIG_HAS_SEPARATE_PREEMPT_RESCHED_BITS)
))]
const _: () = assert!(
    core::mem::offset_of!(
        kernel::bindings::pcpu_hot__bindgen_ty_1__bindgen_ty_1,
        preempt_count
    ) == 8
);

impl NoPreempt {
    /// Enters the region; it ends when the value drops.
    #[inline(always)]
    pub fn enter() -> NoPreempt {
        #[cfg(CONFIG_PREEMPTION)]
        // SAFETY: `__preempt_count_inc()` on x86_64: one per-CPU
        // increment of the preempt count (not `nomem`: the load of the counters pointer stays
        // after it); elsewhere `preempt_disable_notrace()`.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            core::arch::asm!(
                preempt_op!("inc"),
                pc = sym preempt_count_base,
                options(att_syntax, nostack, preserves_flags),
            );
            #[cfg(not(target_arch = "x86_64"))]
            allocprof_preempt_disable();
        }
        NoPreempt(core::marker::PhantomData)
    }
}

impl Drop for NoPreempt {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(CONFIG_PREEMPTION)]
        // SAFETY: `preempt_enable()`, pairing `enter`.  On x86_64 the
        // per-CPU decrement reaches 0 only when a reschedule is due (x86
        // folds the inverted need-resched bit into the count), then
        // `preempt_schedule_thunk`, which saves every register, as
        // `__preempt_schedule()` calls it; elsewhere
        // `preempt_enable_notrace()`.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            core::arch::asm!(
                preempt_op!("dec"),
                "jnz 2f",
                "call {sched}",
                "2:",
                pc = sym preempt_count_base,
                sched = sym preempt_schedule_thunk,
                options(att_syntax),
            );
            #[cfg(not(target_arch = "x86_64"))]
            allocprof_preempt_enable();
        }
    }
}

#[cfg(all(CONFIG_PREEMPTION, not(target_arch = "x86_64")))]
extern "C" {
    fn allocprof_preempt_disable();
    fn allocprof_preempt_enable();
}

/// The reference a live allocation keeps (`allocprof_ref`): the counters
/// it was charged to, [`Ref::EMPTY`] if it was made while profiling was
/// off, or [`Ref::NONE`] if allocprof never saw it.
///
/// Eight bytes per live allocation, kept in the owning handle: nothing is
/// stored inside the allocated object.
#[repr(transparent)]
#[derive(Debug, PartialEq, Eq)]
pub struct Ref(*mut Counters);

// SAFETY: a `Ref` names per-CPU counters that any CPU may update.
unsafe impl Send for Ref {}
// SAFETY: see `Send`; a shared `Ref` is only read.
unsafe impl Sync for Ref {}

impl Ref {
    /// No live charge: never seen by allocprof, or already uncharged.
    pub const NONE: Ref = Ref(core::ptr::null_mut());
    /// Allocated while profiling was off: nothing to subtract.  Address 1,
    /// as C's `ALLOCPROF_REF_EMPTY`: below every counters' address.
    pub const EMPTY: Ref = Ref(core::ptr::null_mut::<u8>().wrapping_add(1).cast());

    /// Charges `bytes()` and one call to `tag` if profiling is on.
    ///
    /// `bytes` runs only when profiling is on: a disabled profiler costs
    /// the static branch's NOP.  The returned reference must be given to
    /// [`Ref::uncharge`] with the same bytes when the allocation is freed.
    #[inline(always)]
    pub fn charge(tag: &'static Tag, bytes: impl FnOnce() -> usize) -> Ref {
        Self::charge_hooked(tag, false, bytes, || {})
    }

    /// [`Ref::charge`], except that nothing is charged if `skip` (tested
    /// only when profiling is on).
    #[inline(always)]
    pub fn charge_unless(tag: &'static Tag, skip: bool, bytes: impl FnOnce() -> usize) -> Ref {
        Self::charge_hooked(tag, skip, bytes, || {})
    }

    /// [`Ref::charge`] running `between` after the tag's counters pointer
    /// is loaded and before the counters are updated, with preemption
    /// off: a test hook that widens the window a concurrent
    /// unregistration must respect.  `charge` is this with an empty hook.
    #[doc(hidden)]
    #[inline(always)]
    pub fn charge_hooked(
        tag: &'static Tag,
        skip: bool,
        bytes: impl FnOnce() -> usize,
        between: impl FnOnce(),
    ) -> Ref {
        if static_branch::profiling_enabled() {
            if skip {
                return Ref::EMPTY;
            }
            let bytes = bytes() as u64;
            let _guard = NoPreempt::enter();
            let c = tag.counters();
            // allocprof needs rustc 1.87 for asm goto; the kernel's clippy
            // MSRV is older than `assert_unchecked()` (1.81).
            #[allow(clippy::incompatible_msrv)]
            // SAFETY: a tag's counters are its own or `allocprof_sink`,
            // never at address 0 or 1 (`Tag` keeps that invariant).
            // Telling the compiler lets it drop the "is it charged" test
            // of `uncharge` when both are inlined into one function.
            unsafe {
                core::hint::assert_unchecked(c as usize > Ref::EMPTY.0 as usize)
            };
            between();
            // SAFETY: `c` is the tag's per-CPU counters or the sink.  The
            // tag's own are freed only after `synchronize_rcu()` following
            // their swap for the sink, which waits for this non-preemptible
            // region; the sink lives as long as allocprof.
            unsafe {
                this_cpu_update::<1>(c, bytes);
                // The cumulative counters: a second static branch, a NOP
                // while they are off.
                if static_branch::cumulative_enabled() {
                    this_cpu_add_totals(c, bytes);
                }
            }
            return Ref(c);
        }
        Ref::EMPTY
    }

    /// Subtracts `bytes()` and one call from the counters this reference
    /// was charged to, whatever the state of profiling now, and forgets
    /// them: the reference becomes [`Ref::NONE`], as a C
    /// `allocprof_ref` becomes NULL.  `bytes` runs only for a charged
    /// reference.
    #[inline(always)]
    pub fn uncharge(&mut self, bytes: impl FnOnce() -> usize) {
        let c = core::mem::replace(self, Ref::NONE).0;
        if c as usize > Ref::EMPTY.0 as usize {
            // SAFETY: a charged reference names live per-CPU counters: they
            // outlive every allocation charged to them (see `Registration`).
            unsafe { this_cpu_update::<-1>(c, bytes() as u64) };
        } else if c.is_null() && static_branch::debug_enabled() {
            crate::allocprof::counters::debug_report(c"a free of something never accounted");
        }
    }

    /// Moves this allocation's charge from `old` bytes to `new` bytes, on
    /// the same counters (a reallocation keeps its tag).  The cumulative
    /// counters are left alone: they count the allocation once, at the
    /// size it was first charged.
    #[inline]
    pub fn recharge(&mut self, old: usize, new: usize) {
        let c = self.0;
        if c as usize > Ref::EMPTY.0 as usize {
            // SAFETY: as in `uncharge`.
            unsafe { this_cpu_add::<BYTES>(c, (new as u64).wrapping_sub(old as u64)) };
        }
    }

    /// Whether this allocation is charged to a call site.
    pub fn is_charged(&self) -> bool {
        self.0 as usize > Ref::EMPTY.0 as usize
    }
}

/// Prints a debug-check message once per module (parameter `debug=1`).
#[cold]
pub fn debug_report(what: &'static core::ffi::CStr) {
    use core::sync::atomic::AtomicBool;
    static ONCE: AtomicBool = AtomicBool::new(false);
    if !ONCE.swap(true, Ordering::Relaxed) {
        kernel::pr_warn!("allocprof debug: {}\n", what.to_str().unwrap_or("?"));
    }
}
