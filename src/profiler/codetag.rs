// SPDX-License-Identifier: GPL-2.0

//! The code-tag registry, after upstream's lib/codetag.c: the modules
//! whose tag section one tag type covers, and an iterator over their tags.
//! It knows nothing of what a tag counts; the tag type
//! ([`TagType`], implemented by `alloc_tag`) does.
//!
//! A module that registers and never unregisters (a C client that forgets
//! to, an init error path, a Rust client that leaks its `Registration`) is
//! unregistered when it goes away: the registry listens to the module
//! notifier and unregisters any registered module at
//! `MODULE_STATE_GOING`, as upstream's codetag does at module unload.

use crate::ffi::mutex::Mutex;
use core::ffi::{c_int, c_void, CStr};
use core::pin::Pin;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
use kernel::error::{code::EEXIST, code::EINVAL, code::ENOENT, Result};
use kernel::prelude::*;

/// What a tag type tells the registry (upstream's `codetag_type_desc`).
pub(crate) trait TagType: 'static {
    /// One tag, as laid out in the section.
    type Tag;
    /// What the type keeps across modules (orphaned rows, ...).
    type State: Send;
    /// What the type keeps for each registered module.
    type ModuleState: Send;
    /// What a registration says besides the module and its section.
    type LoadArgs;
    /// The ELF section holding the tags.
    const SECTION: &'static str;
    /// A module registers its tags; an error refuses the registration.
    fn module_load(
        state: &mut Self::State,
        m: &ModuleSection<Self::Tag>,
        args: Self::LoadArgs,
    ) -> Result<Self::ModuleState>;
    /// What an unregistration leaves to drop once the registry is
    /// unlocked (removals of sysfs files, which wait for their readers, who
    /// may be waiting for the registry lock).
    type Unloaded: Send;
    /// A module unregisters its tags (called with the registry locked).
    fn module_unload(
        state: &mut Self::State,
        m: &ModuleSection<Self::Tag>,
        data: Self::ModuleState,
    ) -> Self::Unloaded;
}

/// A registered module: its section and what its tag type keeps for it.
pub(crate) struct Entry<T: TagType> {
    /// The module's tags.
    pub(crate) section: ModuleSection<T::Tag>,
    /// The tag type's data for the module.
    pub(crate) data: T::ModuleState,
}

/// One module's tags, `[start, start + count)`.
pub(crate) struct ModuleSection<T> {
    module: *mut bindings::module,
    start: *const T,
    count: usize,
}

impl<T> ModuleSection<T> {
    /// The module's tags.
    pub(crate) fn tags(&self) -> &[T] {
        // SAFETY: `[start, start + count)` is the module's tag section,
        // alive while the module is registered.
        unsafe { core::slice::from_raw_parts(self.start, self.count) }
    }

    /// The section's bounds, `[start, end)`.
    pub(crate) fn bounds(&self) -> (*const T, *const T) {
        (self.start, self.start.wrapping_add(self.count))
    }

    /// The module's name.
    pub(crate) fn name(&self) -> &[u8] {
        // SAFETY: a registered module is alive; its name is a C string.
        unsafe { CStr::from_ptr((*self.module).name.as_ptr().cast()) }.to_bytes()
    }
}

/// The registry of one tag type.
pub(crate) struct Registry<T: TagType> {
    modules: KVec<Entry<T>>,
    state: T::State,
}

// SAFETY: the raw pointers name modules and their sections, alive while
// registered; the registry is only reached through its mutex.
unsafe impl<T: TagType> Send for Registry<T> {}

