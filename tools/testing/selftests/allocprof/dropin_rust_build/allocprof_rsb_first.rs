// SPDX-License-Identifier: GPL-2.0

//! A Rust module whose Kbuild has the drop-in lines before its obj-m line:
//! one KBox kept while it is loaded, at the line it logs, and its file!().

use kernel::prelude::*;

module! {
    type: RsbFirst,
    name: "allocprof_rsb_first",
    description: "allocprof Rust drop-in: the lines before obj-m",
    license: "GPL",
}

struct RsbFirst {
    _held: KBox<[u64; 5]>,
}

impl kernel::Module for RsbFirst {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let line = line!() + 1;
        let held = KBox::new([1u64; 5], GFP_KERNEL)?;
        pr_info!("lines: held={}\n", line);
        pr_info!("file: {}\n", file!());
        Ok(RsbFirst { _held: held })
    }
}
