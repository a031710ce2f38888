// SPDX-License-Identifier: GPL-2.0

//! A [`TaggedBox`] as the data of an open sysfs file ([`OpenData`]): one
//! pointer, the box's charge kept in its value ([`KeepsBoxRef`]) while
//! kernfs holds it.

use crate::allocprof::{KeepsBoxRef, Ref, TaggedBox};
use crate::ffi::sysfs::OpenData;
use core::ffi::c_void;

// SAFETY: `into_raw` gives the box's non-null value pointer, which
// `borrow` and `from_raw` take back.
unsafe impl<T: KeepsBoxRef + 'static> OpenData for TaggedBox<T> {
    type Target = T;

    fn into_raw(self) -> *mut c_void {
        let (p, own) = TaggedBox::into_raw(self);
        // SAFETY: `p` is the live value, owned here.
        unsafe { *(*p).box_ref() = own };
        p.cast()
    }

    unsafe fn borrow<'a>(ptr: *mut c_void) -> &'a T {
        // SAFETY: per the trait's contract, `ptr` came from `into_raw` and
        // the value lives until `from_raw`.
        unsafe { &*ptr.cast::<T>() }
    }

    unsafe fn from_raw(ptr: *mut c_void) -> Self {
        let p = ptr.cast::<T>();
        // SAFETY: per the trait's contract, `ptr` came from `into_raw`,
        // with the box's charge kept in the value, and is used no more.
        unsafe {
            let own = core::mem::replace((*p).box_ref(), Ref::NONE);
            TaggedBox::from_raw(p, own)
        }
    }
}
