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

// The crate's name, which the rows' function paths start with: 6.12's
// kbuild names a crate after its object (src/allocprof.o, --crate-name
// allocprof, which this matches), 7.3's after its source (module.rs).
#![crate_name = "allocprof"]

use kernel::prelude::*;

#[path = "api/mod.rs"]
pub mod allocprof;
mod dropin;
pub mod ffi;
mod files;
mod profiler;

use allocprof::static_branch;
use dropin::{hooks, page_map};
use ffi::{kmalloc_sizes, params};
use files::{allocinfo, controls, module_views, oom, sysctl};
use profiler::{alloc_tag, codetag};

module! {
    type: AllocprofModule,
    name: "allocprof",
    description: "Memory allocation profiling for Rust and C modules",
    license: "GPL",
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
    _dropin: hooks::Exit,
}

impl kernel::Module for AllocprofModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let params = params::get();
        kmalloc_sizes::init();
        page_map::init()?;
        dropin::rust::check_abi()?;
        dropin::kcalls::check_abi()?;
        let registry = alloc_tag::new_registry()?;
        let file = allocinfo::AllocinfoFile::create()?;
        let views = module_views::ModulesDir::create(file.dir())?;
        let controls = controls::Controls::create(file.dir())?;
        // After the views' directory: allocprof has a view too.
        let own_tags = allocprof::Registration::new(module)?;
        let sysctl = sysctl::MemProfilingSysctl::register(params.debug)?;
        let oom = oom::OomReport::register()?;
        static_branch::DEBUG.set(params.debug);
        hooks::set_profiling(params.enabled);
        Ok(AllocprofModule {
            _oom: oom,
            _sysctl: sysctl,
            _own_tags: own_tags,
            _controls: controls,
            _views: views,
            _file: file,
            _registry: registry,
            _dropin: hooks::Exit,
        })
    }
}
