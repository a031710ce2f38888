// SPDX-License-Identifier: GPL-2.0

//! The sysctl `vm.mem_profiling`: reads `0` or `1`, writing `0` or `1`
//! flips the static key; anything else is refused with `EINVAL`.

use crate::allocprof::static_branch;
use core::ffi::{c_int, c_void};
use kernel::bindings;
use kernel::error::{code::EBUSY, code::EINVAL, code::ENOMEM, code::EPERM, Result};
use kernel::prelude::*;

/// Whether writes are refused (module parameter `debug`).
static READ_ONLY: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// The registered `vm.mem_profiling` entry; unregistered on drop.
pub(crate) struct MemProfilingSysctl {
    header: *mut bindings::ctl_table_header,
    _table: KBox<[bindings::ctl_table; 1]>,
}

// SAFETY: the header is only passed back to `unregister_sysctl_table()`.
unsafe impl Send for MemProfilingSysctl {}
// SAFETY: no method reads through `&self`.
unsafe impl Sync for MemProfilingSysctl {}

impl MemProfilingSysctl {
    /// Registers `vm.mem_profiling`, mode 0644, or 0444 if `read_only`.
    ///
    /// Refuses with `EBUSY` if it exists already.  That is checked first
    /// through `/proc/sys`: in this kernel a duplicate registration fails
    /// but also unlinks the existing entry's neighbours from the sysctl
    /// tree (`insert_header()` erases entries it never inserted).
    pub(crate) fn register(read_only: bool) -> Result<Self> {
        if exists() {
            pr_err!(
                "vm.mem_profiling already exists (a kernel built with CONFIG_MEM_ALLOC_PROFILING owns it); not loading\n"
            );
            return Err(EBUSY);
        }
        READ_ONLY.store(read_only, core::sync::atomic::Ordering::Relaxed);
        let entry = bindings::ctl_table {
            procname: c"mem_profiling".as_ptr().cast(),
            mode: if read_only { 0o444 } else { 0o644 },
            proc_handler: Some(handler),
            // SAFETY: all-zero is a valid `ctl_table` (null pointers).
            ..unsafe { core::mem::zeroed() }
        };
        let table = KBox::new([entry], GFP_KERNEL)?;
        // SAFETY: `table` is heap memory kept alive by the returned value
        // until `unregister_sysctl_table()` in `drop`.
        let header = unsafe {
            bindings::register_sysctl_sz(c"vm".as_ptr().cast(), table.as_ptr().cast_mut(), 1)
        };
        if header.is_null() {
            pr_err!("cannot register vm.mem_profiling; not loading\n");
            return Err(ENOMEM);
        }
        Ok(MemProfilingSysctl {
            header,
            _table: table,
        })
    }
}

impl Drop for MemProfilingSysctl {
    fn drop(&mut self) {
        // SAFETY: `header` came from `register_sysctl_sz()`.
        unsafe { bindings::unregister_sysctl_table(self.header) };
    }
}

// `struct path` holds pointers only to types Rust never looks into.
#[allow(improper_ctypes)]
extern "C" {
    // Exported by fs/namei.c; not in the 6.12 bindings.
    fn kern_path(
        name: *const kernel::ffi::c_char,
        flags: core::ffi::c_uint,
        path: *mut bindings::path,
    ) -> c_int;
}

/// Whether `/proc/sys/vm/mem_profiling` exists (false if /proc is not
/// mounted: then nothing can be checked).
fn exists() -> bool {
    // SAFETY: all-zero is a valid empty `struct path`.
    let mut path: bindings::path = unsafe { core::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a `struct path` to fill.
    if unsafe { kern_path(c"/proc/sys/vm/mem_profiling".as_ptr().cast(), 0, &mut path) } != 0 {
        return false;
    }
    // SAFETY: `kern_path()` succeeded and took references.
    unsafe { bindings::path_put(&path) };
    true
}

/// Sets the profiling key from a written value, or refuses it.
fn write(input: &[u8]) -> Result {
    if READ_ONLY.load(core::sync::atomic::Ordering::Relaxed) {
        return Err(EPERM);
    }
    let enable = match input {
        b"0" | b"0\n" => false,
        b"1" | b"1\n" => true,
        _ => return Err(EINVAL),
    };
    let key = static_branch::profiling_key();
    // SAFETY: `key` is allocprof's static key; toggling it may sleep,
    // which a sysctl write may.
    unsafe {
        if enable {
            bindings::static_key_enable(key)
        } else {
            bindings::static_key_disable(key)
        }
    }
    Ok(())
}

/// The `proc_handler` of `vm.mem_profiling`.
///
/// # Safety
///
/// Called by the sysctl core: `buffer` holds `*lenp` bytes (plus a NUL for
/// writes), `lenp` and `ppos` are valid.
unsafe extern "C" fn handler(
    _table: *const bindings::ctl_table,
    is_write: c_int,
    buffer: *mut c_void,
    lenp: *mut usize,
    ppos: *mut bindings::loff_t,
) -> c_int {
    // SAFETY: per the function's contract.
    let (len, pos) = unsafe { (*lenp, *ppos) };
    if is_write != 0 {
        if pos != 0 {
            return EINVAL.to_errno();
        }
        // SAFETY: per the function's contract, `buffer` holds `len` bytes.
        let input = unsafe { core::slice::from_raw_parts(buffer.cast::<u8>(), len) };
        return match write(input) {
            Ok(()) => {
                // SAFETY: per the function's contract.
                unsafe { *ppos += len as bindings::loff_t };
                0
            }
            Err(e) => e.to_errno(),
        };
    }
    let text: &[u8] = if static_branch::profiling_enabled() {
        b"1\n"
    } else {
        b"0\n"
    };
    let n = if pos == 0 { text.len().min(len) } else { 0 };
    // SAFETY: per the function's contract, `buffer` has room for `len`
    // bytes and `n <= len`.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), buffer.cast::<u8>(), n);
        *lenp = n;
        *ppos += n as bindings::loff_t;
    }
    0
}
