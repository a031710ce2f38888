// SPDX-License-Identifier: GPL-2.0

//! The sysctl `vm.mem_profiling`: reads `0` or `1`, writing `0` or `1`
//! flips the static key; anything else is refused with `EINVAL`.

use crate::allocprof::static_branch;
use crate::dropin::hooks;
use crate::ffi::helpers;
use crate::ffi::sysctl::{self, Sysctl};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::error::{code::EBUSY, code::EINVAL, code::ENOMEM, code::EPERM, Result};
use kernel::prelude::*;

/// Whether writes are refused (module parameter `debug`).
static READ_ONLY: AtomicBool = AtomicBool::new(false);

/// The registered `vm.mem_profiling` entry; unregistered on drop.
pub(crate) struct MemProfilingSysctl {
    _entry: Sysctl,
}

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
        if helpers::proc_exists(c"sys/vm/mem_profiling")? {
            pr_err!(
                "vm.mem_profiling already exists (a kernel built with CONFIG_MEM_ALLOC_PROFILING owns it); not loading\n"
            );
            return Err(EBUSY);
        }
        READ_ONLY.store(read_only, Ordering::Relaxed);
        let mode = if read_only { 0o444 } else { 0o644 };
        let Some(entry) = Sysctl::register::<MemProfiling>(c"vm", c"mem_profiling", mode)? else {
            pr_err!("cannot register vm.mem_profiling; not loading\n");
            return Err(ENOMEM);
        };
        Ok(MemProfilingSysctl { _entry: entry })
    }
}

/// What `vm.mem_profiling` reads and takes.
struct MemProfiling;

impl sysctl::Entry for MemProfiling {
    fn read() -> &'static [u8] {
        if static_branch::profiling_enabled() {
            b"1\n"
        } else {
            b"0\n"
        }
    }

    fn write(input: &[u8]) -> Result {
        if READ_ONLY.load(Ordering::Relaxed) {
            return Err(EPERM);
        }
        let enable = match input {
            b"0" | b"0\n" => false,
            b"1" | b"1\n" => true,
            _ => return Err(EINVAL),
        };
        // A sysctl write may sleep.
        hooks::set_profiling(enable);
        Ok(())
    }
}
