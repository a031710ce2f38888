// SPDX-License-Identifier: GPL-2.0

//! The command the bench modules' `run` files take (allocprof_bench and
//! allocprof_bench_rs, each mounting this file with `#[path]`):
//! `NAME ITERATIONS`.

use kernel::error::code::EINVAL;
use kernel::prelude::*;

/// Parses `NAME ITERATIONS` (an optional trailing newline; ITERATIONS a
/// decimal of 1 to 9 digits, not 0): `EINVAL` for anything else.
pub(crate) fn parse(line: &[u8]) -> Result<(&[u8], usize)> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let mut words = line.split(|c| *c == b' ').filter(|w| !w.is_empty());
    let name = words.next().ok_or(EINVAL)?;
    let n = words.next().ok_or(EINVAL)?;
    if words.next().is_some() || n.is_empty() || n.len() > 9 || !n.iter().all(u8::is_ascii_digit) {
        return Err(EINVAL);
    }
    let iters = n.iter().fold(0usize, |a, c| a * 10 + (c - b'0') as usize);
    if iters == 0 {
        return Err(EINVAL);
    }
    Ok((name, iters))
}
