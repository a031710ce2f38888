// SPDX-License-Identifier: GPL-2.0

//! Text written into memory that need not be initialised first: a writer
//! that fails rather than overflows, and the owners of what it wrote (a
//! vector, a kvmalloc'd buffer), which know how many bytes of theirs are
//! written and hand out only those.

use crate::allocprof::KvBuf;
use crate::ffi::kvec_ext;
use core::fmt;
use core::mem::MaybeUninit;
use kernel::prelude::*;

/// Writes into a byte buffer that need not be initialised, failing rather
/// than overflowing; the first [`len()`](Self::len) bytes are initialised.
pub(crate) struct SliceWriter<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    pos: usize,
}

impl fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write_bytes(s.as_bytes())
    }
}

impl<'a> SliceWriter<'a> {
    /// A writer filling `buf` from its start.
    pub(crate) fn new(buf: &'a mut [MaybeUninit<u8>]) -> Self {
        SliceWriter { buf, pos: 0 }
    }

    /// Appends `b`, or fails (writing nothing) if it does not fit.
    pub(crate) fn write_bytes(&mut self, b: &[u8]) -> fmt::Result {
        let end = self.pos.checked_add(b.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.pos..end).ok_or(fmt::Error)?;
        // SAFETY: `dst` has room for `b.len()` bytes; `MaybeUninit<u8>`
        // has the layout of `u8`.
        unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), dst.as_mut_ptr().cast(), b.len()) };
        self.pos = end;
        Ok(())
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.pos
    }

    /// The bytes written so far.
    pub(crate) fn written(&self) -> &[u8] {
        // SAFETY: the first `pos` bytes were written by `write_bytes`.
        unsafe { core::slice::from_raw_parts(self.buf.as_ptr().cast::<u8>(), self.pos) }
    }
}

/// What `write` wrote into a new vector of capacity `cap`; `EINVAL` if it
/// did not fit.
pub(crate) fn to_kvec(
    cap: usize,
    write: impl FnOnce(&mut SliceWriter<'_>) -> fmt::Result,
) -> Result<KVec<u8>> {
    let mut v = KVec::with_capacity(cap, GFP_KERNEL)?;
    let mut w = SliceWriter::new(v.spare_capacity_mut());
    write(&mut w).map_err(|_| EINVAL)?;
    let len = w.len();
    // SAFETY: the writer initialised the first `len` bytes of the spare
    // capacity of the empty vector.
    unsafe { kvec_ext::set_len_from_spare(&mut v, len) };
    Ok(v)
}

/// Text written into a kvmalloc'd buffer: the buffer and how much of it
/// is written.
pub(crate) struct Text {
    buf: KvBuf,
    len: usize,
}

impl Text {
    /// What `write` writes into `buf`; an error if it did not fit.
    pub(crate) fn write(
        mut buf: KvBuf,
        write: impl FnOnce(&mut SliceWriter<'_>) -> fmt::Result,
    ) -> core::result::Result<Self, fmt::Error> {
        let mut w = SliceWriter::new(buf.as_uninit_mut());
        write(&mut w)?;
        let len = w.len();
        Ok(Text { buf, len })
    }

    /// The text.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        // SAFETY: `write` wrote the first `len` bytes of the buffer, which
        // nothing writes since.
        unsafe { core::slice::from_raw_parts(self.buf.as_ptr(), self.len) }
    }
}
