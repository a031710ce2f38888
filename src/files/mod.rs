// SPDX-License-Identifier: GPL-2.0

//! What allocprof shows and takes from user space: `allocinfo` and the
//! per-module views, the switches and counters beside them, the sysctl
//! `vm.mem_profiling` and the OOM report.
//!
//! Uses the profiler core (`profiler`), the drop-in (`dropin`), the kernel
//! boundary (`ffi`) and the client API (`allocprof`); nothing below uses
//! these files.

pub(crate) mod allocinfo;
pub(crate) mod controls;
pub(crate) mod module_views;
pub(crate) mod oom;
pub(crate) mod sysctl;
