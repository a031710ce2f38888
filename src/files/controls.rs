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
use crate::ffi::static_c::Shared;
use crate::profiler::alloc_tag;
use crate::profiler::decimal::Decimal;
use kernel::bindings;
use kernel::error::{code::EINVAL, to_result, Result};
use kernel::ffi::c_char;

/// Parses a switch value: `0` or `1`, optionally with one newline.
fn parse_bool(input: &[u8]) -> Result<bool> {
    match input {
        b"0" | b"0\n" => Ok(false),
        b"1" | b"1\n" => Ok(true),
        _ => Err(EINVAL),
    }
}

/// Copies `text` and a newline into a sysfs `show` buffer (a page).
///
/// # Safety
///
/// `buf` is sysfs's page-sized `show` buffer.
unsafe fn show_line(buf: *mut c_char, text: &[u8]) -> isize {
    // SAFETY: a page holds far more than a number and a newline.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
        *buf.cast::<u8>().add(text.len()) = b'\n';
    }
    text.len() as isize + 1
}

/// The bytes of a sysfs `store`.
///
/// # Safety
///
/// `buf` holds `count` bytes.
unsafe fn input<'a>(buf: *const c_char, count: usize) -> &'a [u8] {
    // SAFETY: per the function's contract.
    unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) }
}

/// `show` of `cumulative`.
///
/// # Safety
///
/// Called by sysfs with its page-sized buffer.
unsafe extern "C" fn cumulative_show(
    _k: *mut bindings::kobject,
    _a: *mut bindings::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    let v: &[u8] = if static_branch::cumulative_enabled() {
        b"1"
    } else {
        b"0"
    };
    // SAFETY: per the function's contract.
    unsafe { show_line(buf, v) }
}

/// `store` of `cumulative`: `0` or `1`.
///
/// # Safety
///
/// Called by sysfs with `count` bytes at `buf`.
unsafe extern "C" fn cumulative_store(
    _k: *mut bindings::kobject,
    _a: *mut bindings::kobj_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: per the function's contract.
    match parse_bool(unsafe { input(buf, count) }) {
        Ok(on) => {
            // A sysfs write may sleep.
            static_branch::CUMULATIVE.set(on);
            count as isize
        }
        Err(e) => e.to_errno() as isize,
    }
}

/// `store` of `reset`: `1` zeroes the cumulative counters.
///
/// # Safety
///
/// Called by sysfs with `count` bytes at `buf`.
unsafe extern "C" fn reset_store(
    _k: *mut bindings::kobject,
    _a: *mut bindings::kobj_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: per the function's contract.
    match parse_bool(unsafe { input(buf, count) }) {
        Ok(true) => match alloc_tag::with_registry(|reg| {
            alloc_tag::reset_cumulative(reg);
            Ok(())
        }) {
            Ok(()) => count as isize,
            Err(e) => e.to_errno() as isize,
        },
        _ => EINVAL.to_errno() as isize,
    }
}

/// `show` of `generation`.
///
/// # Safety
///
/// Called by sysfs with its page-sized buffer.
unsafe extern "C" fn generation_show(
    _k: *mut bindings::kobject,
    _a: *mut bindings::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    let d = Decimal::unsigned(alloc_tag::generation());
    // SAFETY: per the function's contract.
    unsafe { show_line(buf, d.as_bytes()) }
}

/// `show` of `dropin_untracked`.
///
/// # Safety
///
/// Called by sysfs with its page-sized buffer.
unsafe extern "C" fn dropin_untracked_show(
    _k: *mut bindings::kobject,
    _a: *mut bindings::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    let d = Decimal::unsigned(crate::dropin::hooks::untracked());
    // SAFETY: per the function's contract.
    unsafe { show_line(buf, d.as_bytes()) }
}

/// `show` of a `kobj_attribute`.
type ShowFn = unsafe extern "C" fn(
    *mut bindings::kobject,
    *mut bindings::kobj_attribute,
    *mut c_char,
) -> isize;
/// `store` of a `kobj_attribute`.
type StoreFn = unsafe extern "C" fn(
    *mut bindings::kobject,
    *mut bindings::kobj_attribute,
    *const c_char,
    usize,
) -> isize;

// `struct attribute` has lockdep fields only with CONFIG_DEBUG_LOCK_ALLOC.
#[allow(clippy::needless_update)]
const fn attr(
    name: &'static core::ffi::CStr,
    mode: u16,
    show: Option<ShowFn>,
    store: Option<StoreFn>,
) -> Shared<bindings::kobj_attribute> {
    Shared(bindings::kobj_attribute {
        attr: bindings::attribute {
            name: name.as_ptr().cast(),
            mode,
            // SAFETY: all-zero is valid for the rest (lockdep keys included).
            ..unsafe { core::mem::zeroed() }
        },
        show,
        store,
    })
}

static CUMULATIVE: Shared<bindings::kobj_attribute> = attr(
    c"cumulative",
    0o644,
    Some(cumulative_show),
    Some(cumulative_store),
);
static RESET: Shared<bindings::kobj_attribute> = attr(c"reset", 0o200, None, Some(reset_store));
static GENERATION: Shared<bindings::kobj_attribute> =
    attr(c"generation", 0o444, Some(generation_show), None);

static DROPIN_UNTRACKED: Shared<bindings::kobj_attribute> = attr(
    c"dropin_untracked",
    0o444,
    Some(dropin_untracked_show),
    None,
);

/// The files, in creation order.
static FILES: [&Shared<bindings::kobj_attribute>; 4] =
    [&CUMULATIVE, &RESET, &GENERATION, &DROPIN_UNTRACKED];

/// The files in `/sys/kernel/allocprof/`; removed on drop (which waits
/// for running `show`/`store` calls), with the cumulative key turned off.
pub(crate) struct Controls {
    kobj: *mut bindings::kobject,
    created: usize,
}

// SAFETY: the kobject pointer is only passed to sysfs calls that lock.
unsafe impl Send for Controls {}
// SAFETY: no method reads through `&self`.
unsafe impl Sync for Controls {}

impl Controls {
    /// Creates the files in `kobj`, allocprof's directory.
    pub(crate) fn create(kobj: *mut bindings::kobject) -> Result<Self> {
        let mut c = Controls { kobj, created: 0 };
        for f in FILES {
            // SAFETY: `kobj` is live (its owner outlives `self`) and the
            // attributes static.
            to_result(unsafe {
                bindings::sysfs_create_file_ns(kobj, &f.0.attr, core::ptr::null())
            })?;
            c.created += 1;
        }
        Ok(c)
    }
}

impl Drop for Controls {
    fn drop(&mut self) {
        for f in &FILES[..self.created] {
            // SAFETY: created in `create`; removal waits for callers.
            unsafe { bindings::sysfs_remove_file_ns(self.kobj, &f.0.attr, core::ptr::null()) };
        }
        static_branch::CUMULATIVE.set(false);
    }
}
