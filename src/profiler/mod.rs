// SPDX-License-Identifier: GPL-2.0

//! The profiler core: owns the registry of modules and their tags (after
//! upstream's lib/codetag.c), the allocation tag type that gives each tag
//! its counters and keeps the orphans (after lib/alloc_tag.c), the
//! generation counter, a tag's text, and the registration C ABI
//! (`abi.rs`, the only file here with `unsafe`: its entry points wrap the
//! C caller's raw arguments once).  Uses the drop-in (`dropin`, told of
//! drop-in modules registering and going), the kernel boundary (`ffi`) and
//! the client API (`allocprof`); never the files that show it (`files`),
//! whose per-module views it makes and removes through the functions they
//! install (`alloc_tag::Views`).

pub(crate) mod abi;
pub(crate) mod alloc_tag;
pub(crate) mod codetag;
pub(crate) mod decimal;
pub(crate) mod tag_text;
