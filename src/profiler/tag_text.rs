// SPDX-License-Identifier: GPL-2.0

//! The text of a tag, `file:line [module] func:function`, as upstream's
//! `codetag_to_text()` writes it: the one place that formats a tag, for
//! the allocinfo rows and for the unload report.

use crate::allocprof::tag::{site_name, Tag};
use crate::profiler::decimal::Decimal;
use core::fmt::Write;
use core::mem::MaybeUninit;
use kernel::prelude::*;

/// Longest function name kept for a tag (longer ones are cut).
pub(crate) const FUNCTION_MAX: usize = 256;

/// Writes into a byte buffer that need not be initialised, failing rather
/// than overflowing; the first `len()` bytes are initialised.
pub(crate) struct SliceWriter<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    pos: usize,
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.write_bytes(s.as_bytes())
    }
}

impl<'a> SliceWriter<'a> {
    /// A writer filling `buf` from its start.
    pub(crate) fn new(buf: &'a mut [MaybeUninit<u8>]) -> Self {
        SliceWriter { buf, pos: 0 }
    }

    /// Appends `b`, or fails (writing nothing) if it does not fit.
    pub(crate) fn write_bytes(&mut self, b: &[u8]) -> core::fmt::Result {
        let end = self.pos.checked_add(b.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.pos..end).ok_or(core::fmt::Error)?;
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
}

/// An upper bound of the length of `t`'s text for `module`.
pub(crate) fn text_len_max(module: &[u8], t: &Tag) -> usize {
    t.filename().len()
        + 1
        + 10
        + 2
        + module.len()
        + 2
        + 5
        + t.raw_function().len().min(FUNCTION_MAX)
}

/// The suffix of a Rust tag's marker type name (see [`site_name`]).
const MARKER: &str = "::__allocprof_site";

/// Writes `t`'s function name, cut at `FUNCTION_MAX` bytes: a C tag's
/// `__func__`, or a Rust tag's marker type name trimmed to the path a user
/// writes.  The usual Rust name (no closure segment) is the marker's type
/// name without its last segment, copied at once; one with `{...}`
/// segments is rebuilt segment by segment ([`site_name`]).
fn write_function(w: &mut SliceWriter<'_>, t: &Tag) -> core::fmt::Result {
    let s = t.raw_function();
    if t.is_rust() {
        let trimmed = s.strip_suffix(MARKER.as_bytes()).unwrap_or(s);
        if trimmed.contains(&b'{') {
            let mut buf = [0u8; FUNCTION_MAX];
            let n = site_name(core::str::from_utf8(s).unwrap_or("?"), &mut buf);
            return w.write_bytes(&buf[..n]);
        }
        return w.write_bytes(&trimmed[..trimmed.len().min(FUNCTION_MAX)]);
    }
    w.write_bytes(&s[..s.len().min(FUNCTION_MAX)])
}

/// Writes `file:line [module] func:function` of `t`.
pub(crate) fn write_text(w: &mut SliceWriter<'_>, module: &[u8], t: &Tag) -> core::fmt::Result {
    w.write_bytes(t.filename())?;
    w.write_bytes(b":")?;
    w.write_bytes(Decimal::unsigned(t.lineno().into()).as_bytes())?;
    w.write_bytes(b" [")?;
    w.write_bytes(module)?;
    w.write_bytes(b"] func:")?;
    write_function(w, t)
}

/// `t`'s text in a new vector.
pub(crate) fn to_vec(module: &[u8], t: &Tag) -> Result<KVec<u8>> {
    let mut v = KVec::with_capacity(text_len_max(module, t), GFP_KERNEL)?;
    let mut w = SliceWriter::new(v.spare_capacity_mut());
    write_text(&mut w, module, t).map_err(|_| EINVAL)?;
    let len = w.len();
    // SAFETY: the writer initialised the first `len` bytes of the spare
    // capacity of the empty vector.
    unsafe { v.set_len(len) };
    Ok(v)
}
