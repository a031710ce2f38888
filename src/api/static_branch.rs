// SPDX-License-Identifier: GPL-2.0

//! The static branches on allocprof's static keys.
//!
//! The keys are defined in allocprof's C glue (`src/glue.c`).  Each test
//! here is a 5-byte NOP while its key is off, patched into a jump to the
//! accounting code by `static_key_enable()`: a disabled profiler costs one
//! NOP per call site.

use kernel::bindings::static_key;

extern "C" {
    /// On: call sites charge their counters (`vm.mem_profiling`).
    static allocprof_key: static_key;
    /// On: debug checks run (module parameter `debug`).
    static allocprof_debug_key: static_key;
}

/// `static_branch_unlikely()` on `$key`, the form the kernel uses for a key
/// defined with `DEFINE_STATIC_KEY_FALSE()`: the site starts as a NOP and
/// the jump-label core patches it when the key's state differs.
#[cfg(target_arch = "x86_64")]
macro_rules! static_branch_unlikely {
    ($key:ident) => {{
        // SAFETY: the template is the x86 `arch_static_branch()` with a
        // literal NOP5 and a `__jump_table` entry of the layout the
        // jump-label core expects (code, target, key; branch bit clear).
        // Like the C version it touches no memory and no flags (the
        // table entry is assembled data), so the compiler keeps values in
        // registers across it.
        unsafe {
            core::arch::asm!(
                "2: .byte 0x0f,0x1f,0x44,0x00,0x00",
                ".pushsection __jump_table, \"aw\"",
                ".balign 8",
                ".long 2b - .",
                ".long {yes} - .",
                ".quad {key} - .",
                ".popsection",
                key = sym $key,
                yes = label {
                    return true;
                },
                options(nomem, nostack, preserves_flags),
            );
        }
        false
    }};
}

#[cfg(not(target_arch = "x86_64"))]
macro_rules! static_branch_unlikely {
    ($key:ident) => {{
        // SAFETY: the key is a static of allocprof's; its `enabled` count
        // is read atomically, as `static_key_count()` does.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!($key.enabled.counter)) > 0 }
    }};
}

/// Whether allocation profiling is on.
#[inline(always)]
pub fn profiling_enabled() -> bool {
    static_branch_unlikely!(allocprof_key)
}

/// Whether allocprof's debug checks are on.
#[inline(always)]
pub fn debug_enabled() -> bool {
    static_branch_unlikely!(allocprof_debug_key)
}

/// The address of the profiling key, for `static_key_enable()` and
/// `static_key_disable()`.
pub fn profiling_key() -> *mut static_key {
    core::ptr::addr_of!(allocprof_key).cast_mut()
}

/// The address of the debug key.
pub fn debug_key() -> *mut static_key {
    core::ptr::addr_of!(allocprof_debug_key).cast_mut()
}
