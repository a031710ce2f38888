// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/NAME/` with one write-only binary file, for the test modules
//! (`allocprof_test`'s `control`, `allocprof_bench`'s `run`).  Mounted by
//! each with `#[path = "sysfs_dir.rs"] mod sysfs_dir;`.

use core::ffi::CStr;
use kernel::bindings;
use kernel::error::{code::ENOMEM, to_result, Result};

/// A C structure in a static, never written after its initialization.
pub(crate) struct Shared<T>(pub(crate) T);
// SAFETY: never written after initialization.
unsafe impl<T> Sync for Shared<T> {}

/// `write` of a write-only binary file (`bin_attribute`).
pub(crate) type WriteFn = unsafe extern "C" fn(
    *mut bindings::file,
    *mut bindings::kobject,
    *mut bindings::bin_attribute,
    *mut kernel::ffi::c_char,
    bindings::loff_t,
    usize,
) -> isize;

// `struct attribute` has lockdep fields only with CONFIG_DEBUG_LOCK_ALLOC.
/// A write-only (0200) binary attribute named `name`: each `write(2)`
/// reaches `write` whole, with its offset.
#[allow(clippy::needless_update)]
pub(crate) const fn write_file(name: &'static CStr, write: WriteFn) -> bindings::bin_attribute {
    bindings::bin_attribute {
        attr: bindings::attribute {
            name: name.as_ptr().cast(),
            mode: 0o200,
            // SAFETY: all-zero is valid for the rest (lockdep keys included).
            ..unsafe { core::mem::zeroed() }
        },
        write: Some(write),
        // SAFETY: all-zero is a valid `bin_attribute`.
        ..unsafe { core::mem::zeroed() }
    }
}

/// `/sys/kernel/NAME/` and its file; removed on drop, which waits for
/// running `write` calls.
pub(crate) struct SysfsDir {
    kobj: *mut bindings::kobject,
}

// SAFETY: the kobject is only passed to sysfs calls that lock.
unsafe impl Send for SysfsDir {}
// SAFETY: no method reads through `&self`.
unsafe impl Sync for SysfsDir {}

impl SysfsDir {
    /// Creates `/sys/kernel/NAME/` holding `file`.
    pub(crate) fn new(
        name: &'static CStr,
        file: &'static Shared<bindings::bin_attribute>,
    ) -> Result<Self> {
        // SAFETY: `kernel_kobj` is `/sys/kernel`.
        let kobj = unsafe {
            bindings::kobject_create_and_add(name.as_ptr().cast(), bindings::kernel_kobj)
        };
        if kobj.is_null() {
            return Err(ENOMEM);
        }
        let dir = SysfsDir { kobj };
        // SAFETY: `kobj` is live and the attributes static.
        to_result(unsafe { bindings::sysfs_create_bin_file(kobj, &file.0) })?;
        Ok(dir)
    }
}

impl Drop for SysfsDir {
    fn drop(&mut self) {
        // SAFETY: the directory and its file go; removal waits for running
        // `write` calls.
        unsafe { bindings::kobject_put(self.kobj) };
    }
}
