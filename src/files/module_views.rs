// SPDX-License-Identifier: GPL-2.0

//! Per-module views: `/sys/kernel/allocprof/modules/<module>/allocinfo`,
//! the rows of one registered module, in the format of `allocinfo`.
//!
//! A module's directory is created when it registers (with the registry
//! locked) and removed when it unregisters, with the registry unlocked:
//! the removal drains the file's open readers, whose `open` may be
//! waiting for the registry lock.  The files use the kernfs operations of
//! `allocinfo` (a snapshot per open file; removal calls `release` for
//! every open file), set up the same way (`allocprof_create_view_file()`).
//! Orphan rows belong to no view.

use crate::ffi::static_c::{self, Writable};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
use kernel::error::{code::ENOMEM, Result};
use kernel::ffi::c_char;
use kernel::prelude::*;

extern "C" {
    fn allocprof_create_view_file(
        kobj: *mut bindings::kobject,
        attr: *mut bindings::bin_attribute,
        ops: *const bindings::kernfs_ops,
        mode: bindings::umode_t,
    ) -> core::ffi::c_int;
    /// Module parameter `test_view_delay_ms` (src/glue.c).
    static allocprof_param_test_view_delay_ms: core::ffi::c_uint;
}

/// `/sys/kernel/allocprof/modules`, while it exists.
static PARENT: AtomicPtr<bindings::kobject> = AtomicPtr::new(core::ptr::null_mut());
/// The kernfs operations of the views' files.
static OPS: AtomicPtr<bindings::kernfs_ops> = AtomicPtr::new(core::ptr::null_mut());

/// Longest module name, with its NUL (`MODULE_NAME_LEN`: the size of
/// `struct module`'s `name`).
const NAME_MAX: usize = array_len(|m: &bindings::module| &m.name);

/// The length of the array a field accessor returns.
const fn array_len<const N: usize>(_field: fn(&bindings::module) -> &[c_char; N]) -> usize {
    N
}

/// The attribute of every view's file; its mode is set by
/// `allocprof_create_view_file()`, only with the registry locked.
static ATTR: Writable<bindings::bin_attribute> =
    Writable::new(static_c::bin_attribute(c"allocinfo"));

/// `/sys/kernel/allocprof/modules`; removed on drop.
pub(crate) struct ModulesDir {
    kobj: *mut bindings::kobject,
}

// SAFETY: the kobject pointer is only passed to sysfs calls that lock.
unsafe impl Send for ModulesDir {}
// SAFETY: no method reads through `&self`.
unsafe impl Sync for ModulesDir {}

impl ModulesDir {
    /// Creates `modules` in `parent`; views will use `ops`.
    pub(crate) fn create(
        parent: *mut bindings::kobject,
        ops: &'static bindings::kernfs_ops,
    ) -> Result<Self> {
        // SAFETY: `parent` is allocprof's live directory.
        let kobj = unsafe { bindings::kobject_create_and_add(c"modules".as_ptr().cast(), parent) };
        if kobj.is_null() {
            return Err(ENOMEM);
        }
        OPS.store(core::ptr::from_ref(ops).cast_mut(), Ordering::Release);
        PARENT.store(kobj, Ordering::Release);
        Ok(ModulesDir { kobj })
    }
}

impl Drop for ModulesDir {
    fn drop(&mut self) {
        PARENT.store(core::ptr::null_mut(), Ordering::Release);
        // SAFETY: created in `create`; every view is gone (the modules
        // unregistered before allocprof's files go).
        unsafe { bindings::kobject_put(self.kobj) };
    }
}

/// One module's view; removed on drop, which must run with the registry
/// unlocked.
pub(crate) struct ModuleView {
    kobj: *mut bindings::kobject,
}

// SAFETY: the kobject pointer is only passed to sysfs calls that lock.
unsafe impl Send for ModuleView {}

impl ModuleView {
    /// Creates `modules/<name>/allocinfo` (called with the registry
    /// locked); `None`, with a warning saying why, if it cannot be.
    pub(crate) fn create(name: &[u8]) -> Option<ModuleView> {
        let shown = core::str::from_utf8(name).unwrap_or("?");
        let parent = PARENT.load(Ordering::Acquire);
        if parent.is_null() {
            // allocprof's own tags register before its directory exists
            // only if its init order changes: nothing to warn about.
            return None;
        }
        let mut cname = [0u8; NAME_MAX];
        if name.is_empty() || name.len() >= NAME_MAX || name.contains(&0) {
            pr_warn!("{}: not a module name: no per-module view\n", shown);
            return None;
        }
        cname[..name.len()].copy_from_slice(name);
        // SAFETY: `parent` is live while `PARENT` holds it (the registry
        // lock orders this against `ModulesDir::drop`, which follows every
        // unregistration); `cname` is NUL-terminated.
        let existing = unsafe {
            bindings::kernfs_find_and_get_ns((*parent).sd, cname.as_ptr().cast(), core::ptr::null())
        };
        if !existing.is_null() {
            // SAFETY: the reference `kernfs_find_and_get_ns()` took.
            unsafe { bindings::kernfs_put(existing) };
            pr_warn!(
                "{}: modules/{} exists already (the view of an earlier registration not yet removed): no per-module view\n",
                shown,
                shown
            );
            return None;
        }
        // SAFETY: a module parameter, read-only after load.
        let delay = unsafe { allocprof_param_test_view_delay_ms };
        if delay != 0 {
            // The registry stays locked meanwhile: the OOM report's test
            // of a contended registry.
            // SAFETY: process context; the registry mutex sleeps.
            unsafe { bindings::msleep(delay) };
        }
        // SAFETY: as above; creating a name that does not exist (views
        // are only created with the registry locked).
        let kobj = unsafe { bindings::kobject_create_and_add(cname.as_ptr().cast(), parent) };
        if kobj.is_null() {
            pr_warn!(
                "{}: cannot create modules/{}: no per-module view\n",
                shown,
                shown
            );
            return None;
        }
        let view = ModuleView { kobj };
        let ops = OPS.load(Ordering::Acquire);
        // SAFETY: `kobj` is live, `ATTR` static (its mode written with the
        // registry locked), `ops` static.
        let ret = unsafe { allocprof_create_view_file(kobj, ATTR.get(), ops, 0o400) };
        if ret != 0 {
            pr_warn!(
                "{}: cannot create modules/{}/allocinfo ({}): no per-module view\n",
                shown,
                shown,
                ret
            );
            return None; // `view` drops: the directory goes
        }
        Some(view)
    }
}

impl Drop for ModuleView {
    fn drop(&mut self) {
        // SAFETY: a module parameter, read-only after load.
        let delay = unsafe { allocprof_param_test_view_delay_ms };
        if delay != 0 {
            // SAFETY: process context, no lock held (see the type).
            unsafe { bindings::msleep(delay) };
        }
        // SAFETY: removing the file drains its open files (calling
        // `release` for each), then the directory goes.
        unsafe {
            bindings::sysfs_remove_bin_file(self.kobj, ATTR.get());
            bindings::kobject_put(self.kobj);
        }
    }
}

/// The module name of a view's open file: the name of its directory.
///
/// # Safety
///
/// `of` is an open file of a view.
pub(crate) unsafe fn module_name<'a>(of: *mut bindings::kernfs_open_file) -> &'a [u8] {
    // SAFETY: a view's file lives in its module's directory, which is
    // never renamed; the name lives as long as the node, which the open
    // file pins.
    unsafe { core::ffi::CStr::from_ptr((*(*(*of).kn).parent).name.cast()) }.to_bytes()
}
