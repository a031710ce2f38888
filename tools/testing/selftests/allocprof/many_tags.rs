// SPDX-License-Identifier: GPL-2.0

// The body of the allocprof_many* modules, included by each after it
// defines `sites!`, which repeats its argument as many times as the module
// has tags.  Each `alloc_tag!()` is one tag in the module's `alloc_tags`
// section; none of them allocates.

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
    sites! {
        let _ = crate::alloc_tag!();
        n += 1;
    }
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
