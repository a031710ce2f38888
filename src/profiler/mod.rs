// SPDX-License-Identifier: GPL-2.0

//! The profiler core: the code-tag registry and the allocation tag type.
//!
//! Owns the registry of modules and their tags (after upstream's
//! lib/codetag.c), the allocation tag type that gives each tag its
//! counters and keeps the orphans (after lib/alloc_tag.c), the generation
//! counter and a tag's text.  Uses the drop-in's storage (`dropin`), the
//! kernel boundary (`ffi`) and the client API (`allocprof`); never the
//! files that show it (`files`).

pub(crate) mod abi;
pub(crate) mod alloc_tag;
pub(crate) mod codetag;
pub(crate) mod decimal;
pub(crate) mod tag_text;
