// SPDX-License-Identifier: GPL-2.0

//! Tagged byte buffers: one owning type, [`Buf`], generic over the
//! allocator that backs it, with an alias per backend as
//! `rust/kernel/alloc/kbox.rs` has them: [`KBuf`] (kmalloc), [`KvBuf`]
//! (kvmalloc) and [`VBuf`] (vmalloc).  One set of rules for all three:
//!
//! - the charge is what the allocator hands out for the buffer (the
//!   kmalloc object size, the pages a vmalloc area maps), computed at the
//!   allocation and again, identically, at the free;
//! - a length of 0 allocates nothing and charges nothing (kmalloc and
//!   kvmalloc return `ZERO_SIZE_PTR` for it, which upstream never charges);
//! - the contents are [`MaybeUninit`] unless the buffer was allocated
//!   zeroed or filled: reading uninitialised memory as `[u8]` needs an
//!   `unsafe` promise.

use crate::allocprof::sizes::{is_vmalloc_addr, kmalloc_bytes, vmalloc_bytes};
use crate::allocprof::{gfp_t, Ref, Tag};
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{code::ENOMEM, Error, Result};

/// An allocator a [`Buf`] can live in.
pub trait Backend {
    /// Whether `alloc(0)` returns a pointer `free` takes and nothing is
    /// to be charged for it (kmalloc's `ZERO_SIZE_PTR`): then a length of
    /// 0 needs no test on the allocation and free paths.
    const ZERO_SIZE_PTR: bool;

    /// Allocates `len` bytes (`len > 0` unless `ZERO_SIZE_PTR`); null on
    /// failure.
    ///
    /// # Safety
    ///
    /// `flags` are valid for the calling context.
    unsafe fn alloc(len: usize, flags: gfp_t) -> *mut u8;

    /// Frees what [`Backend::alloc`] returned for `len` bytes.
    ///
    /// # Safety
    ///
    /// `ptr` came from `alloc(len, _)` and is not used again.
    unsafe fn free(ptr: *mut u8, len: usize);

    /// The bytes charged for `len` bytes at `ptr` (a live allocation).
    fn bytes(ptr: *const u8, len: usize) -> usize;
}

/// kmalloc: charged the kmalloc object size.
pub struct Kmalloc;

/// kvmalloc: slab, or vmalloc when slab fails or the size is large.
/// Dropping a buffer may sleep (`vfree`): not in atomic context.
pub struct Kvmalloc;

/// vmalloc: charged the pages the area maps.  Allocating and dropping
/// may sleep: not in atomic context.
pub struct Vmalloc;

extern "C" {
    // Exported by mm/vmalloc.c; not in the 6.12 bindings.
    fn vmalloc_noprof(size: usize) -> *mut c_void;
    fn vfree(addr: *const c_void);
    // src/ffi/helpers.c: the kernel's own kvmalloc_node_noprof() expansion.
    fn allocprof_kvmalloc_node(size: usize, flags: gfp_t, node: core::ffi::c_int) -> *mut c_void;
    // src/ffi/helpers.c: krealloc_noprof(), a function on 6.12, a macro on
    // 7.3 (krealloc_node_align_noprof(), whose arguments depend on the
    // configuration).
    fn allocprof_krealloc(p: *const c_void, size: usize, flags: gfp_t) -> *mut c_void;
}

// `__kmalloc_noprof(size, flags)` on 6.12 and on 7.3; 7.3 adds a kmalloc
// token argument with CONFIG_KMALLOC_PARTITION_CACHES, which no tested
// kernel has yet (issue 26): refused here rather than mis-called.
#[cfg(CONFIG_KMALLOC_PARTITION_CACHES)]
compile_error!("allocprof's client API is not tested on CONFIG_KMALLOC_PARTITION_CACHES (__kmalloc_noprof() takes a kmalloc token there)");

impl Backend for Kmalloc {
    const ZERO_SIZE_PTR: bool = true;
    #[inline(always)]
    unsafe fn alloc(len: usize, flags: gfp_t) -> *mut u8 {
        // SAFETY: plain allocation.
        unsafe { bindings::__kmalloc_noprof(len, flags).cast() }
    }
    #[inline(always)]
    unsafe fn free(ptr: *mut u8, _len: usize) {
        // SAFETY: per the contract, a live kmalloc object (or
        // `ZERO_SIZE_PTR`, which `kfree()` ignores).
        unsafe { bindings::kfree(ptr.cast()) }
    }
    #[inline(always)]
    fn bytes(_ptr: *const u8, len: usize) -> usize {
        kmalloc_bytes(len)
    }
}

