// SPDX-License-Identifier: GPL-2.0

//! The C ABI of registration, which client modules call
//! (`include/allocprof.h`, `Registration`, the drop-in header's
//! `init_module()`): `allocprof_register_module()`,
//! `allocprof_dropin_register()` and `allocprof_unregister_module()`,
//! exported by src/ffi/keys.c.  Their raw arguments are checked and
//! wrapped here, once (`ModuleTags`), under the contract the C caller
//! keeps.

use crate::allocprof::Tag;
use crate::dropin::hooks;
use crate::ffi::module::{Module, ModuleId, ModuleTags};
use crate::ffi::pcpu::NoRefs;
use crate::profiler::alloc_tag::AllocTags;
use crate::profiler::codetag;
use core::ffi::c_int;
use kernel::prelude::*;

/// Registers the tags `[start, stop)` of `module`.
///
/// # Safety
///
/// `module` is a live module and `[start, stop)` its tag section, both
/// alive until the module unregisters (or goes: the module notifier
/// unregisters it then).
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_register_module(
    module: *mut Module,
    start: *mut Tag,
    stop: *mut Tag,
) -> c_int {
    // SAFETY: per the function's contract.
    let section = unsafe { ModuleTags::new(module, start, stop) };
    match codetag::register::<AllocTags>(section, None) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Registers the tags `[start, stop)` of `module`, a drop-in module (its
/// objects are recorded in the pointer table); called by the module's
/// `init_module()` wrapper before its own init.  An error is logged: the
/// module then runs unprofiled.
///
/// # Safety
///
/// As for [`allocprof_register_module`]; the module charges its tags only
/// through the drop-in hooks (no `allocprof_ref`).
#[no_mangle]
pub(crate) unsafe extern "C" fn allocprof_dropin_register(
    module: *mut Module,
    start: *mut Tag,
    stop: *mut Tag,
) -> c_int {
    if !hooks::keeps_tags(start, stop) {
        // Never on x86_64, where modules live in the top 2 GiB.
        pr_warn!("drop-in module not registered: its tags are outside the module area\n");
        return EINVAL.to_errno();
    }
    // SAFETY: per the function's contract.
    let (section, no_refs) = unsafe { (ModuleTags::new(module, start, stop), NoRefs::new()) };
    match codetag::register::<AllocTags>(section, Some(no_refs)) {
        Ok(()) => 0,
        Err(e) => {
            pr_warn!(
                "drop-in module not registered ({}): its allocations are not profiled\n",
                e.to_errno()
            );
            e.to_errno()
        }
    }
}

/// Unregisters `module`'s tags, reporting those with live allocations
/// (only the module's address is used: a module that is not registered
/// changes nothing).
#[no_mangle]
pub(crate) extern "C" fn allocprof_unregister_module(module: *mut Module) {
    if let Err(e) = codetag::unregister::<AllocTags>(ModuleId::new(module)) {
        pr_warn!(
            "unregistering a module that is not registered ({})\n",
            e.to_errno()
        );
    }
}
