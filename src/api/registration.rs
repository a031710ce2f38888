// SPDX-License-Identifier: GPL-2.0

//! Registering a module's `alloc_tags` section with allocprof.

use crate::allocprof::Tag;
use kernel::bindings;
use kernel::error::{to_result, Result};
use kernel::ThisModule;

// The bounds of this module's `alloc_tags` section.  scripts/module.lds
// defines `__start_alloc_tags`/`__stop_alloc_tags` at the final link; they
// are referenced weakly so that modpost, which sees the objects before
// that link, accepts them (it refuses strong undefined references).
core::arch::global_asm!(
    ".weak __start_alloc_tags",
    ".weak __stop_alloc_tags",
    ".pushsection .data, \"aw\"",
    ".balign 8",
    ".globl __allocprof_section_bounds",
    ".hidden __allocprof_section_bounds",
    "__allocprof_section_bounds:",
    ".quad __start_alloc_tags",
    ".quad __stop_alloc_tags",
    ".popsection",
);

// `struct module` has an empty arch part on x86_64; it is only passed by
// pointer here.
#[allow(improper_ctypes)]
extern "C" {
    fn allocprof_register_module(
        module: *mut bindings::module,
        start: *mut Tag,
        stop: *mut Tag,
    ) -> core::ffi::c_int;
}

// Declared safe: the bounds are written once, by the module loader, before
// any of the module's code runs; unregistration uses only the module's
// address (a module that is not registered changes nothing).
#[allow(improper_ctypes)]
unsafe extern "C" {
    safe static __allocprof_section_bounds: [*mut Tag; 2];
    safe fn allocprof_unregister_module(module: *mut bindings::module);
}

/// This module's tags, registered with allocprof for as long as it lives.
///
/// Dropping it unregisters them; each tag that still has live bytes is
/// reported and kept in the table (see Documentation/allocprof/design.rst).
pub struct Registration {
    module: &'static ThisModule,
}

impl Registration {
    /// Registers this module's `alloc_tags` section.
    pub fn new(module: &'static ThisModule) -> Result<Self> {
        let [start, stop] = __allocprof_section_bounds;
        // SAFETY: `[start, stop)` is this module's tag section, which lives
        // as long as the module; allocprof keeps it until unregistration.
        to_result(unsafe { allocprof_register_module(module.as_ptr(), start, stop) })?;
        Ok(Registration { module })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        allocprof_unregister_module(self.module.as_ptr());
    }
}
