// SPDX-License-Identifier: GPL-2.0

//! What the 6.12 `KVec` lacks: removing an element.

use kernel::prelude::*;

/// Removes and returns `v[i]`, keeping the order of the rest; `None` if
/// `i` is out of bounds.
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
pub(crate) fn pop<T>(v: &mut KVec<T>) -> Option<T> {
    remove(v, v.len().checked_sub(1)?)
}
