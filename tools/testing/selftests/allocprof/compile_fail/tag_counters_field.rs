// SPDX-License-Identifier: GPL-2.0
// expect: field `counters` of struct `Tag` is private
//! A tag's counters pointer cannot be changed from safe code: a charge
//! would then write anywhere in per-CPU space.
use kernel::prelude::*;

#[path = "../../../../../src/api/mod.rs"]
pub mod allocprof;

module! {
    type: M,
    name: "tag_counters_field",
    license: "GPL",
}

struct M;

impl kernel::Module for M {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let t = crate::alloc_tag!();
        t.counters
            .store(0x1000 as *mut _, core::sync::atomic::Ordering::Relaxed);
        let _ = allocprof::Ref::charge(t, || 8);
        Ok(M)
    }
}
