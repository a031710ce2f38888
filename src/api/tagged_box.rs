// SPDX-License-Identifier: GPL-2.0

//! A tagged box: one kmalloc'd `T`, charged to its call site.

use crate::allocprof::buf::{Backend, Kmalloc};
use crate::allocprof::{gfp_t, kmalloc_bytes, Ref, Tag};
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{code::EINVAL, code::ENOMEM, Result};

/// Owns a `T` in a kmalloc object of `kmalloc_bytes(size_of::<T>())`
/// bytes, charged to the call site of [`tbox!`](crate::tbox).
pub struct TaggedBox<T> {
    ptr: NonNull<T>,
    aref: Ref,
}

// SAFETY: owning a `T` is as thread-safe as `T`.
unsafe impl<T: Send> Send for TaggedBox<T> {}
// SAFETY: shared access hands out `&T` only.
unsafe impl<T: Sync> Sync for TaggedBox<T> {}

impl<T> TaggedBox<T> {
    /// Moves `value` into a new kmalloc object charged to `tag`.
    #[inline(always)]
    pub fn new(tag: &'static Tag, value: T, flags: gfp_t) -> Result<Self> {
        let size = core::mem::size_of::<T>();
        // kmalloc aligns objects to their power-of-two size, to at least
        // ARCH_SLAB_MINALIGN otherwise; zero-sized types have no object.
        if size == 0 || core::mem::align_of::<T>() > bindings::ARCH_SLAB_MINALIGN {
            return Err(EINVAL);
        }
        // SAFETY: plain allocation.
        let p = unsafe { Kmalloc::alloc(size, flags) };
        let ptr = NonNull::new(p.cast::<T>()).ok_or(ENOMEM)?;
        // SAFETY: `ptr` is a fresh allocation of `size_of::<T>()` bytes,
        // aligned for `T`.
        unsafe { ptr.as_ptr().write(value) };
        Ok(TaggedBox {
            ptr,
            aref: Ref::charge(tag, || kmalloc_bytes(size)),
        })
    }
}

impl<T> TaggedBox<T> {
    /// Gives up ownership: the value's pointer and the charge, which
    /// [`TaggedBox::from_raw`] takes back.
    pub fn into_raw(b: Self) -> (*mut T, Ref) {
        // `b` is never dropped: its `Ref` moves out, `NONE` left behind.
        let mut b = core::mem::ManuallyDrop::new(b);
        (b.ptr.as_ptr(), core::mem::replace(&mut b.aref, Ref::NONE))
    }

    /// Takes back what [`TaggedBox::into_raw`] gave.
    ///
    /// # Safety
    ///
    /// `ptr` and `aref` come from one `into_raw` call and are used once.
    pub unsafe fn from_raw(ptr: *mut T, aref: Ref) -> Self {
        TaggedBox {
            // SAFETY: per the function's contract `ptr` is not null.
            ptr: unsafe { NonNull::new_unchecked(ptr) },
            aref,
        }
    }
}

/// A value that can keep the charge of the [`TaggedBox`] holding it, so
/// that the box fits in one pointer (a C `void *`, such as the `priv` of a
/// kernfs open file: allocprof's src/ffi/tagged_box.rs).
pub trait KeepsBoxRef {
    /// Where the box's charge waits while the box is foreign-owned
    /// ([`Ref::NONE`] the rest of the time).
    fn box_ref(&mut self) -> &mut Ref;
}

impl<T> Deref for TaggedBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `ptr` holds an initialized `T` owned by `self`.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> DerefMut for TaggedBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: `ptr` holds an initialized `T` owned by `self`.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for TaggedBox<T> {
    #[inline(always)]
    fn drop(&mut self) {
        self.aref
            .uncharge(|| kmalloc_bytes(core::mem::size_of::<T>()));
        // SAFETY: `ptr` holds an initialized `T` in a kmalloc object owned
        // by `self`; it is dropped once, then freed.
        unsafe {
            core::ptr::drop_in_place(self.ptr.as_ptr());
            Kmalloc::free(self.ptr.as_ptr().cast(), core::mem::size_of::<T>());
        }
    }
}

/// `TaggedBox::new(value, flags)` charged to this call site.
#[macro_export]
macro_rules! tbox {
    ($value:expr, $flags:expr) => {
        $crate::allocprof::TaggedBox::new($crate::alloc_tag!(), $value, $flags)
    };
}
