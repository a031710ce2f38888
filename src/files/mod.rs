// SPDX-License-Identifier: GPL-2.0

//! What allocprof shows and takes from user space: owns `allocinfo` and
//! the per-module views, the switches and counters beside them, the sysctl
//! `vm.mem_profiling` and the OOM report, all in safe Rust on the layers
//! below: the profiler core (`profiler`), the drop-in (`dropin`), the
//! kernel boundary (`ffi`: sysfs files, the sysctl entry, the OOM notifier)
//! and the client API (`allocprof`).  Only the module glue uses them.

pub(crate) mod allocinfo;
pub(crate) mod controls;
pub(crate) mod module_views;
pub(crate) mod oom;
pub(crate) mod sysctl;
