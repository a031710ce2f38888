// SPDX-License-Identifier: GPL-2.0

//! The Rust face of src/glue.c's one-purpose helpers: safe functions for
//! those that have no precondition, so that the logic files call kernel
//! macros and inline functions without `unsafe`.

use core::ffi::c_uint;
use core::sync::atomic::{AtomicUsize, Ordering};

extern "C" {
    fn allocprof_cond_resched();
    fn allocprof_possible_cpus() -> c_uint;
    fn allocprof_jiffies_to_msecs(j: usize) -> c_uint;
    fn allocprof_mdelay(ms: c_uint);
    fn allocprof_dropin_schedule_check();
    fn allocprof_test_msleep(ms: u32);
    fn allocprof_dropin_flush_check();
    fn allocprof_dropin_keys_lock();
    fn allocprof_dropin_keys_unlock();
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

/// Runs `f` holding the mutex of the drop-in keys' switches; may sleep.
pub(crate) fn with_dropin_keys<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: a mutex of the glue, taken and released here, never nested.
    unsafe { allocprof_dropin_keys_lock() };
    let r = f();
    // SAFETY: taken above.
    unsafe { allocprof_dropin_keys_unlock() };
    r
}
