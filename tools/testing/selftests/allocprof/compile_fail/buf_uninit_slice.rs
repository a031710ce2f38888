// SPDX-License-Identifier: GPL-2.0
// expect: call to unsafe function `Buf::<B>::as_slice`
//! The contents of a kmalloc'd buffer are uninitialised: reading them as
//! bytes needs an unsafe promise.
use kernel::prelude::*;

#[path = "../../../../../src/api/mod.rs"]
pub mod allocprof;

module! {
    type: M,
    name: "buf_uninit_slice",
    license: "GPL",
}

struct M;

impl kernel::Module for M {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let b = crate::kmalloc!(16, allocprof::GFP_KERNEL)?;
        let s: &[u8] = b.as_slice();
        pr_info!("{}\n", s[0]);
        Ok(M)
    }
}
