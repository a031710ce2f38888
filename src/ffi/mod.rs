// SPDX-License-Identifier: GPL-2.0

//! The kernel boundary: owns allocprof's C glue (keys.c: the statics only C
//! can initialise, the client ABI's exports; helpers.c: one-purpose helpers
//! around kernel macros) and the safe Rust types around it and around the
//! kernel's C interfaces: sysfs files, sysctl entries, notifiers, mutexes,
//! per-CPU counters and their lifetime, module sections, module
//! parameters; and the raw memory the 6.12 kernel crate does not wrap
//! (`KVec` removal, text written into uninitialised buffers).  Most of
//! allocprof's `unsafe` is here, each block behind a safe API.
//!
//! Uses only the kernel crate and the client API's types (`allocprof`);
//! everything above uses it.  `sysfs` uses only the kernel crate: the test
//! modules mount it too.

pub(crate) mod helpers;
pub(crate) mod kmalloc_sizes;
pub(crate) mod kvec_ext;
pub(crate) mod module;
pub(crate) mod mutex;
pub(crate) mod notifier;
pub(crate) mod params;
pub(crate) mod pcpu;
pub(crate) mod sysctl;
pub mod sysfs;
pub(crate) mod tagged_box;
pub(crate) mod text;
