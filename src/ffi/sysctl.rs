// SPDX-License-Identifier: GPL-2.0

//! A sysctl entry whose reads and writes are safe Rust callbacks, reached
//! through a generic `proc_handler`; unregistered when dropped.

use core::ffi::{c_int, c_void, CStr};
use core::ptr::NonNull;
use kernel::bindings;
use kernel::prelude::*;

/// What a sysctl entry reads and takes.
pub(crate) trait Entry: 'static {
    /// The text a read gives (from offset 0).
    fn read() -> &'static [u8];
    /// Takes a write's bytes, written at offset 0 (a write elsewhere is
    /// refused with `EINVAL`).
    fn write(input: &[u8]) -> Result;
}

/// A registered entry; unregistered on drop.
pub(crate) struct Sysctl {
    header: NonNull<bindings::ctl_table_header>,
    _table: KBox<[bindings::ctl_table; 1]>,
}

// SAFETY: the header is only passed back to `unregister_sysctl_table()`.
unsafe impl Send for Sysctl {}
// SAFETY: no method reads through `&self`.
unsafe impl Sync for Sysctl {}

impl Sysctl {
    /// Registers `<dir>.<name>` (e.g. `vm`, `mem_profiling`), of mode
    /// `mode`, served by `E`; `None` if the sysctl core refuses it.
    pub(crate) fn register<E: Entry>(
        dir: &'static CStr,
        name: &'static CStr,
        mode: u16,
    ) -> Result<Option<Self>> {
        let entry = bindings::ctl_table {
            procname: name.to_bytes_with_nul().as_ptr().cast(),
            mode,
            proc_handler: Some(handler::<E>),
            ..Default::default()
        };
        let table = KBox::new([entry], GFP_KERNEL)?;
        // SAFETY: `table` is heap memory that the returned value keeps
        // until `unregister_sysctl_table()` in `drop`; `dir` is a C string.
        let header = unsafe {
            bindings::register_sysctl_sz(
                dir.to_bytes_with_nul().as_ptr().cast(),
                table.as_ptr().cast_mut(),
                1,
            )
        };
        Ok(NonNull::new(header).map(|header| Sysctl {
            header,
            _table: table,
        }))
    }
}

impl Drop for Sysctl {
    fn drop(&mut self) {
        // SAFETY: `header` came from `register_sysctl_sz()`.
        unsafe { bindings::unregister_sysctl_table(self.header.as_ptr()) };
    }
}

/// The `proc_handler` of entry `E`.
///
/// # Safety
///
/// Called by the sysctl core: `buffer` holds `*lenp` bytes (plus a NUL for
/// writes), `lenp` and `ppos` are valid.
unsafe extern "C" fn handler<E: Entry>(
    _table: *const bindings::ctl_table,
    is_write: c_int,
    buffer: *mut c_void,
    lenp: *mut usize,
    ppos: *mut bindings::loff_t,
) -> c_int {
    // SAFETY: per the function's contract.
    let (len, pos) = unsafe { (*lenp, *ppos) };
    // What the call consumed (a write, whole) or produced (a read).
    let n = if is_write != 0 {
        if pos != 0 {
            return EINVAL.to_errno();
        }
        // SAFETY: per the function's contract, `buffer` holds `len` bytes.
        let input = unsafe { core::slice::from_raw_parts(buffer.cast::<u8>(), len) };
        if let Err(e) = E::write(input) {
            return e.to_errno();
        }
        len
    } else {
        let text = E::read();
        let n = if pos == 0 { text.len().min(len) } else { 0 };
        // SAFETY: per the function's contract, `buffer` has room for `len`
        // bytes and `n <= len`.
        unsafe {
            core::ptr::copy_nonoverlapping(text.as_ptr(), buffer.cast::<u8>(), n);
            *lenp = n;
        }
        n
    };
    // SAFETY: per the function's contract.
    unsafe { *ppos += n as bindings::loff_t };
    0
}
