// SPDX-License-Identifier: GPL-2.0

//! Decimal numbers written by hand, for the allocinfo rows and allocprof's
//! sysfs files: `core::fmt` costs thousands of instructions per row.

/// Longest decimal `u64`: 20 digits.
pub(crate) const U64_DIGITS: usize = 20;

/// A number's text: `-` if negative, then its digits.
pub(crate) struct Decimal {
    buf: [u8; U64_DIGITS + 1],
    start: usize,
}

impl Decimal {
    /// `v` in decimal, as `%llu`.
    pub(crate) fn unsigned(mut v: u64) -> Self {
        let mut buf = [0u8; U64_DIGITS + 1];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                return Decimal { buf, start: i };
            }
        }
    }

    /// `v` in decimal, as `%lli`.
    pub(crate) fn signed(v: i64) -> Self {
        let mut d = Self::unsigned(v.unsigned_abs());
        if v < 0 {
            d.start -= 1;
            d.buf[d.start] = b'-';
        }
        d
    }

    /// The text.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// Writes `v` right-aligned in `width` columns (`%*lli`; wider numbers are
/// not cut) into `out`, returning the bytes written; `out` must hold
/// `max(width, 21)` bytes.
pub(crate) fn write_padded(out: &mut [u8], v: &Decimal, width: usize) -> usize {
    let s = v.as_bytes();
    let pad = width.saturating_sub(s.len());
    out[..pad].fill(b' ');
    out[pad..pad + s.len()].copy_from_slice(s);
    pad + s.len()
}
