// SPDX-License-Identifier: GPL-2.0

//! The one Rust crate of the composite module allocprof_rsb_comp: a KBox
//! and a KVec kept while it is loaded, at the lines it logs.

use kernel::prelude::*;

module! {
    type: RsbComp,
    name: "allocprof_rsb_comp",
    author: "allocprof",
    description: "allocprof Rust drop-in: a composite Rust module",
    license: "GPL",
}

struct RsbComp {
    _held: KBox<[u64; 9]>,
    _vec: KVec<u32>,
}

impl kernel::Module for RsbComp {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let l_box = line!() + 1;
        let held = KBox::new([2u64; 9], GFP_KERNEL)?;
        let l_vec = line!() + 1;
        let vec = KVec::with_capacity(50, GFP_KERNEL)?;
        pr_info!("lines: box={} vec={}\n", l_box, l_vec);
        Ok(RsbComp {
            _held: held,
            _vec: vec,
        })
    }
}
