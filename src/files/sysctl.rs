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
    /// Refuses with `EBUSY` if it exists already.  That is checked first,
    /// in a private procfs mount (so an insmod without /proc, or in
    /// another mount namespace, is checked too): in this kernel a
    /// duplicate registration fails but also unlinks the existing entry's
    /// neighbours from the sysctl tree (`insert_header()` erases entries
    /// it never inserted).  The sysctl core exports no test-and-register,
    /// so a module registering `vm.mem_profiling` at the same instant as
    /// allocprof's init is not excluded; the kernel that owns it for real
    /// (`CONFIG_MEM_ALLOC_PROFILING`) does so from boot and cannot build
    /// allocprof at all.
    pub(crate) fn register(read_only: bool) -> Result<Self> {
        if exists()? {
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

extern "C" {
    /// 1 if `path` exists under a private procfs mount, 0 if not, or a
    /// negative errno (src/glue.c).
    fn allocprof_proc_exists(path: *const kernel::ffi::c_char) -> c_int;
}

/// Whether `vm.mem_profiling` exists already, whatever the caller's mounts.
fn exists() -> Result<bool> {
    // SAFETY: a NUL-terminated path relative to procfs' root.
    match unsafe { allocprof_proc_exists(c"sys/vm/mem_profiling".as_ptr().cast()) } {
        0 => Ok(false),
        1 => Ok(true),
        e => Err(kernel::error::Error::from_errno(e)),
    }
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
    // A sysctl write may sleep.
    crate::dropin::hooks::set_profiling(enable);
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
