// SPDX-License-Identifier: GPL-2.0

//! allocprof_many_100: a client with 100 call-site tags, for the kselftests and
//! benchmarks of large allocinfo tables (body in many_tags.rs).

use kernel::prelude::*;

#[path = "../../../../src/api/mod.rs"]
pub mod allocprof;

module! {
    type: AllocprofMany,
    name: "allocprof_many_100",
    description: "allocprof client with 100 tags",
    license: "GPL",
}

macro_rules! sites {
    ($($body:tt)*) => {
        ten! { ten! { $($body)* } }
    };
}

include!("many_tags.rs");
