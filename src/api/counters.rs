// SPDX-License-Identifier: GPL-2.0

//! Per-CPU counters and the reference a live allocation keeps to them.
//!
//! The hot path updates the counters of the CPU it runs on with one
//! `%gs`-relative instruction per counter on x86_64 (what `this_cpu_add()`
//! compiles to): no lock, no atomic, no preemption toggling, no shared
//! cache line.

use crate::allocprof::static_branch;
use crate::allocprof::tag::Tag;
use core::sync::atomic::Ordering;

/// The counters of one call site on one CPU (`struct allocprof_counters`).
#[repr(C)]
pub struct Counters {
    /// Live bytes; read as signed, as a free may land on another CPU.
    pub bytes: u64,
    /// Live allocations.
    pub calls: u64,
    /// Bytes charged since the last reset (cumulative counters; only
    /// charges add to it, only a reset lowers it).
    pub total_bytes: u64,
    /// Allocations charged since the last reset.
    pub total_calls: u64,
}

/// Adds `bytes` and one call to the counters at per-CPU address `c` on
/// the current CPU (`sign` 1), or subtracts them (`sign` -1).
///
/// # Safety
///
/// `c` must be a per-CPU pointer to counters that stay allocated.
#[inline(always)]
unsafe fn this_cpu_update<const SIGN: i8>(c: *mut Counters, bytes: u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: per the function's contract `%gs:c` is this CPU's instance
    // of the counters; each instruction is one read-modify-write that
    // preemption cannot tear, which is all `this_cpu_add()` guarantees.
    unsafe {
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
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: the C fallback does `this_cpu_add(*pcp, val)`.
    unsafe {
        let (b, n) = if SIGN > 0 {
            (bytes, 1)
        } else {
            (bytes.wrapping_neg(), u64::MAX)
        };
        allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).bytes), b);
        allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).calls), n);
    }
}

#[cfg(not(target_arch = "x86_64"))]
extern "C" {
    fn allocprof_this_cpu_add(pcp: *mut u64, val: u64);
}

/// Adds `delta` (two's complement for a subtraction) to the bytes of the
/// counters at per-CPU address `c` on the current CPU.
///
/// # Safety
///
/// As for `this_cpu_update`.
#[inline(always)]
unsafe fn this_cpu_add_bytes(c: *mut Counters, delta: u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as in `this_cpu_update`.
    unsafe {
        core::arch::asm!(
            "addq {d}, %gs:({c})",
            c = in(reg) c,
            d = in(reg) delta,
            options(att_syntax, nostack),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: as in `this_cpu_update`.
    unsafe {
        allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).bytes), delta)
    }
}

/// Adds `delta` (two's complement for a subtraction) to the calls of the
/// counters at per-CPU address `c` on the current CPU.
///
/// # Safety
///
/// As for `this_cpu_update`.
#[inline(always)]
unsafe fn this_cpu_add_calls(c: *mut Counters, delta: u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as in `this_cpu_update`.
    unsafe {
        core::arch::asm!(
            "addq {d}, %gs:8({c})",
            c = in(reg) c,
            d = in(reg) delta,
            options(att_syntax, nostack),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: as in `this_cpu_update`.
    unsafe {
        allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).calls), delta)
    }
}

/// Adds `delta` bytes (a negative one subtracts) to the counters at
/// per-CPU address `c` on the current CPU, and no call: a charge that
/// changes size (the tail pages of a block freed while its first page is
/// held).
///
/// # Safety
///
/// As for [`update`].
#[inline(always)]
pub unsafe fn add_bytes(c: *mut Counters, delta: i64) {
    if delta != 0 {
        // SAFETY: per the function's contract.
        unsafe { this_cpu_add_bytes(c, delta as u64) };
    }
}

/// Adds `delta` calls (a negative one subtracts) to the counters at
/// per-CPU address `c` on the current CPU, and no byte: a block split
/// into pages, each a call of its own, as upstream counts them.
///
/// # Safety
///
/// As for [`update`].
#[inline(always)]
pub unsafe fn add_calls(c: *mut Counters, delta: i64) {
    if delta != 0 {
        // SAFETY: per the function's contract.
        unsafe { this_cpu_add_calls(c, delta as u64) };
    }
}

