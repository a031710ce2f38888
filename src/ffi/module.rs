// SPDX-License-Identifier: GPL-2.0

//! A registered module and its tag section, as the registration C ABI
//! hands them in (`allocprof_register_module()`): raw pointers, checked and
//! wrapped once, so that the registry reads them in safe code.

use core::ptr::NonNull;
use kernel::bindings;
use kernel::types::Opaque;

/// A `struct module`, as the registration C ABI hands it in: allocprof
/// only points at it, and reads its name.
#[repr(transparent)]
pub(crate) struct Module(Opaque<bindings::module>);

/// Longest module name, with its NUL (`MODULE_NAME_LEN`: the size of
/// `struct module`'s `name`).
pub(crate) const NAME_MAX: usize = array_len(|m: &bindings::module| &m.name);

/// The length of the array a field accessor returns.
const fn array_len<const N: usize>(
    _field: fn(&bindings::module) -> &[kernel::ffi::c_char; N],
) -> usize {
    N
}

/// A module's identity, its address: compared, never followed (what the
/// module notifier and `allocprof_unregister_module()` name).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct ModuleId(usize);

impl ModuleId {
    /// The module at `module`.
    pub(crate) fn new<M>(module: *const M) -> Self {
        ModuleId(module as usize)
    }
}

/// Why a registration's section is refused.
pub(crate) enum Refused {
    /// Not a whole number of aligned tags.
    Malformed,
    /// No module (a null one).
    NoModule,
    /// Null bounds: the module's link did not bound its section (a
    /// module for 7.3 linked without alloc_tags.lds).
    Unbounded,
}

/// A live module and its section of tags `T`, `[start, start + count)`.
pub(crate) struct ModuleTags<T> {
    module: NonNull<Module>,
    start: NonNull<T>,
    count: usize,
}

// SAFETY: the module and its tags are only read, from any CPU, while the
// module is live.
unsafe impl<T: Sync> Send for ModuleTags<T> {}

impl<T> ModuleTags<T> {
    /// The module `module` and its tags `[start, stop)`; refused if a
    /// bound is null, then if the range is not a whole number of aligned
    /// `T`s, then if `module` is null.
    ///
    /// # Safety
    ///
    /// Unless null, `module` is a live module and `[start, stop)` a section
    /// of `T`s in its memory, both staying so until the value is dropped.
    pub(crate) unsafe fn new(
        module: *mut Module,
        start: *mut T,
        stop: *mut T,
    ) -> Result<Self, Refused> {
        // 6.12's scripts/module.lds defines the bounds of every module,
        // empty section or not; 7.3's none (alloc_tags.lds does).
        if start.is_null() || stop.is_null() {
            return Err(Refused::Unbounded);
        }
        let size = core::mem::size_of::<T>();
        let bytes = (stop as usize).checked_sub(start as usize).unwrap_or(1);
        let count = bytes / size;
        if count * size != bytes || (start as usize) % core::mem::align_of::<T>() != 0 {
            return Err(Refused::Malformed);
        }
        let module = NonNull::new(module).ok_or(Refused::NoModule)?;
        Ok(ModuleTags {
            module,
            start: NonNull::new(start).ok_or(Refused::Unbounded)?,
            count,
        })
    }

    /// The module's identity.
    pub(crate) fn id(&self) -> ModuleId {
        ModuleId::new(self.module.as_ptr())
    }

    /// The tags.
    pub(crate) fn tags(&self) -> &[T] {
        // SAFETY: `[start, start + count)` is the module's section of
        // aligned `T`s, live while `self` is (`new`'s contract).
        unsafe { core::slice::from_raw_parts(self.start.as_ptr(), self.count) }
    }

    /// The section's bounds, `[start, end)`.
    pub(crate) fn bounds(&self) -> (*const T, *const T) {
        let start = self.start.as_ptr().cast_const();
        (start, start.wrapping_add(self.count))
    }

    /// The module's name.
    pub(crate) fn name(&self) -> &[u8] {
        // SAFETY: a live module (`new`'s contract).
        let name = unsafe { &(*(*self.module.as_ptr()).0.get()).name };
        // A C string in its array: up to its NUL.
        let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        &name[..len]
    }
}
