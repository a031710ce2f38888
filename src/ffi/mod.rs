// SPDX-License-Identifier: GPL-2.0

//! The kernel boundary: allocprof's C glue and the safe Rust types around
//! it and around the kernel's C interfaces.
//!
//! Uses only the kernel crate and the client API's types (`allocprof`);
//! everything above uses it.

pub(crate) mod helpers;
pub(crate) mod kmalloc_sizes;
pub(crate) mod kvec_ext;
pub(crate) mod mutex;
pub(crate) mod pcpu;
pub(crate) mod static_c;
