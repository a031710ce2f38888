// SPDX-License-Identifier: GPL-2.0

//! Mutexes in statics: a kernel `struct mutex` that C defines
//! (`DEFINE_MUTEX()`, initialised at build time: Rust cannot initialise
//! one in a static) around data in a Rust static, with the
//! `mutex_trylock()` that the 6.12 `kernel::sync::Mutex` lacks (the OOM
//! report must not sleep).

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use kernel::bindings;
use kernel::types::Opaque;

extern "C" {
    /// The registry's lock (src/ffi/keys.c).
    static allocprof_registry_lock: Opaque<bindings::mutex>;
    /// The lock of the drop-in keys' switches (src/ffi/keys.c).
    static allocprof_dropin_keys_lock: Opaque<bindings::mutex>;
}

/// A `struct mutex` of allocprof's C glue, initialised at build time.
pub(crate) struct CMutex(*mut bindings::mutex);

// SAFETY: a kernel mutex is meant to be shared between tasks.
unsafe impl Sync for CMutex {}

/// The registry's lock.
pub(crate) static REGISTRY_LOCK: CMutex = CMutex(
    core::ptr::addr_of!(allocprof_registry_lock)
        .cast_mut()
        .cast(),
);

/// The lock of the drop-in keys' switches.
pub(crate) static DROPIN_KEYS_LOCK: CMutex = CMutex(
    core::ptr::addr_of!(allocprof_dropin_keys_lock)
        .cast_mut()
        .cast(),
);

/// `data`, reached only with `lock` held.  Two `Mutex`es on one lock would
/// only serialize each other.
pub(crate) struct Mutex<T> {
    lock: &'static CMutex,
    data: UnsafeCell<T>,
}

// SAFETY: the lock serializes every access to `data`.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// `data` behind `lock`.
    pub(crate) const fn new(lock: &'static CMutex, data: T) -> Self {
        Mutex {
            lock,
            data: UnsafeCell::new(data),
        }
    }

    /// Locks, sleeping until the mutex is free: process context only.
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        // SAFETY: a mutex C initialised; process context.
        unsafe { bindings::mutex_lock(self.lock.0) };
        Guard(self, PhantomData)
    }

    /// Locks if the mutex is free, without sleeping; `None` if it is not.
    pub(crate) fn try_lock(&self) -> Option<Guard<'_, T>> {
        // Not `then_some(Guard(self, PhantomData))`: that builds the guard, which
        // unlocks on drop, even when the mutex was not taken.
        // SAFETY: a mutex C initialised; `mutex_trylock()` never sleeps.
        if unsafe { bindings::mutex_trylock(self.lock.0) } != 0 {
            Some(Guard(self, PhantomData))
        } else {
            None
        }
    }
}

/// The locked mutex; unlocks on drop, in the task that locked it (a guard
/// is not `Send`).
pub(crate) struct Guard<'a, T>(&'a Mutex<T>, PhantomData<*mut ()>);

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.0.data.get() }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, and `&mut self` is unique.
        unsafe { &mut *self.0.data.get() }
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: locked by this guard's creation.
        unsafe { bindings::mutex_unlock(self.0.lock.0) };
    }
}
