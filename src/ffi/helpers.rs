// SPDX-License-Identifier: GPL-2.0

//! The Rust face of the C helpers (src/ffi/helpers.c, and the drop-in's
//! in src/dropin/) and of a few kernel functions: safe functions for those
//! that have no precondition, so that the logic files call kernel macros
//! and inline functions without `unsafe`.

use core::ffi::{c_int, c_uint, c_void, CStr};
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::error::{Error, Result};

extern "C" {
    fn allocprof_cond_resched();
    fn allocprof_possible_cpus() -> c_uint;
    fn allocprof_jiffies_to_msecs(j: usize) -> c_uint;
    fn allocprof_mdelay(ms: c_uint);
    fn allocprof_dropin_schedule_check();
    fn allocprof_test_msleep(ms: u32);
    fn allocprof_dropin_flush_check();
    fn allocprof_proc_exists(path: *const kernel::ffi::c_char) -> c_int;
    fn allocprof_oom_ratelimit() -> bool;
    fn allocprof_exiting() -> bool;
}

/// `cond_resched()`: lets other tasks run.  Process context only, holding
/// no spinlock (a sleeping mutex is fine).
pub(crate) fn cond_resched() {
    // SAFETY: `cond_resched()` has no precondition a caller of this
    // module can break: its callers hold sleeping locks at most.
    unsafe { allocprof_cond_resched() }
}

/// `synchronize_rcu()`: waits for every RCU read-side critical section
/// running now, non-preemptible regions and interrupt handlers included.
/// May sleep.
pub(crate) fn synchronize_rcu() {
    // SAFETY: no precondition but a sleepable context, which every caller
    // in allocprof has (registration, unregistration).
    unsafe { kernel::bindings::synchronize_rcu() }
}

/// `num_possible_cpus()`.
pub(crate) fn possible_cpus() -> usize {
    // SAFETY: reads the possible mask's weight.
    unsafe { allocprof_possible_cpus() as usize }
}

extern "C" {
    /// The kernel's `jiffies` (exported), written by the timer interrupt.
    #[link_name = "jiffies"]
    static kernel_jiffies: AtomicUsize;
}

/// `jiffies`: one load (what `READ_ONCE(jiffies)` compiles to).
#[inline(always)]
pub(crate) fn jiffies() -> usize {
    // SAFETY: a kernel variable that lives forever, only read here.
    unsafe { kernel_jiffies.load(Ordering::Relaxed) }
}

/// `mdelay(ms)`: a busy wait (test hooks, any context).
pub(crate) fn mdelay(ms: u32) {
    // SAFETY: no precondition.
    unsafe { allocprof_mdelay(ms) }
}

/// `msleep(ms)` where sleeping is allowed at all (not in interrupt
/// context, interrupts on); else nothing (a test hook).
pub(crate) fn test_msleep(ms: u32) {
    // SAFETY: the C function checks the context.
    unsafe { allocprof_test_msleep(ms) }
}

/// `jiffies_to_msecs(j)`.
pub(crate) fn jiffies_to_msecs(j: usize) -> u32 {
    // SAFETY: a pure function.
    unsafe { allocprof_jiffies_to_msecs(j) }
}

/// Schedules the drop-in key check in a second (`schedule_delayed_work()`);
/// any context.
pub(crate) fn dropin_schedule_check() {
    // SAFETY: `schedule_work()` is callable from any context.
    unsafe { allocprof_dropin_schedule_check() }
}

/// Cancels a scheduled drop-in key check, waiting for one running
/// (`cancel_delayed_work_sync()`); may sleep.
pub(crate) fn dropin_flush_check() {
    // SAFETY: called from allocprof's exit, which may sleep.
    unsafe { allocprof_dropin_flush_check() }
}

/// `msleep(ms)`: process context, holding no spinlock.
pub(crate) fn msleep(ms: u32) {
    // SAFETY: no precondition but a sleepable context, which every caller
    // in allocprof has (the creation and removal of per-module views).
    unsafe { kernel::bindings::msleep(ms) }
}

/// Whether `path` exists under a procfs mount of allocprof's own
/// (`kern_mount()`), whatever the caller's mounts and mount namespace.
/// Process context.
pub(crate) fn proc_exists(path: &CStr) -> Result<bool> {
    // SAFETY: a NUL-terminated path relative to procfs' root.
    match unsafe { allocprof_proc_exists(path.as_ptr().cast()) } {
        0 => Ok(false),
        1 => Ok(true),
        e => Err(Error::from_errno(e)),
    }
}

/// Whether allocprof's exit is running (its module state is
/// `MODULE_STATE_GOING`): then no client module is loaded, as each holds a
/// reference on allocprof.
pub(crate) fn exiting() -> bool {
    // SAFETY: reads allocprof's own module state.
    unsafe { allocprof_exiting() }
}

/// Whether the OOM report may print now: once every 5 s (`__ratelimit()`;
/// never sleeps).
pub(crate) fn oom_ratelimit() -> bool {
    // SAFETY: a ratelimit state of the glue's; `__ratelimit()` only
    // try-locks.
    unsafe { allocprof_oom_ratelimit() }
}

extern "C" {
    fn allocprof_devm_track(dev: *mut c_void, object: usize, gfp: c_uint) -> bool;
    fn allocprof_devm_untrack(dev: *mut c_void, object: usize);
    fn allocprof_devm_retrack(dev: *mut c_void, old: usize, object: usize) -> bool;
    fn allocprof_devres_bytes(size: usize) -> usize;
}

/// A device whose devres list a drop-in module's devm_ call uses: the
/// trackers of src/dropin/dropin_devres.c (a devres per recorded devm object, released
/// before the object at detach, which uncharges it).
pub(crate) struct Devres(*mut c_void);

impl Devres {
    /// # Safety
    ///
    /// `dev` is a `struct device` that stays alive while this value is
    /// used: the device a module just passed to a devm_ function.
    pub(crate) unsafe fn new(dev: *mut c_void) -> Self {
        Devres(dev)
    }

    /// Adds a tracker of `object` (allocated with `gfp`, the devm call's
    /// flags); whether it could be allocated.
    pub(crate) fn track(&self, object: usize, gfp: c_uint) -> bool {
        // SAFETY: a live device (`new`'s contract); the allocation flags
        // are the module's own for this context.
        unsafe { allocprof_devm_track(self.0, object, gfp) }
    }

    /// Releases the tracker of `object`, if there is one (its release
    /// uncharges `object`).
    pub(crate) fn untrack(&self, object: usize) {
        // SAFETY: a live device (`new`'s contract).
        unsafe { allocprof_devm_untrack(self.0, object) }
    }

    /// Points the tracker of `old`, if there is one, at `object`: whether
    /// there was one.
    pub(crate) fn retrack(&self, old: usize, object: usize) -> bool {
        // SAFETY: a live device (`new`'s contract).
        unsafe { allocprof_devm_retrack(self.0, old, object) }
    }
}

/// The bytes devres allocates for a devm object of `size` bytes:
/// `kmalloc_size_roundup(sizeof(struct devres) + size)` (saturating).
pub(crate) fn devres_bytes(size: usize) -> usize {
    // SAFETY: a pure function.
    unsafe { allocprof_devres_bytes(size) }
}
