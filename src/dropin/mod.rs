// SPDX-License-Identifier: GPL-2.0

//! The drop-in mode's kernel side (include/allocprof_dropin.h is the
//! module side; Documentation/allocprof/dropin.rst).
//!
//! Owns the pointer table of recorded objects, the hooks the header calls
//! (record, free, devm, mempools, pages) and the frees key.  Uses the
//! kernel boundary (`ffi`) and the client API (`allocprof`); the profiler
//! core calls it when a drop-in module registers or goes.

pub(crate) mod hooks;
pub(crate) mod page_map;
pub(crate) mod pages;
pub(crate) mod ptr_table;
