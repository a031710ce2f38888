// SPDX-License-Identifier: GPL-2.0

//! allocprof_many: a client with 10,000 call-site tags, for the kselftests
//! of large allocinfo tables.  Each `alloc_tag!()` below is one tag in this
//! module's `alloc_tags` section; none of them allocates.

use kernel::prelude::*;

#[path = "../../../../src/api/mod.rs"]
pub mod allocprof;

module! {
    type: AllocprofMany,
    name: "allocprof_many",
    author: "allocprof developers",
    description: "allocprof kselftest client with 10,000 tags",
    license: "GPL",
}

macro_rules! ten {
    ($($body:tt)*) => {
        $($body)* $($body)* $($body)* $($body)* $($body)*
        $($body)* $($body)* $($body)* $($body)* $($body)*
    };
}

/// The tags; returns how many there are.
#[inline(never)]
fn many_sites() -> usize {
    let mut n = 0;
    ten! { ten! { ten! { ten! {
        let _ = crate::alloc_tag!();
        n += 1;
    } } } }
    n
}

struct AllocprofMany {
    _reg: allocprof::Registration,
}

impl kernel::Module for AllocprofMany {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let reg = allocprof::Registration::new(module)?;
        pr_info!("{} call sites\n", many_sites());
        Ok(AllocprofMany { _reg: reg })
    }
}
