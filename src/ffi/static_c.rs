// SPDX-License-Identifier: GPL-2.0

//! C structures that live in statics for the kernel to read: kernfs
//! operations, sysfs attributes.

use core::cell::UnsafeCell;
use core::ffi::CStr;
use kernel::bindings;
use kernel::ffi::c_char;

/// A C structure in a static, never written after its initialization.
pub(crate) struct Shared<T>(pub(crate) T);
// SAFETY: never written after initialization; the kernel only reads it.
unsafe impl<T> Sync for Shared<T> {}

/// A C structure in a static that C code writes (a sysfs attribute whose
/// mode the glue sets before the file exists).
pub(crate) struct Writable<T>(UnsafeCell<T>);
// SAFETY: written only by the glue while no file uses it, serialized by
// its users (allocprof's init, the registry lock); read by sysfs.
unsafe impl<T> Sync for Writable<T> {}

impl<T> Writable<T> {
    /// Wraps `v`.
    pub(crate) const fn new(v: T) -> Self {
        Writable(UnsafeCell::new(v))
    }

    /// The structure, for the C functions that take it.
    pub(crate) fn get(&self) -> *mut T {
        self.0.get()
    }
}

/// sysfs's read of a binary attribute whose kernfs operations allocprof
/// replaces before the file can be opened (src/glue.c,
/// `allocprof_create_file()`): never called.  sysfs wants one to make the
/// file readable.
extern "C" fn never_read(
    _f: *mut bindings::file,
    _k: *mut bindings::kobject,
    _a: *mut bindings::bin_attribute,
    _b: *mut c_char,
    _o: bindings::loff_t,
    _c: usize,
) -> isize {
    kernel::error::code::EIO.to_errno() as isize
}

/// A binary attribute named `name` for `allocprof_create_file()` (which
/// sets its mode).
// `struct attribute` has lockdep fields only with CONFIG_DEBUG_LOCK_ALLOC.
#[allow(clippy::needless_update)]
pub(crate) const fn bin_attribute(name: &'static CStr) -> bindings::bin_attribute {
    bindings::bin_attribute {
        attr: bindings::attribute {
            name: name.as_ptr().cast(),
            // SAFETY: all-zero is valid for the rest (lockdep keys included).
            ..unsafe { core::mem::zeroed() }
        },
        read: Some(never_read),
        // SAFETY: all-zero is a valid `bin_attribute`.
        ..unsafe { core::mem::zeroed() }
    }
}
