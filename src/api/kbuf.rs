// SPDX-License-Identifier: GPL-2.0

//! Tagged kmalloc buffers: `kmalloc`, `kzalloc`, `kcalloc`, `krealloc`,
//! `kfree`.

use crate::allocprof::{gfp_t, kmalloc_bytes, Ref, Tag};
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{code::ENOMEM, Error, Result};

/// A kmalloc'd byte buffer charged to the call site that allocated it.
///
/// Its charge is always `kmalloc_bytes(len)`, the object size the slab
/// allocator hands out; dropping it subtracts that and frees the buffer.
pub struct KBuf {
    ptr: NonNull<u8>,
    len: usize,
    aref: Ref,
}

// SAFETY: the buffer is owned memory that any CPU may use and free.
unsafe impl Send for KBuf {}
// SAFETY: shared access only reads.
unsafe impl Sync for KBuf {}

impl KBuf {
    /// `kmalloc(len, flags)` charged to `tag`; use [`kmalloc!`](crate::kmalloc).
    #[inline(always)]
    pub fn alloc(tag: &'static Tag, len: usize, flags: gfp_t) -> Result<KBuf> {
        // SAFETY: plain allocation.
        let p = unsafe { bindings::__kmalloc_noprof(len, flags) };
        let ptr = NonNull::new(p.cast::<u8>()).ok_or(ENOMEM)?;
        Ok(KBuf {
            ptr,
            len,
            aref: Ref::charge(tag, || kmalloc_bytes(len)),
        })
    }

    /// `kcalloc(n, size, flags)`: zeroed, `n * size` checked for overflow.
    pub fn alloc_array(tag: &'static Tag, n: usize, size: usize, flags: gfp_t) -> Result<KBuf> {
        let len = n
            .checked_mul(size)
            .ok_or(Error::from_errno(-(bindings::EOVERFLOW as i32)))?;
        Self::alloc(tag, len, flags | bindings::__GFP_ZERO)
    }

    /// Resizes like `krealloc()`, keeping the tag: the charge moves from
    /// the old object size to the new one.  On error nothing changes.
    ///
    /// A shrink into a smaller kmalloc cache allocates a new object (where
    /// `krealloc()` would keep the larger one), so the charge always equals
    /// the object size.
    pub fn realloc(&mut self, len: usize, flags: gfp_t) -> Result {
        if len == 0 {
            return Err(kernel::error::code::EINVAL);
        }
        let (old, new) = (kmalloc_bytes(self.len), kmalloc_bytes(len));
        let p = if new < old {
            // SAFETY: plain allocation.
            let p = unsafe { bindings::__kmalloc_noprof(len, flags) };
            if !p.is_null() {
                // SAFETY: both buffers hold at least `len` bytes.
                unsafe {
                    core::ptr::copy_nonoverlapping(self.ptr.as_ptr(), p.cast(), len);
                    bindings::kfree(self.ptr.as_ptr().cast());
                }
            }
            p
        } else {
            // SAFETY: `self.ptr` is a live kmalloc object.
            unsafe { bindings::krealloc_noprof(self.ptr.as_ptr().cast(), len, flags) }
        };
        self.ptr = NonNull::new(p.cast::<u8>()).ok_or(ENOMEM)?;
        self.len = len;
        self.aref.recharge(old, new);
        Ok(())
    }

    /// Gives up ownership: the address, the length and the charge, which
    /// [`KBuf::from_raw`] takes back.
    pub fn into_raw(b: Self) -> (NonNull<u8>, usize, Ref) {
        let b = core::mem::ManuallyDrop::new(b);
        // SAFETY: `b` is never used or dropped again; its `Ref` moves out.
        (b.ptr, b.len, unsafe { core::ptr::read(&b.aref) })
    }

    /// Owns a kmalloc object: `aref` is the charge it carries ([`Ref::NONE`]
    /// for memory allocprof never saw; freeing that is a debug-check error).
    ///
    /// # Safety
    ///
    /// `ptr` is a kmalloc object of at least `len` bytes that nothing else
    /// owns, and `aref` was charged `kmalloc_bytes(len)` (or is not charged).
    pub unsafe fn from_raw(ptr: NonNull<u8>, len: usize, aref: Ref) -> Self {
        KBuf { ptr, len, aref }
    }

    /// The buffer's address.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The requested length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer is empty (`kmalloc(0)`'s `ZERO_SIZE_PTR`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes charged for this buffer (0 if it is not charged).
    pub fn charged(&self) -> usize {
        if self.aref.is_charged() {
            kmalloc_bytes(self.len)
        } else {
            0
        }
    }

    /// The buffer's contents.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `len` bytes are allocated and owned by `self`.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// The buffer's contents.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `len` bytes are allocated and owned by `self`.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for KBuf {
    #[inline(always)]
    fn drop(&mut self) {
        let len = self.len;
        self.aref.uncharge(|| kmalloc_bytes(len));
        // SAFETY: `ptr` is a live kmalloc object owned by `self`.
        unsafe { bindings::kfree(self.ptr.as_ptr().cast()) };
    }
}

/// `kmalloc(len, flags)` charged to this call site: `Result<KBuf>`.
#[macro_export]
macro_rules! kmalloc {
    ($len:expr, $flags:expr) => {
        $crate::allocprof::KBuf::alloc($crate::alloc_tag!(), $len, $flags)
    };
}

/// `kzalloc(len, flags)` charged to this call site: `Result<KBuf>`.
#[macro_export]
macro_rules! kzalloc {
    ($len:expr, $flags:expr) => {
        $crate::allocprof::KBuf::alloc(
            $crate::alloc_tag!(),
            $len,
            ($flags) | $crate::allocprof::__GFP_ZERO,
        )
    };
}

/// `kcalloc(n, size, flags)` charged to this call site: `Result<KBuf>`.
#[macro_export]
macro_rules! kcalloc {
    ($n:expr, $size:expr, $flags:expr) => {
        $crate::allocprof::KBuf::alloc_array($crate::alloc_tag!(), $n, $size, $flags)
    };
}
