// SPDX-License-Identifier: GPL-2.0

//! Per-module views: `/sys/kernel/allocprof/modules/<module>/allocinfo`,
//! the rows of one registered module, in the format of `allocinfo`.
//!
//! A module's directory is created when it registers (with the registry
//! locked) and removed when it unregisters, with the registry unlocked:
//! the removal drains the file's open readers, whose `open` may be
//! waiting for the registry lock.  The files are `allocinfo`'s
//! ([`ModuleAllocinfo`]: a snapshot per open file; removal releases every
//! open file's).  Orphan rows belong to no view.

use crate::ffi::helpers;
use crate::ffi::module::NAME_MAX;
use crate::ffi::params;
use crate::ffi::sysfs::{Dir, File};
use crate::files::allocinfo::ModuleAllocinfo;
use crate::profiler::alloc_tag::{self, Views};
use core::ffi::CStr;
use kernel::error::Result;
use kernel::prelude::*;

/// `/sys/kernel/allocprof/modules`, installed in the registry as where
/// the views go; uninstalled (and removed, once no view is left) on drop.
pub(crate) struct ModulesDir(());

impl ModulesDir {
    /// Creates `modules` in `parent` (allocprof's directory); modules
    /// registering from now on get a view.
    pub(crate) fn create(parent: &Dir) -> Result<Self> {
        let dir = parent.subdir(c"modules")?;
        let old = alloc_tag::set_views(Some(Views {
            dir,
            create: create_view,
            remove: remove_view,
        }))?;
        // Unlocked.
        drop(old);
        Ok(ModulesDir(()))
    }
}

impl Drop for ModulesDir {
    fn drop(&mut self) {
        // Every view is gone: the modules unregistered before allocprof's
        // files go.  The directory goes with the views' maker, unlocked.
        drop(alloc_tag::set_views(None));
    }
}

/// Sleeps `test_view_delay_ms` (a test hook; process context here).
fn test_delay() {
    let delay = params::get().test_view_delay_ms;
    if delay != 0 {
        helpers::test_msleep(delay);
    }
}

/// Creates `<dir>/<name>/allocinfo` (called with the registry locked);
/// `None`, with a warning saying why, if it cannot be.
fn create_view(dir: &Dir, name: &[u8]) -> Option<File> {
    let shown = core::str::from_utf8(name).unwrap_or("?");
    let mut cname = [0u8; NAME_MAX];
    if name.is_empty() || name.len() >= NAME_MAX || name.contains(&0) {
        pr_warn!("{}: not a module name: no per-module view\n", shown);
        return None;
    }
    cname[..name.len()].copy_from_slice(name);
    let cname = CStr::from_bytes_with_nul(&cname[..=name.len()]).ok()?;
    // Exact: views are only created with the registry locked.
    if dir.contains(cname) {
        pr_warn!(
            "{}: modules/{} exists already (the view of an earlier registration not yet removed): no per-module view\n",
            shown,
            shown
        );
        return None;
    }
    // The registry stays locked meanwhile: the OOM report's test of a
    // contended registry.
    test_delay();
    let Ok(sub) = dir.subdir(cname) else {
        pr_warn!(
            "{}: cannot create modules/{}: no per-module view\n",
            shown,
            shown
        );
        return None;
    };
    match File::open::<ModuleAllocinfo>(&sub, 0o400, 0) {
        // The file holds the directory: both go when it is removed.
        Ok(file) => Some(file),
        Err(e) => {
            pr_warn!(
                "{}: cannot create modules/{}/allocinfo ({}): no per-module view\n",
                shown,
                shown,
                e.to_errno()
            );
            None // `sub` drops: the directory goes
        }
    }
}

/// Removes a view (with the registry unlocked).
fn remove_view(file: File) {
    test_delay();
    drop(file);
}
