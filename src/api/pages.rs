// SPDX-License-Identifier: GPL-2.0

//! Tagged page allocations: `alloc_pages`, `free_pages`.

use crate::allocprof::{gfp_t, Ref, Tag};
use kernel::bindings;
use kernel::error::{code::EINVAL, code::ENOMEM, Result};
use kernel::page::PAGE_SIZE;

/// `2^order` contiguous pages charged to the call site that allocated
/// them: `PAGE_SIZE << order` bytes.
pub struct Pages {
    addr: usize,
    order: u32,
    aref: Ref,
}

/// Orders above this are refused (the buddy allocator's limit).
pub const MAX_ORDER: u32 = bindings::MAX_PAGE_ORDER;

impl Pages {
    /// `alloc_pages(flags, order)` charged to `tag`; use [`pages!`](crate::pages).
    #[inline(always)]
    pub fn alloc(tag: &'static Tag, order: u32, flags: gfp_t) -> Result<Pages> {
        if order > MAX_ORDER {
            return Err(EINVAL);
        }
        // SAFETY: plain allocation.
        let addr = unsafe { bindings::get_free_pages_noprof(flags, order) } as usize;
        if addr == 0 {
            return Err(ENOMEM);
        }
        Ok(Pages {
            addr,
            order,
            aref: Ref::charge(tag, || PAGE_SIZE << order),
        })
    }

    /// The kernel virtual address of the first page.
    pub fn addr(&self) -> usize {
        self.addr
    }

    /// The allocation order.
    pub fn order(&self) -> u32 {
        self.order
    }
}

impl Drop for Pages {
    #[inline(always)]
    fn drop(&mut self) {
        let order = self.order;
        self.aref.uncharge(|| PAGE_SIZE << order);
        // SAFETY: `addr` and `order` are those of pages owned by `self`.
        unsafe { bindings::free_pages(self.addr, self.order) };
    }
}

/// `alloc_pages(flags, order)` charged to this call site: `Result<Pages>`.
#[macro_export]
macro_rules! pages {
    ($order:expr, $flags:expr) => {
        $crate::allocprof::Pages::alloc($crate::alloc_tag!(), $order, $flags)
    };
}