impl Backend for Kvmalloc {
    const ZERO_SIZE_PTR: bool = true;
    #[inline(always)]
    unsafe fn alloc(len: usize, flags: gfp_t) -> *mut u8 {
        // SAFETY: plain allocation.
        unsafe { allocprof_kvmalloc_node(len, flags, bindings::NUMA_NO_NODE).cast() }
    }
    #[inline(always)]
    unsafe fn free(ptr: *mut u8, _len: usize) {
        // SAFETY: per the contract, a live kvmalloc allocation.
        unsafe { bindings::kvfree(ptr.cast()) }
    }
    #[inline(always)]
    fn bytes(ptr: *const u8, len: usize) -> usize {
        if is_vmalloc_addr(ptr) {
            vmalloc_bytes(ptr, len)
        } else {
            kmalloc_bytes(len)
        }
    }
}

impl Backend for Vmalloc {
    const ZERO_SIZE_PTR: bool = false;
    #[inline(always)]
    unsafe fn alloc(len: usize, _flags: gfp_t) -> *mut u8 {
        // SAFETY: plain allocation; may sleep, as `vmalloc()` does.
        unsafe { vmalloc_noprof(len).cast() }
    }
    #[inline(always)]
    unsafe fn free(ptr: *mut u8, _len: usize) {
        // SAFETY: per the contract, a live vmalloc area.
        unsafe { vfree(ptr.cast()) }
    }
    #[inline(always)]
    fn bytes(ptr: *const u8, len: usize) -> usize {
        vmalloc_bytes(ptr, len)
    }
}

/// A byte buffer in backend `B`, charged to the call site that allocated
/// it; dropping it subtracts the charge and frees it.
pub struct Buf<B: Backend> {
    ptr: NonNull<u8>,
    len: usize,
    aref: Ref,
    _backend: PhantomData<B>,
}

/// A kmalloc'd buffer: [`kmalloc!`](crate::kmalloc),
/// [`kzalloc!`](crate::kzalloc), [`kcalloc!`](crate::kcalloc).
pub type KBuf = Buf<Kmalloc>;
/// A kvmalloc'd buffer: [`kvmalloc!`](crate::kvmalloc).
pub type KvBuf = Buf<Kvmalloc>;
/// A vmalloc'd buffer: [`vmalloc!`](crate::vmalloc).
pub type VBuf = Buf<Vmalloc>;

// SAFETY: the buffer is owned memory that any CPU may use and free.
unsafe impl<B: Backend> Send for Buf<B> {}
// SAFETY: shared access only reads.
unsafe impl<B: Backend> Sync for Buf<B> {}

impl<B: Backend> Buf<B> {
    /// Allocates `len` bytes charged to `tag`; use the macros.
    #[inline(always)]
    pub fn alloc(tag: &'static Tag, len: usize, flags: gfp_t) -> Result<Self> {
        if !B::ZERO_SIZE_PTR && len == 0 {
            return Ok(Self::empty());
        }
        // SAFETY: the caller passes flags valid for its context.
        let p = unsafe { B::alloc(len, flags) };
        let ptr = NonNull::new(p).ok_or(ENOMEM)?;
        Ok(Buf {
            ptr,
            len,
            // A zero length (`ZERO_SIZE_PTR`) is tested only when
            // profiling is on.
            aref: Ref::charge_unless(tag, len == 0, || B::bytes(ptr.as_ptr(), len)),
            _backend: PhantomData,
        })
    }

    /// An empty buffer: nothing allocated, nothing charged.
    pub fn empty() -> Self {
        Buf {
            ptr: NonNull::dangling(),
            len: 0,
            aref: Ref::EMPTY,
            _backend: PhantomData,
        }
    }

    /// `n * size` bytes, zeroed (`kcalloc`); `EOVERFLOW` if the product
    /// overflows.
    pub fn alloc_array(tag: &'static Tag, n: usize, size: usize, flags: gfp_t) -> Result<Self> {
        let len = n
            .checked_mul(size)
            .ok_or(Error::from_errno(-(bindings::EOVERFLOW as i32)))?;
        Self::alloc(tag, len, flags | crate::allocprof::__GFP_ZERO)
    }

    /// The buffer's address (dangling when empty).
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The requested length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes charged for this buffer (0 if it is not charged).
    pub fn charged(&self) -> usize {
        if self.aref.is_charged() {
            B::bytes(self.ptr.as_ptr(), self.len)
        } else {
            0
        }
    }

    /// The contents, possibly uninitialised.
    pub fn as_uninit(&self) -> &[MaybeUninit<u8>] {
        // SAFETY: `len` bytes are allocated and owned by `self` (or `len`
        // is 0 and the pointer dangling, aligned for bytes).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr().cast(), self.len) }
    }

