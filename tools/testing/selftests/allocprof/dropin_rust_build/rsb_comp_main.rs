// SPDX-License-Identifier: GPL-2.0

//! The one Rust crate of the composite module allocprof_rsb_comp: a KBox
//! and a KVec kept while it is loaded, at the lines it logs, and two
//! allocations of the kernel crate's functions for it (a `CString` of
//! `try_from_fmt`, a `Page`), whose sites a composite's object carries too.

use kernel::page::Page;
use kernel::prelude::*;
use kernel::str::CString;

module! {
    type: RsbComp,
    name: "allocprof_rsb_comp",
    description: "allocprof Rust drop-in: a composite Rust module",
    license: "GPL",
}

struct RsbComp {
    _held: KBox<[u64; 9]>,
    _vec: KVec<u32>,
    _name: CString,
    _page: Page,
}

impl kernel::Module for RsbComp {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let l_box = line!() + 1;
        let held = KBox::new([2u64; 9], GFP_KERNEL)?;
        let l_vec = line!() + 1;
        let vec = KVec::with_capacity(50, GFP_KERNEL)?;
        // 15 bytes and the NUL.
        let l_name = line!() + 1;
        let name = CString::try_from_fmt(format_args!("rsb-composite-{}", 1))?;
        let l_page = line!() + 1;
        let page = Page::alloc_page(GFP_KERNEL)?;
        pr_info!(
            "lines: box={} vec={} name={} page={}\n",
            l_box,
            l_vec,
            l_name,
            l_page
        );
        Ok(RsbComp {
            _held: held,
            _vec: vec,
            _name: name,
            _page: page,
        })
    }
}
