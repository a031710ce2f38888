// SPDX-License-Identifier: GPL-2.0

//! The registry's mutex: a kernel `struct mutex` around its data, as
//! `kernel::sync::Mutex`, plus the `mutex_trylock()` that the 6.12 one
//! lacks (the OOM report must not sleep).

use core::cell::UnsafeCell;
use core::marker::PhantomPinned;
use core::ops::{Deref, DerefMut};
use kernel::bindings;
use kernel::init::PinInit;
use kernel::prelude::*;
use kernel::types::Opaque;

extern "C" {
    /// `mutex_init()` (a macro: one lock class for the registry).
    fn allocprof_mutex_init(m: *mut bindings::mutex);
}

/// A mutex owning `T`.
#[pin_data]
pub(crate) struct Mutex<T> {
    #[pin]
    raw: Opaque<bindings::mutex>,
    #[pin]
    _pin: PhantomPinned,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex serializes every access to `data`.
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `data`.
    pub(crate) fn new(data: T) -> impl PinInit<Self> {
        pin_init!(Self {
            data: UnsafeCell::new(data),
            _pin: PhantomPinned,
            // SAFETY: `slot` is the pinned, uninitialised mutex.
            raw <- Opaque::ffi_init(|slot| unsafe { allocprof_mutex_init(slot) }),
        })
    }

    /// Locks, sleeping until the mutex is free.
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        // SAFETY: initialised in `new`; process context.
        unsafe { bindings::mutex_lock(self.raw.get()) };
        Guard(self)
    }

    /// Locks if the mutex is free, without sleeping; `None` if it is not.
    pub(crate) fn try_lock(&self) -> Option<Guard<'_, T>> {
        // Not `then_some(Guard(self))`: that builds the guard, which
        // unlocks on drop, even when the mutex was not taken.
        // SAFETY: initialised in `new`; `mutex_trylock()` never sleeps.
        if unsafe { bindings::mutex_trylock(self.raw.get()) } != 0 {
            Some(Guard(self))
        } else {
            None
        }
    }
}

/// The locked mutex; unlocks on drop.
pub(crate) struct Guard<'a, T>(&'a Mutex<T>);

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
        unsafe { bindings::mutex_unlock(self.0.raw.get()) };
    }
}