    /// The contents, possibly uninitialised, to write.
    pub fn as_uninit_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        // SAFETY: as in `as_uninit`, and `&mut self` is exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr().cast(), self.len) }
    }

    /// Sets every byte to `byte` and returns the now initialised contents.
    pub fn fill(&mut self, byte: u8) -> &mut [u8] {
        // SAFETY: `len` owned bytes are written, then read as `u8`.
        unsafe {
            core::ptr::write_bytes(self.ptr.as_ptr(), byte, self.len);
            core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len)
        }
    }

    /// The contents.
    ///
    /// # Safety
    ///
    /// Every byte was initialised: the buffer was allocated zeroed
    /// (`kzalloc!`, `kcalloc!`, `__GFP_ZERO`) or written or filled since.
    pub unsafe fn as_slice(&self) -> &[u8] {
        // SAFETY: per the function's contract.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The contents, to change.
    ///
    /// # Safety
    ///
    /// As for [`Buf::as_slice`].
    pub unsafe fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: per the function's contract.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// Gives up ownership: the address, the length and the charge, which
    /// [`Buf::from_raw`] takes back.
    pub fn into_raw(b: Self) -> (NonNull<u8>, usize, Ref) {
        // `b` is never dropped: its `Ref` moves out, `NONE` left behind.
        let mut b = core::mem::ManuallyDrop::new(b);
        (b.ptr, b.len, core::mem::replace(&mut b.aref, Ref::NONE))
    }

    /// Owns an allocation of backend `B`: `aref` is the charge it carries
    /// ([`Ref::NONE`] for memory allocprof never saw; freeing that is a
    /// debug-check error).
    ///
    /// # Safety
    ///
    /// `ptr` is an allocation of `B` of `len` bytes that nothing else owns
    /// (or `len` is 0), and `aref` was charged `B::bytes(ptr, len)` (or is
    /// not charged).
    pub unsafe fn from_raw(ptr: NonNull<u8>, len: usize, aref: Ref) -> Self {
        Buf {
            ptr,
            len,
            aref,
            _backend: PhantomData,
        }
    }
}

impl Buf<Kmalloc> {
    /// Resizes like `krealloc()`, keeping the tag: the charge moves from
    /// the old object size to the new one.  On error nothing changes.
    /// Bytes past the old length are uninitialised.
    ///
    /// A shrink into a smaller kmalloc cache allocates a new object (where
    /// `krealloc()` would keep the larger one), so the charge always equals
    /// the object size.  A length of 0 is refused with `EINVAL`.
    pub fn realloc(&mut self, len: usize, flags: gfp_t) -> Result {
        if len == 0 || self.len == 0 {
            return Err(kernel::error::code::EINVAL);
        }
        let (old, new) = (kmalloc_bytes(self.len), kmalloc_bytes(len));
        let p = if new < old {
            // SAFETY: plain allocation.
            let p = unsafe { Kmalloc::alloc(len, flags) };
            if !p.is_null() {
                // SAFETY: both buffers hold at least `len` bytes; the old
                // one is a live kmalloc object, freed once.
                unsafe {
                    core::ptr::copy_nonoverlapping(self.ptr.as_ptr(), p, len);
                    Kmalloc::free(self.ptr.as_ptr(), self.len);
                }
            }
            p
        } else {
            // SAFETY: `self.ptr` is a live kmalloc object.
            unsafe { allocprof_krealloc(self.ptr.as_ptr().cast(), len, flags).cast() }
        };
        self.ptr = NonNull::new(p).ok_or(ENOMEM)?;
        self.len = len;
        self.aref.recharge(old, new);
        Ok(())
    }
}

impl<B: Backend> Drop for Buf<B> {
    #[inline(always)]
    fn drop(&mut self) {
        let (ptr, len) = (self.ptr.as_ptr(), self.len);
        if !B::ZERO_SIZE_PTR && len == 0 {
            return;
        }
        // An empty buffer was never charged: `uncharge` does nothing.
        self.aref.uncharge(|| B::bytes(ptr, len));
        // SAFETY: `ptr` is a live allocation of `B` owned by `self`.
        unsafe { B::free(ptr, len) };
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

/// `kvmalloc(len, flags)` charged to this call site: `Result<KvBuf>`.
#[macro_export]
macro_rules! kvmalloc {
    ($len:expr, $flags:expr) => {
        $crate::allocprof::KvBuf::alloc($crate::alloc_tag!(), $len, $flags)
    };
}

/// `vmalloc(len)` charged to this call site: `Result<VBuf>`.
#[macro_export]
macro_rules! vmalloc {
    ($len:expr) => {
        $crate::allocprof::VBuf::alloc($crate::alloc_tag!(), $len, $crate::allocprof::GFP_KERNEL)
    };
}
