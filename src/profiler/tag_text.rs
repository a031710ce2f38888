// SPDX-License-Identifier: GPL-2.0

//! The text of a tag, `file:line [module] func:function`, as upstream's
//! `codetag_to_text()` writes it: the one place that formats a tag, for
//! the allocinfo rows and for the unload report.

use crate::allocprof::tag::{site_name, Tag};
use crate::ffi::text::{self, SliceWriter};
use crate::profiler::decimal::Decimal;
use kernel::prelude::*;

/// Longest function name kept for a tag (longer ones are cut).
pub(crate) const FUNCTION_MAX: usize = 256;

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
    text::to_kvec(text_len_max(module, t), |w| write_text(w, module, t))
}
