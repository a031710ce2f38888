// SPDX-License-Identifier: GPL-2.0

//! allocprof's switches and counters in sysfs, beside `allocinfo`:
//!
//! - `cumulative` (0644): `1` turns the cumulative counters on (their own
//!   static key: charges also add to `total_bytes`/`total_calls`, and the
//!   rows carry ` total_calls:N total_bytes:N`), `0` off;
//! - `reset` (0200): writing `1` zeroes every cumulative counter (the live
//!   ones are never reset);
//! - `generation` (0444): a number that changes whenever the set of rows
//!   changes;
//! - `dropin_untracked` (0444): allocations of drop-in modules that the
//!   pointer table could not record.
//!
//! A write of anything else is refused with `EINVAL` and changes nothing.

use crate::allocprof::static_branch;
use crate::dropin::hooks;
use crate::ffi::sysfs::{self, Dir, File};
use crate::profiler::alloc_tag;
use crate::profiler::decimal::Decimal;
use core::ffi::CStr;
use kernel::error::{code::EINVAL, Result};
use kernel::prelude::*;

/// Parses a switch value: `0` or `1`, optionally with one newline.
fn parse_bool(input: &[u8]) -> Result<bool> {
    match input {
        b"0" | b"0\n" => Ok(false),
        b"1" | b"1\n" => Ok(true),
        _ => Err(EINVAL),
    }
}

/// Writes `text` and a newline into a `show` page; the bytes written.
fn show_line(page: &mut [u8], text: &[u8]) -> usize {
    page[..text.len()].copy_from_slice(text);
    page[text.len()] = b'\n';
    text.len() + 1
}

/// `cumulative`: the cumulative counters' switch.
struct Cumulative;

#[vtable]
impl sysfs::Attribute for Cumulative {
    const NAME: &'static CStr = c"cumulative";
    const MODE: u16 = 0o644;

    fn show(page: &mut [u8]) -> Result<usize> {
        let on = static_branch::cumulative_enabled();
        Ok(show_line(page, if on { b"1" } else { b"0" }))
    }

    fn store(input: &[u8]) -> Result {
        // A sysfs write may sleep.
        static_branch::CUMULATIVE.set(parse_bool(input)?);
        Ok(())
    }
}

/// `reset`: `1` zeroes the cumulative counters.
struct Reset;

#[vtable]
impl sysfs::Attribute for Reset {
    const NAME: &'static CStr = c"reset";
    const MODE: u16 = 0o200;

    fn store(input: &[u8]) -> Result {
        if !parse_bool(input)? {
            return Err(EINVAL);
        }
        alloc_tag::with_registry(|reg| {
            alloc_tag::reset_cumulative(reg);
            Ok(())
        })
    }
}

/// `generation`: changes whenever the set of rows changes.
struct Generation;

#[vtable]
impl sysfs::Attribute for Generation {
    const NAME: &'static CStr = c"generation";
    const MODE: u16 = 0o444;

    fn show(page: &mut [u8]) -> Result<usize> {
        Ok(show_line(
            page,
            Decimal::unsigned(alloc_tag::generation()).as_bytes(),
        ))
    }
}

/// `dropin_untracked`: drop-in allocations the table could not record.
struct DropinUntracked;

#[vtable]
impl sysfs::Attribute for DropinUntracked {
    const NAME: &'static CStr = c"dropin_untracked";
    const MODE: u16 = 0o444;

    fn show(page: &mut [u8]) -> Result<usize> {
        Ok(show_line(
            page,
            Decimal::unsigned(hooks::untracked()).as_bytes(),
        ))
    }
}

/// Turns the cumulative key off when dropped: after the files are gone
/// (their removal waits for a running `store`), so that it stays off.
struct CumulativeOff;

impl Drop for CumulativeOff {
    fn drop(&mut self) {
        static_branch::CUMULATIVE.set(false);
    }
}

/// The files in `/sys/kernel/allocprof/`, in creation order; removed on
/// drop, in that order, then the cumulative key is turned off.
pub(crate) struct Controls {
    _files: [File; 4],
    _off: CumulativeOff,
}

impl Controls {
    /// Creates the files in `dir`, allocprof's directory.
    pub(crate) fn create(dir: &Dir) -> Result<Self> {
        Ok(Controls {
            _files: [
                File::attribute::<Cumulative>(dir)?,
                File::attribute::<Reset>(dir)?,
                File::attribute::<Generation>(dir)?,
                File::attribute::<DropinUntracked>(dir)?,
            ],
            _off: CumulativeOff,
        })
    }
}
