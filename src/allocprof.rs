// SPDX-License-Identifier: GPL-2.0

//! allocprof: memory allocation profiling as a module.
//!
//! Every allocation call site made through allocprof's wrappers has a static
//! code tag in its module's `alloc_tags` section; the tags of allocprof and
//! of the client modules that register are listed, with their live bytes
//! and allocations, in `/sys/kernel/allocprof/allocinfo`.  The sysctl
//! `vm.mem_profiling` turns the accounting on and off.
//!
//! See Documentation/allocprof/ for the admin guide and the design.

use kernel::prelude::*;

mod alloc_tag;
mod allocinfo;
#[path = "api/mod.rs"]
pub mod allocprof;
mod codetag;
mod controls;
mod decimal;
mod dropin;
mod dropin_pages;
mod dropin_rust;
mod glue;
mod kmalloc_sizes;
mod kvec_ext;
mod module_views;
mod oom;
mod pcpu_counters;
mod ptr_table;
mod registry_mutex;
mod static_c;
mod sysctl;
mod tag_text;

pub use alloc_tag::{
    allocprof_dropin_register, allocprof_register_module, allocprof_unregister_module,
};
use allocprof::static_branch;
pub use dropin::{
    allocprof_dropin_alloc, allocprof_dropin_bytes, allocprof_dropin_free,
    allocprof_dropin_free_page, allocprof_dropin_kmalloc,
};
pub use dropin::{
    allocprof_dropin_devm_alloc, allocprof_dropin_devm_free, allocprof_dropin_devm_realloc,
};
pub use dropin_pages::{
    allocprof_dropin_pg_free, allocprof_dropin_pg_free_addr, allocprof_dropin_pg_free_exact,
    allocprof_dropin_pg_split,
};
pub use kmalloc_sizes::allocprof_kmalloc_sizes;

module! {
    type: AllocprofModule,
    name: "allocprof",
    author: "allocprof developers",
    description: "Memory allocation profiling for Rust and C modules",
    license: "GPL",
}

extern "C" {
    /// Module parameter `enabled` (src/glue.c).
    static allocprof_param_enabled: bool;
    /// Module parameter `debug` (src/glue.c).
    static allocprof_param_debug: bool;
}

/// The loaded module; fields drop in declaration order, the reverse of
/// their creation in `init`.
struct AllocprofModule {
    _oom: oom::OomReport,
    _sysctl: sysctl::MemProfilingSysctl,
    _own_tags: allocprof::Registration,
    _controls: controls::Controls,
    _views: module_views::ModulesDir,
    _file: allocinfo::AllocinfoFile,
    _registry: codetag::RegistryHandle<alloc_tag::AllocTags>,
    _dropin: dropin::Exit,
}

impl kernel::Module for AllocprofModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // SAFETY: module parameters are set before `init` and read-only.
        let (enabled, debug) = unsafe { (allocprof_param_enabled, allocprof_param_debug) };
        kmalloc_sizes::init();
        dropin_pages::init()?;
        dropin_rust::check_abi()?;
        let registry = alloc_tag::new_registry()?;
        let file = allocinfo::AllocinfoFile::create()?;
        let views = module_views::ModulesDir::create(file.kobj(), allocinfo::module_ops())?;
        let controls = controls::Controls::create(file.kobj())?;
        // After the views' directory: allocprof has a view too.
        let own_tags = allocprof::Registration::new(module)?;
        let sysctl = sysctl::MemProfilingSysctl::register(debug)?;
        let oom = oom::OomReport::register()?;
        static_branch::DEBUG.set(debug);
        dropin::set_profiling(enabled);
        Ok(AllocprofModule {
            _oom: oom,
            _sysctl: sysctl,
            _own_tags: own_tags,
            _controls: controls,
            _views: views,
            _file: file,
            _registry: registry,
            _dropin: dropin::Exit,
        })
    }
}
