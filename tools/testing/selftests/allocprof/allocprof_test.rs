// SPDX-License-Identifier: GPL-2.0

//! allocprof_test: the test client.

use kernel::prelude::*;

#[path = "../../../../src/api/mod.rs"]
pub mod allocprof;

module! {
    type: AllocprofTest,
    name: "allocprof_test",
    author: "allocprof developers",
    description: "allocprof test client",
    license: "GPL",
}

struct AllocprofTest {
    _reg: allocprof::Registration,
}

impl kernel::Module for AllocprofTest {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let reg = allocprof::Registration::new(module)?;
        let b = crate::kmalloc!(100, allocprof::GFP_KERNEL)?;
        drop(b);
        Ok(AllocprofTest { _reg: reg })
    }
}
