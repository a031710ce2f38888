// SPDX-License-Identifier: GPL-2.0

//! allocprof: reads, diffs and exports allocinfo tables of allocprof
//! (`/sys/kernel/allocprof/allocinfo`) and upstream Linux (`/proc/allocinfo`).
//!
//! The modules are in layers, each using only its own layer and those
//! below (tests/layers.rs checks it, and that no two modules use each
//! other, directly or through others):
//!
//! * types: `size`, `hash`, `table`;
//! * readers and writers: `parse`, `input`, `view`, `report`, `topview`,
//!   `export`, `pprof`, `openmetrics`, `snapshot`;
//! * commands: `diff`, `top`, `tui`;
//! * the roots: this file and `main.rs`.
//!
//! Layer: root.  Uses: `snapshot`, `table`.

pub mod diff;
pub mod export;
pub mod hash;
pub mod input;
pub mod openmetrics;
pub mod parse;
pub mod pprof;
pub mod report;
pub mod size;
pub mod snapshot;
pub mod table;
pub mod top;
pub mod topview;
pub mod tui;
pub mod view;

pub use snapshot::{snapshot_text, utc_timestamp};
pub use table::generate;
