// SPDX-License-Identifier: GPL-2.0

//! The Rust face of the C helpers (src/ffi/helpers.c, and the drop-in's
//! in src/dropin/) and of a few kernel functions: safe functions for those
//! that have no precondition, so that the logic files call kernel macros
//! and inline functions without `unsafe`.

use core::ffi::{c_int, c_uint, c_void, CStr};
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::error::{Error, Result};

// Declared safe: each of these C functions takes no pointer and has no
// precondition that a caller can break: each wraps a kernel macro, inline
// function or function that may be called in any context, or, where it may
// sleep (said below), in any context that may sleep, which is the caller's
// to keep (a sleeping call in atomic context is a bug the kernel reports, as
// with any kernel function that sleeps).  `jiffies` is a word the timer
// interrupt writes and that lives as long as the kernel.
unsafe extern "C" {
    /// `cond_resched()`: lets other tasks run.  Process context, holding
    /// no spinlock (a sleeping mutex is fine).
    #[link_name = "allocprof_cond_resched"]
    pub(crate) safe fn cond_resched();
    /// `synchronize_rcu()`: waits for every RCU read-side critical section
    /// running now, non-preemptible regions and interrupt handlers
    /// included.  May sleep.
    pub(crate) safe fn synchronize_rcu();
    safe fn allocprof_possible_cpus() -> c_uint;
    /// The kernel's `jiffies` (exported), written by the timer interrupt.
    #[link_name = "jiffies"]
    safe static kernel_jiffies: AtomicUsize;
    /// `mdelay(ms)`: a busy wait (test hooks, any context).
    #[link_name = "allocprof_mdelay"]
    pub(crate) safe fn mdelay(ms: c_uint);
    /// `msleep(ms)` where sleeping is allowed at all (not in interrupt
    /// context, interrupts on); else nothing (test hooks).
    #[link_name = "allocprof_test_msleep"]
    pub(crate) safe fn test_msleep(ms: u32);
    /// `jiffies_to_msecs(j)`.
    #[link_name = "allocprof_jiffies_to_msecs"]
    pub(crate) safe fn jiffies_to_msecs(j: usize) -> c_uint;
    /// Schedules the drop-in key check in a second
    /// (`schedule_delayed_work()`); any context.
    #[link_name = "allocprof_dropin_schedule_check"]
    pub(crate) safe fn dropin_schedule_check();
    /// Cancels a scheduled drop-in key check, waiting for one running
    /// (`cancel_delayed_work_sync()`); may sleep.
    #[link_name = "allocprof_dropin_flush_check"]
    pub(crate) safe fn dropin_flush_check();
    /// Whether allocprof's exit is running (its module state is
    /// `MODULE_STATE_GOING`): then no client module is loaded, as each
    /// holds a reference on allocprof.
    #[link_name = "allocprof_exiting"]
    pub(crate) safe fn exiting() -> bool;
    /// Whether the OOM report may print now: once every 5 s
    /// (`__ratelimit()`; it only try-locks, never sleeps).
    #[link_name = "allocprof_oom_ratelimit"]
    pub(crate) safe fn oom_ratelimit() -> bool;
    /// The bytes devres allocates for a devm object of `size` bytes:
    /// `kmalloc_size_roundup(sizeof(struct devres) + size)` (saturating).
    #[link_name = "allocprof_devres_bytes"]
    pub(crate) safe fn devres_bytes(size: usize) -> usize;
}

extern "C" {
    fn allocprof_proc_exists(path: *const kernel::ffi::c_char) -> c_int;
}

/// `num_possible_cpus()`.
pub(crate) fn possible_cpus() -> usize {
    allocprof_possible_cpus() as usize
}

/// `jiffies`: one load (what `READ_ONCE(jiffies)` compiles to).
#[inline(always)]
pub(crate) fn jiffies() -> usize {
    kernel_jiffies.load(Ordering::Relaxed)
}

/// Whether `path` exists under a procfs mount of allocprof's own
/// (`kern_mount()`), whatever the caller's mounts and mount namespace.
/// Process context.
pub(crate) fn proc_exists(path: &CStr) -> Result<bool> {
    // SAFETY: a NUL-terminated path relative to procfs' root.
    match unsafe { allocprof_proc_exists(path.to_bytes_with_nul().as_ptr().cast()) } {
        0 => Ok(false),
        1 => Ok(true),
        e => Err(Error::from_errno(e)),
    }
}

extern "C" {
    fn allocprof_devm_track(dev: *mut c_void, object: usize, gfp: c_uint) -> bool;
    fn allocprof_devm_untrack(dev: *mut c_void, object: usize);
    fn allocprof_devm_retrack(dev: *mut c_void, old: usize, object: usize) -> bool;
}

/// A device whose devres list a drop-in module's devm_ call uses: the
/// trackers of src/dropin/dropin_devres.c (a devres per recorded devm
/// object, released before the object at detach, which uncharges it).
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
