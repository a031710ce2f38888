// SPDX-License-Identifier: GPL-2.0

//! What differs between the kernels in the `KVec` API allocprof uses:
//! removing an element (7.3's kernel crate has `remove` and `pop`; 6.12's
//! has neither, nor 7.3's `dec_len`, so on 6.12 they are written here) and
//! taking in what was written into the spare capacity (6.12's `set_len`,
//! 7.3's `inc_len`).  The callers see one API on both kernels.

use kernel::prelude::*;

/// Removes and returns `v[i]`, keeping the order of the rest; `None` if
/// `i` is out of bounds.
#[cfg(not(allocprof_kernel_6_12))]
pub(crate) fn remove<T>(v: &mut KVec<T>, i: usize) -> Option<T> {
    v.remove(i).ok()
}

/// Removes and returns the last element.
#[cfg(not(allocprof_kernel_6_12))]
pub(crate) fn pop<T>(v: &mut KVec<T>) -> Option<T> {
    v.pop()
}

/// Removes and returns `v[i]`, keeping the order of the rest; `None` if
/// `i` is out of bounds.
#[cfg(allocprof_kernel_6_12)]
pub(crate) fn remove<T>(v: &mut KVec<T>, i: usize) -> Option<T> {
    let len = v.len();
    if i >= len {
        return None;
    }
    // SAFETY: `i < len`: element `i` is read out once, the tail moves down
    // over it and the length shrinks by one, so nothing is dropped twice.
    unsafe {
        let p = v.as_mut_ptr().add(i);
        let item = core::ptr::read(p);
        core::ptr::copy(p.add(1), p, len - i - 1);
        v.set_len(len - 1);
        Some(item)
    }
}

/// Removes and returns the last element.
#[cfg(allocprof_kernel_6_12)]
pub(crate) fn pop<T>(v: &mut KVec<T>) -> Option<T> {
    remove(v, v.len().checked_sub(1)?)
}

/// Makes the first `len` elements of the spare capacity of `v`, empty,
/// its elements.
///
/// # Safety
///
/// `v` is empty and the first `len` elements of its spare capacity are
/// initialised.
pub(crate) unsafe fn set_len_from_spare<T>(v: &mut KVec<T>, len: usize) {
    // SAFETY: per the function's contract, `len` elements from the start
    // of the buffer are initialised (`len` is at most the capacity).
    unsafe {
        #[cfg(allocprof_kernel_6_12)]
        v.set_len(len);
        #[cfg(not(allocprof_kernel_6_12))]
        v.inc_len(len);
    }
}