impl<T: TagType> Registry<T> {
    fn register(
        &mut self,
        module: *mut bindings::module,
        start: *const T::Tag,
        stop: *const T::Tag,
        args: T::LoadArgs,
    ) -> Result {
        let size = core::mem::size_of::<T::Tag>();
        let bytes = (stop as usize).checked_sub(start as usize).unwrap_or(1);
        let count = bytes / size;
        if count * size != bytes || (start as usize) % core::mem::align_of::<T::Tag>() != 0 {
            pr_err!("refusing a malformed {} section\n", T::SECTION);
            return Err(EINVAL);
        }
        if module.is_null() || self.position(module).is_some() {
            return Err(EEXIST);
        }
        let entry = ModuleSection {
            module,
            start,
            count,
        };
        self.modules.reserve(1, GFP_KERNEL)?;
        let data = T::module_load(&mut self.state, &entry, args)?;
        // Cannot fail: room was reserved.
        let _ = self.modules.push(
            Entry {
                section: entry,
                data,
            },
            GFP_KERNEL,
        );
        Ok(())
    }

    fn position(&self, module: *mut bindings::module) -> Option<usize> {
        self.modules.iter().position(|e| e.section.module == module)
    }

    /// Unregisters `module`; the caller drops the result after unlocking.
    fn unregister(&mut self, module: *mut bindings::module) -> Result<T::Unloaded> {
        let i = self.position(module).ok_or(ENOENT)?;
        let e = crate::ffi::kvec_ext::remove(&mut self.modules, i).ok_or(ENOENT)?;
        Ok(T::module_unload(&mut self.state, &e.section, e.data))
    }

    /// Every registered module, in registration order.
    pub(crate) fn modules(&self) -> &[Entry<T>] {
        &self.modules
    }

    /// The tag type's state.
    pub(crate) fn state(&self) -> &T::State {
        &self.state
    }

    /// The tag type's state, to change.
    pub(crate) fn state_mut(&mut self) -> &mut T::State {
        &mut self.state
    }
}

/// A registry while allocprof is loaded: clients reach it through its
/// type's static `slot`, the module notifier through `NOTIFIER`'s.
pub(crate) struct RegistryHandle<T: TagType> {
    registry: Pin<KBox<Mutex<Registry<T>>>>,
    slot: &'static AtomicPtr<Mutex<Registry<T>>>,
    notifier: Pin<KBox<Notifier<T>>>,
}

/// The module notifier of one registry.
#[repr(C)]
struct Notifier<T: TagType> {
    nb: bindings::notifier_block,
    slot: &'static AtomicPtr<Mutex<Registry<T>>>,
}

// SAFETY: the notifier block's pointers are only followed by the notifier
// chain, which locks.
unsafe impl<T: TagType> Send for Notifier<T> {}
// SAFETY: as above; nothing reads through `&Notifier`.
unsafe impl<T: TagType> Sync for Notifier<T> {}

impl<T: TagType> RegistryHandle<T> {
    /// Creates the registry, publishes it in `slot` and starts listening
    /// for modules going away.
    pub(crate) fn new(
        state: T::State,
        slot: &'static AtomicPtr<Mutex<Registry<T>>>,
    ) -> Result<Self> {
        let registry = KBox::pin_init(
            Mutex::new(Registry {
                modules: KVec::new(),
                state,
            }),
            GFP_KERNEL,
        )?;
        let mut notifier = KBox::pin(
            Notifier {
                nb: bindings::notifier_block {
                    notifier_call: Some(module_going::<T>),
                    ..Default::default()
                },
                slot,
            },
            GFP_KERNEL,
        )?;
        slot.store(
            core::ptr::from_ref(registry.as_ref().get_ref()).cast_mut(),
            Ordering::Release,
        );
        // SAFETY: the notifier block is pinned and unregistered in `drop`
        // before it is freed.
        let nb = unsafe { &mut notifier.as_mut().get_unchecked_mut().nb };
        // SAFETY: as above.
        if let Err(e) = kernel::error::to_result(unsafe { bindings::register_module_notifier(nb) })
        {
            slot.store(core::ptr::null_mut(), Ordering::Release);
            return Err(e);
        }
        Ok(RegistryHandle {
            registry,
            slot,
            notifier,
        })
    }
}

