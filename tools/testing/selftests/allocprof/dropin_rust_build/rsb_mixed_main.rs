// SPDX-License-Identifier: GPL-2.0

//! The Rust crate of the composite module allocprof_rsb_mixed, whose other
//! object is C (rsb_mixed_c.c): a KBox kept while it is loaded, and an
//! object of the C file's, both at the lines they log.

use kernel::prelude::*;

module! {
    type: RsbMixed,
    name: "allocprof_rsb_mixed",
    description: "allocprof Rust drop-in: a Rust crate and a C file in one module",
    license: "GPL",
}

extern "C" {
    fn rsb_mixed_c_alloc() -> i32;
    fn rsb_mixed_c_free();
}

struct RsbMixed {
    _held: KBox<[u64; 20]>,
}

impl kernel::Module for RsbMixed {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let line = line!() + 1;
        let held = KBox::new([3u64; 20], GFP_KERNEL)?;
        pr_info!("lines: box={}\n", line);
        // SAFETY: a C function of this module, without arguments.
        let c = unsafe { rsb_mixed_c_alloc() };
        if c != 0 {
            return Err(ENOMEM);
        }
        Ok(RsbMixed { _held: held })
    }
}

impl Drop for RsbMixed {
    fn drop(&mut self) {
        // SAFETY: frees what rsb_mixed_c_alloc() allocated (or nothing).
        unsafe { rsb_mixed_c_free() };
    }
}
