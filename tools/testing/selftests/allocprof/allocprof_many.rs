// SPDX-License-Identifier: GPL-2.0

//! allocprof_many: a client with 10,000 call-site tags, for the kselftests and
//! benchmarks of large allocinfo tables (body in many_tags.rs).

use kernel::prelude::*;

#[path = "../../../../src/api/mod.rs"]
pub mod allocprof;

module! {
    type: AllocprofMany,
    name: "allocprof_many",
    description: "allocprof client with 10000 tags",
    license: "GPL",
}

macro_rules! sites {
    ($($body:tt)*) => {
        ten! { ten! { ten! { ten! { $($body)* } } } }
    };
}

include!("many_tags.rs");