impl<T: TagType> Drop for RegistryHandle<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `new`; once this returns, no notifier call
        // is running or will run.
        unsafe {
            bindings::unregister_module_notifier(&mut self.notifier.as_mut().get_unchecked_mut().nb)
        };
        self.slot.store(core::ptr::null_mut(), Ordering::Release);
        loop {
            let unloaded = {
                let mut reg = self.registry.lock();
                let reg = &mut *reg;
                match crate::ffi::kvec_ext::pop(&mut reg.modules) {
                    Some(e) => T::module_unload(&mut reg.state, &e.section, e.data),
                    None => break,
                }
            };
            // Unlocked.
            drop(unloaded);
        }
    }
}

/// `MODULE_STATE_GOING`: unregisters the module if it is still registered.
///
/// # Safety
///
/// Called by the module notifier chain with `nb` inside a `Notifier<T>`
/// and `data` the module.
unsafe extern "C" fn module_going<T: TagType>(
    nb: *mut bindings::notifier_block,
    action: usize,
    data: *mut c_void,
) -> c_int {
    if action != bindings::module_state_MODULE_STATE_GOING as usize {
        return bindings::NOTIFY_DONE as c_int;
    }
    // SAFETY: `nb` is the first field of a live `Notifier<T>` (repr(C)).
    let slot = unsafe { (*nb.cast::<Notifier<T>>()).slot };
    // Not registered (the usual case: it unregistered itself): nothing.
    // What the unregistration leaves is dropped after the lock.
    drop(with_registry(slot, |r| r.unregister(data.cast())));
    bindings::NOTIFY_DONE as c_int
}

/// Runs `f` on the registry in `slot`, locked; `ENOENT` when allocprof is
/// not loaded.
pub(crate) fn with_registry<T: TagType, R>(
    slot: &AtomicPtr<Mutex<Registry<T>>>,
    f: impl FnOnce(&mut Registry<T>) -> Result<R>,
) -> Result<R> {
    let r = slot.load(Ordering::Acquire);
    if r.is_null() {
        return Err(ENOENT);
    }
    // SAFETY: the registry lives while allocprof is loaded, and a client
    // calling in holds a reference on allocprof (it uses its symbols); the
    // notifier is unregistered before the registry goes.
    let mut guard = unsafe { &*r }.lock();
    f(&mut guard)
}

/// Runs `f` on the registry in `slot` if its lock is free, without
/// sleeping; `None` if it is held (or allocprof is not loaded).
pub(crate) fn try_with_registry<T: TagType, R>(
    slot: &AtomicPtr<Mutex<Registry<T>>>,
    f: impl FnOnce(&Registry<T>) -> R,
) -> Option<R> {
    let r = slot.load(Ordering::Acquire);
    if r.is_null() {
        return None;
    }
    // SAFETY: as in `with_registry`.
    let guard = unsafe { &*r }.try_lock()?;
    Some(f(&guard))
}

/// Registers the tags `[start, stop)` of `module` in the registry in `slot`.
///
/// # Safety
///
/// `module` is a live module and `[start, stop)` its tag section.
pub(crate) unsafe fn register<T: TagType>(
    slot: &AtomicPtr<Mutex<Registry<T>>>,
    module: *mut bindings::module,
    start: *const T::Tag,
    stop: *const T::Tag,
    args: T::LoadArgs,
) -> Result {
    with_registry(slot, |r| r.register(module, start, stop, args))
}

/// Unregisters `module`'s tags from the registry in `slot`.
pub(crate) fn unregister<T: TagType>(
    slot: &AtomicPtr<Mutex<Registry<T>>>,
    module: *mut bindings::module,
) -> Result {
    let unloaded = with_registry(slot, |r| r.unregister(module))?;
    // Dropped with the registry unlocked.
    drop(unloaded);
    Ok(())
}
