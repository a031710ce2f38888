// SPDX-License-Identifier: GPL-2.0

//! Tagged kvmalloc buffers: `kvmalloc`, `kvfree`.

use crate::allocprof::{gfp_t, kmalloc_bytes, page_align, Ref, Tag};
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{code::EINVAL, code::ENOMEM, Result};

/// A kvmalloc'd byte buffer (slab, or vmalloc when slab fails or the size
/// is large) charged to the call site that allocated it.
pub struct KvBuf {
    ptr: NonNull<u8>,
    len: usize,
    aref: Ref,
}

// SAFETY: the buffer is owned memory that any CPU may use and free.
unsafe impl Send for KvBuf {}
// SAFETY: shared access only reads.
unsafe impl Sync for KvBuf {}

/// What the allocator hands out for `len` bytes at `ptr`: the slab object
/// size, or whole pages for a vmalloc area.
fn kv_bytes(ptr: *const u8, len: usize) -> usize {
    // SAFETY: `is_vmalloc_addr()` only compares the address.
    if unsafe { bindings::is_vmalloc_addr(ptr.cast()) } {
        page_align(len)
    } else {
        kmalloc_bytes(len)
    }
}

impl KvBuf {
    /// `kvmalloc(len, flags)` charged to `tag`; use [`kvmalloc!`](crate::kvmalloc).
    #[inline(always)]
    pub fn alloc(tag: &'static Tag, len: usize, flags: gfp_t) -> Result<KvBuf> {
        if len == 0 {
            return Err(EINVAL);
        }
        // SAFETY: plain allocation.
        let p = unsafe { bindings::__kvmalloc_node_noprof(len, flags, bindings::NUMA_NO_NODE) };
        let ptr = NonNull::new(p.cast::<u8>()).ok_or(ENOMEM)?;
        Ok(KvBuf {
            ptr,
            len,
            aref: Ref::charge(tag, || kv_bytes(ptr.as_ptr(), len)),
        })
    }

    /// The buffer's address.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The requested length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true: empty buffers are refused.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The buffer's contents.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `len` bytes are allocated and owned by `self`.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for KvBuf {
    #[inline(always)]
    fn drop(&mut self) {
        let (ptr, len) = (self.ptr.as_ptr(), self.len);
        self.aref.uncharge(|| kv_bytes(ptr, len));
        // SAFETY: `ptr` is a live kvmalloc allocation owned by `self`.
        unsafe { bindings::kvfree(self.ptr.as_ptr().cast()) };
    }
}

/// `kvmalloc(len, flags)` charged to this call site: `Result<KvBuf>`.
#[macro_export]
macro_rules! kvmalloc {
    ($len:expr, $flags:expr) => {
        $crate::allocprof::KvBuf::alloc($crate::alloc_tag!(), $len, $flags)
    };
}