/// Adds `bytes` and one call to the counters at per-CPU address `c` on the
/// current CPU (`ADD`), or subtracts them.
///
/// # Safety
///
/// `c` is a per-CPU pointer to counters that stay allocated during the
/// call (see [`NoPreempt`] for how unregistration waits for callers).
#[inline(always)]
pub unsafe fn update<const ADD: bool>(c: *mut Counters, bytes: u64) {
    // SAFETY: per the function's contract.
    unsafe {
        if ADD {
            this_cpu_update::<1>(c, bytes);
            // As a charge does: the totals too, when they are kept.
            if static_branch::cumulative_enabled() {
                this_cpu_add_totals(c, bytes);
            }
        } else {
            this_cpu_update::<-1>(c, bytes)
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
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as in `this_cpu_update`; the totals are at offsets 16 and 24
    // (asserted below and in src/glue.c).
    unsafe {
        core::arch::asm!(
            "addq {b}, %gs:16({c})",
            "incq %gs:24({c})",
            c = in(reg) c,
            b = in(reg) bytes,
            options(att_syntax, nostack),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: as in `this_cpu_update`.
    unsafe {
        allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).total_bytes), bytes);
        allocprof_this_cpu_add(core::ptr::addr_of_mut!((*c).total_calls), 1);
    }
}

const _: () = assert!(core::mem::offset_of!(Counters, total_bytes) == 16);
const _: () = assert!(core::mem::offset_of!(Counters, total_calls) == 24);

extern "C" {
    /// Counters of the tags of modules that have not registered
    /// (src/glue.c).  Written by every CPU through `this_cpu` operations,
    /// hence opaque: Rust never reads it as a plain `Counters`.
    static allocprof_sink: kernel::types::Opaque<Counters>;
}

/// Where an unregistered tag's counters point: charges land there unseen.
pub const fn sink() -> *mut Counters {
    // `Opaque<T>` is a transparent `UnsafeCell<T>`: its address is the
    // counters', and writing through it is allowed.
    core::ptr::addr_of!(allocprof_sink)
        .cast::<Counters>()
        .cast_mut()
}

/// Keeps the current task on its CPU from the load of a tag's counters
/// pointer to the update of the counters, on kernels where a task can be
/// preempted anywhere (`CONFIG_PREEMPTION`): the region is then an RCU
/// read-side critical section, and `synchronize_rcu()` after a tag's
/// counters are swapped for the sink waits for every charge that loaded
/// the old pointer (see `Registry::unregister`).  Without
/// `CONFIG_PREEMPTION` no task is preempted inside the region and it costs
/// nothing.  Like `preempt_disable()`/`preempt_enable()`, but without the
/// tracing hooks, and the reschedule call hidden in the asm block so that
/// the compiler keeps no register live across it.
pub struct NoPreempt;

#[cfg(all(CONFIG_PREEMPTION, target_arch = "x86_64"))]
extern "C" {
    /// The per-CPU hot data of x86 (`struct pcpu_hot`); `preempt_count`
    /// is at offset 8.
    static pcpu_hot: [u8; 64];
    /// `preempt_schedule()` saving every register (arch/x86/entry/thunk.S).
    fn preempt_schedule_thunk();
}

#[cfg(all(CONFIG_PREEMPTION, target_arch = "x86_64"))]
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
        #[cfg(all(CONFIG_PREEMPTION, target_arch = "x86_64"))]
        // SAFETY: `__preempt_count_inc()`: one per-CPU increment.  Not
        // `nomem`: the load of the counters pointer stays after it.
        unsafe {
            core::arch::asm!(
                "incl %gs:{pc}+8",
                pc = sym pcpu_hot,
                options(att_syntax, nostack, preserves_flags),
            );
        }
        #[cfg(all(CONFIG_PREEMPTION, not(target_arch = "x86_64")))]
        // SAFETY: `preempt_disable_notrace()`.
        unsafe {
            allocprof_preempt_disable()
        };
        NoPreempt
    }
}

impl Drop for NoPreempt {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(all(CONFIG_PREEMPTION, target_arch = "x86_64"))]
        // SAFETY: `preempt_enable()`: the per-CPU decrement reaches 0 only
        // when a reschedule is due (x86 folds the inverted need-resched
        // bit into the count), then `preempt_schedule_thunk`, which saves
        // every register, as `__preempt_schedule()` calls it.
        unsafe {
            core::arch::asm!(
                "decl %gs:{pc}+8",
                "jnz 2f",
                "call {sched}",
                "2:",
                pc = sym pcpu_hot,
                sched = sym preempt_schedule_thunk,
                options(att_syntax),
            );
        }
        #[cfg(all(CONFIG_PREEMPTION, not(target_arch = "x86_64")))]
        // SAFETY: `preempt_enable_notrace()`, pairing `enter`.
        unsafe {
            allocprof_preempt_enable()
        };
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
    /// Allocated while profiling was off: nothing to subtract.
    pub const EMPTY: Ref = Ref(1 as *mut Counters);

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
            unsafe { this_cpu_update::<1>(c, bytes) };
            // The cumulative counters: a second static branch, a NOP
            // while they are off.
            if static_branch::cumulative_enabled() {
                // SAFETY: as above, same region, same counters.
                unsafe { this_cpu_add_totals(c, bytes) };
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
            unsafe { this_cpu_add_bytes(c, (new as u64).wrapping_sub(old as u64)) };
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
