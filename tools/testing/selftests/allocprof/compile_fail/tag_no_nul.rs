// SPDX-License-Identifier: GPL-2.0
// expect: must end with its only NUL byte
//! A tag whose strings lack their NUL terminator does not compile.
use kernel::prelude::*;

#[path = "../../../../../src/api/mod.rs"]
pub mod allocprof;

module! {
    type: M,
    name: "tag_no_nul",
    license: "GPL",
}

extern "C" fn name(len: &mut usize) -> *const kernel::ffi::c_char {
    *len = 1;
    c"f".as_ptr().cast()
}

#[used]
#[link_section = "alloc_tags"]
static TAG: allocprof::Tag = allocprof::Tag::new(b"mod", "file\0", 1, name);

struct M;

impl kernel::Module for M {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(M)
    }
}
