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

use crate::ffi::kvec_ext;
use crate::ffi::module::{ModuleId, ModuleTags, Refused};
use crate::ffi::mutex::Mutex;
use crate::ffi::notifier::{self, Notifier};
use core::marker::PhantomData;
use kernel::error::{code::EBUSY, code::EEXIST, code::EINVAL, code::ENOENT, Result};
use kernel::prelude::*;

/// What a tag type tells the registry (upstream's `codetag_type_desc`).
pub(crate) trait TagType: 'static + Sized {
    /// One tag, as laid out in the section.
    type Tag;
    /// What the type keeps across modules (orphaned rows, ...).
    type State: Send;
    /// What the type keeps for each registered module, its section
    /// included.
    type Module: Send;
    /// What a registration says besides the module and its section.
    type LoadArgs;
    /// What an unregistration leaves to drop once the registry is
    /// unlocked (removals of sysfs files, which wait for their readers, who
    /// may be waiting for the registry lock).
    type Unloaded: Send;
    /// The ELF section holding the tags.
    const SECTION: &'static str;
    /// The registry of this type: `Some` while allocprof is loaded.
    fn registry() -> &'static Lock<Self>;
    /// A module registers its tags; an error refuses the registration.
    fn module_load(
        state: &mut Self::State,
        section: ModuleTags<Self::Tag>,
        args: Self::LoadArgs,
    ) -> Result<Self::Module>;
    /// The section of a registered module.
    fn section(m: &Self::Module) -> &ModuleTags<Self::Tag>;
    /// A module unregisters its tags (called with the registry locked).
    fn module_unload(state: &mut Self::State, m: Self::Module) -> Self::Unloaded;
}

/// Where the registry of a tag type lives: `None` while allocprof is not
/// loaded.
pub(crate) type Lock<T> = Mutex<Option<Registry<T>>>;

/// The registry of one tag type.
pub(crate) struct Registry<T: TagType> {
    modules: KVec<T::Module>,
    state: T::State,
}

impl<T: TagType> Registry<T> {
    fn register(
        &mut self,
        section: core::result::Result<ModuleTags<T::Tag>, Refused>,
        args: T::LoadArgs,
    ) -> Result {
        let section = match section {
            Ok(s) => s,
            Err(Refused::Malformed) => {
                pr_err!("refusing a malformed {} section\n", T::SECTION);
                return Err(EINVAL);
            }
            Err(Refused::NoModule) => return Err(EEXIST),
            Err(Refused::Unbounded) => {
                pr_err!(
                    "refusing a module whose {} section has no bounds: on 7.3, link it with allocprof's alloc_tags.lds\n",
                    T::SECTION
                );
                return Err(ENOEXEC);
            }
        };
        if self.position(section.id()).is_some() {
            return Err(EEXIST);
        }
        self.modules.reserve(1, GFP_KERNEL)?;
        let m = T::module_load(&mut self.state, section, args)?;
        // Cannot fail: room was reserved.
        let _ = self.modules.push(m, GFP_KERNEL);
        Ok(())
    }

    fn position(&self, module: ModuleId) -> Option<usize> {
        self.modules
            .iter()
            .position(|m| T::section(m).id() == module)
    }

    /// Unregisters `module`; the caller drops the result after unlocking.
    fn unregister(&mut self, module: ModuleId) -> Result<T::Unloaded> {
        let i = self.position(module).ok_or(ENOENT)?;
        let m = kvec_ext::remove(&mut self.modules, i).ok_or(ENOENT)?;
        Ok(T::module_unload(&mut self.state, m))
    }

    /// Every registered module, in registration order.
    pub(crate) fn modules(&self) -> &[T::Module] {
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

/// The registry of `T` while allocprof is loaded: created with it, it
/// listens for modules going away; dropped, it unregisters every module
/// left.
pub(crate) struct RegistryHandle<T: TagType> {
    notifier: Option<Notifier>,
    _type: PhantomData<T>,
}

/// The module notifier of the registry of `T`.
struct Going<T>(PhantomData<T>);

impl<T: TagType> notifier::ModuleGoing for Going<T> {
    fn going(module: ModuleId) {
        // Not registered (the usual case: it unregistered itself): nothing.
        // What the unregistration leaves is dropped after the lock.
        drop(with_registry::<T, _>(|r| r.unregister(module)));
    }
}

impl<T: TagType> RegistryHandle<T> {
    /// Creates the registry with `state` and starts listening for modules
    /// going away; `EBUSY` if it exists.
    pub(crate) fn new(state: T::State) -> Result<Self> {
        {
            let mut r = T::registry().lock();
            if r.is_some() {
                return Err(EBUSY);
            }
            *r = Some(Registry {
                modules: KVec::new(),
                state,
            });
        }
        match Notifier::module_going::<Going<T>>() {
            Ok(n) => Ok(RegistryHandle {
                notifier: Some(n),
                _type: PhantomData,
            }),
            Err(e) => {
                drop(T::registry().lock().take());
                Err(e)
            }
        }
    }
}

impl<T: TagType> Drop for RegistryHandle<T> {
    fn drop(&mut self) {
        // First: once this returns, no notifier call is running or will run.
        drop(self.notifier.take());
        let Some(mut reg) = T::registry().lock().take() else {
            return;
        };
        // Out of the lock, out of reach: what each unregistration leaves
        // drops with no lock held.
        while let Some(m) = kvec_ext::pop(&mut reg.modules) {
            drop(T::module_unload(&mut reg.state, m));
        }
    }
}

/// Runs `f` on the registry of `T`, locked; `ENOENT` when allocprof is not
/// loaded.
pub(crate) fn with_registry<T: TagType, R>(
    f: impl FnOnce(&mut Registry<T>) -> Result<R>,
) -> Result<R> {
    match &mut *T::registry().lock() {
        Some(r) => f(r),
        None => Err(ENOENT),
    }
}

/// Runs `f` on the registry of `T` if its lock is free, without sleeping;
/// `None` if it is held (or allocprof is not loaded).
pub(crate) fn try_with_registry<T: TagType, R>(f: impl FnOnce(&Registry<T>) -> R) -> Option<R> {
    T::registry().try_lock()?.as_ref().map(f)
}

/// Registers a module's tag `section` (or refuses it: see [`Refused`]) in
/// the registry of `T`.
pub(crate) fn register<T: TagType>(
    section: core::result::Result<ModuleTags<T::Tag>, Refused>,
    args: T::LoadArgs,
) -> Result {
    with_registry::<T, _>(|r| r.register(section, args))
}

/// Unregisters `module`'s tags from the registry of `T`.
pub(crate) fn unregister<T: TagType>(module: ModuleId) -> Result {
    let unloaded = with_registry::<T, _>(|r| r.unregister(module))?;
    // Dropped with the registry unlocked.
    drop(unloaded);
    Ok(())
}
