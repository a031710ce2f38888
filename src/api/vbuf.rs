// SPDX-License-Identifier: GPL-2.0

//! Tagged vmalloc buffers: `vmalloc`, `vfree`.

use crate::allocprof::{page_align, Ref, Tag};
use core::ffi::c_void;
use core::ptr::NonNull;
use kernel::error::{code::EINVAL, code::ENOMEM, Result};

extern "C" {
    // Exported by mm/vmalloc.c; not in the 6.12 bindings.
    fn vmalloc_noprof(size: usize) -> *mut c_void;
    fn vfree(addr: *const c_void);
}

/// A vmalloc'd byte buffer charged to the call site that allocated it:
/// `page_align(len)` bytes, the pages vmalloc maps.
pub struct VBuf {
    ptr: NonNull<u8>,
    len: usize,
    aref: Ref,
}

// SAFETY: the buffer is owned memory that any CPU may use and free.
unsafe impl Send for VBuf {}
// SAFETY: shared access only reads.
unsafe impl Sync for VBuf {}

impl VBuf {
    /// `vmalloc(len)` charged to `tag`; use [`vmalloc!`](crate::vmalloc).
    #[inline(always)]
    pub fn alloc(tag: &'static Tag, len: usize) -> Result<VBuf> {
        if len == 0 {
            return Err(EINVAL);
        }
        // SAFETY: plain allocation; may sleep, as `vmalloc()` does.
        let p = unsafe { vmalloc_noprof(len) };
        let ptr = NonNull::new(p.cast::<u8>()).ok_or(ENOMEM)?;
        Ok(VBuf {
            ptr,
            len,
            aref: Ref::charge(tag, || page_align(len)),
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
}

impl Drop for VBuf {
    #[inline(always)]
    fn drop(&mut self) {
        let len = self.len;
        self.aref.uncharge(|| page_align(len));
        // SAFETY: `ptr` is a live vmalloc area owned by `self`.
        unsafe { vfree(self.ptr.as_ptr().cast()) };
    }
}

/// `vmalloc(len)` charged to this call site: `Result<VBuf>`.
#[macro_export]
macro_rules! vmalloc {
    ($len:expr) => {
        $crate::allocprof::VBuf::alloc($crate::alloc_tag!(), $len)
    };
}
