// SPDX-License-Identifier: GPL-2.0

//! Notifier blocks on the kernel's module and OOM notifier chains, each
//! calling a safe Rust callback through a generic trampoline; unregistered
//! when dropped (which waits for a running call).

use crate::ffi::module::ModuleId;
use core::ffi::c_int;
use kernel::bindings;
use kernel::ffi::c_void;
use kernel::prelude::*;
use kernel::types::Opaque;

/// What the module notifier tells: a module is going (after its exit
/// returned, or after its init failed; `MODULE_STATE_GOING`).
pub(crate) trait ModuleGoing: 'static {
    /// `module` is going.
    fn going(module: ModuleId);
}

/// What the OOM notifier tells: the OOM killer is about to run
/// (`out_of_memory()`, for a global OOM).  The callback must not sleep.
pub(crate) trait OutOfMemory: 'static {
    /// The OOM killer is about to run.
    fn out_of_memory();
}

extern "C" {
    // mm/oom_kill.c, exported; not in the 6.12 bindings.
    fn register_oom_notifier(nb: *mut bindings::notifier_block) -> c_int;
    fn unregister_oom_notifier(nb: *mut bindings::notifier_block) -> c_int;
}

/// What the callbacks return: keep calling the chain.
const NOTIFY_DONE: c_int = bindings::NOTIFY_DONE as c_int;

/// The chain a [`Notifier`] is on.
#[derive(Clone, Copy)]
enum Chain {
    Module,
    Oom,
}

/// A registered notifier block; unregistered on drop.
pub(crate) struct Notifier {
    nb: KBox<Opaque<bindings::notifier_block>>,
    chain: Chain,
}

// SAFETY: the block is only handed to the chain's (un)registration, which
// locks.
unsafe impl Send for Notifier {}
// SAFETY: as above; nothing reads through `&Notifier`.
unsafe impl Sync for Notifier {}

/// A notifier callback.
type NotifierFn = unsafe extern "C" fn(*mut bindings::notifier_block, usize, *mut c_void) -> c_int;

impl Notifier {
    /// Calls `T::going` for every module going.
    pub(crate) fn module_going<T: ModuleGoing>() -> Result<Self> {
        Self::register(module_call::<T>, Chain::Module)
    }

    /// Calls `T::out_of_memory` before every global OOM kill.
    pub(crate) fn out_of_memory<T: OutOfMemory>() -> Result<Self> {
        Self::register(oom_call::<T>, Chain::Oom)
    }

    fn register(call: NotifierFn, chain: Chain) -> Result<Self> {
        let nb = KBox::new(
            Opaque::new(bindings::notifier_block {
                notifier_call: Some(call),
                ..Default::default()
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: the block lives in `nb`, whose heap memory stays put
        // until `drop` has unregistered it.
        kernel::error::to_result(unsafe {
            match chain {
                Chain::Module => bindings::register_module_notifier(nb.get()),
                Chain::Oom => register_oom_notifier(nb.get()),
            }
        })?;
        Ok(Notifier { nb, chain })
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        // SAFETY: registered in `register`; once this returns, no call is
        // running or will run (the chain's lock).
        unsafe {
            match self.chain {
                Chain::Module => bindings::unregister_module_notifier(self.nb.get()),
                Chain::Oom => unregister_oom_notifier(self.nb.get()),
            }
        };
    }
}

/// The module notifier's call: `MODULE_STATE_GOING` goes to `T`.
extern "C" fn module_call<T: ModuleGoing>(
    _nb: *mut bindings::notifier_block,
    action: usize,
    data: *mut c_void,
) -> c_int {
    if action == bindings::module_state_MODULE_STATE_GOING as usize {
        T::going(ModuleId::new(data));
    }
    NOTIFY_DONE
}

/// The OOM notifier's call.
extern "C" fn oom_call<T: OutOfMemory>(
    _nb: *mut bindings::notifier_block,
    _action: usize,
    _freed: *mut c_void,
) -> c_int {
    T::out_of_memory();
    NOTIFY_DONE
}
