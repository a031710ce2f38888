// SPDX-License-Identifier: GPL-2.0
// expect: ok
//! The control case: the sound uses of the API build.
use kernel::prelude::*;

#[path = "../../../../../src/api/mod.rs"]
pub mod allocprof;

module! {
    type: M,
    name: "ok_baseline",
    license: "GPL",
}

struct M;

impl kernel::Module for M {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mut b = crate::kmalloc!(16, allocprof::GFP_KERNEL)?;
        b.fill(0)[0] = 1;
        let z = crate::kzalloc!(16, allocprof::GFP_KERNEL)?;
        // SAFETY: allocated zeroed.
        let _ = unsafe { z.as_slice() }[0];
        let _ = b.as_uninit()[0];
        Ok(M)
    }
}
