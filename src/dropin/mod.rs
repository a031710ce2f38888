// SPDX-License-Identifier: GPL-2.0

//! The drop-in mode's kernel side (include/allocprof_dropin.h is the
//! module side; Documentation/allocprof/dropin.rst).
//!
//! Owns the pointer table of recorded objects, the hooks the header calls
//! (record, free, devm, mempools, pages; `extern "C"`, with the table the
//! place of this folder's `unsafe`), the page arithmetic, the frees key,
//! and the C of the mode (`dropin_*.c`: exports, devres trackers,
//! mempools, page frees).  Uses the kernel boundary (`ffi`) and the client
//! API (`allocprof`); the profiler core calls it when a drop-in module
//! registers or goes, the files read its untracked count and switch
//! profiling through it.

pub(crate) mod hooks;
/// The kernel crate's non-generic functions that allocate for a module
/// (`KNOWN_CALLS` of tools/allocprof-rs-dropin): audited on 6.12; on
/// another kernel none is wrapped (the Rust drop-in on 7.3 is issue 27),
/// so that allocprof itself builds there.
#[cfg(allocprof_kernel_6_12)]
pub(crate) mod kcalls;
#[cfg(not(allocprof_kernel_6_12))]
#[path = "kcalls_none.rs"]
pub(crate) mod kcalls;
pub(crate) mod page_map;
pub(crate) mod pages;
pub(crate) mod ptr_table;
pub(crate) mod rust;
