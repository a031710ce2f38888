// SPDX-License-Identifier: GPL-2.0

//! The static branches on allocprof's static keys.
//!
//! The keys are defined in allocprof's C glue (`src/ffi/keys.c`).  Each test
//! here is a 5-byte NOP while its key is off, patched into a jump to the
//! accounting code by `static_key_enable()`: a disabled profiler costs one
//! NOP per call site.

use kernel::bindings::static_key;
use kernel::types::Opaque;

extern "C" {
    /// On: call sites charge their counters (`vm.mem_profiling`).
    /// Written by the jump-label core: opaque to Rust.
    static allocprof_key: Opaque<static_key>;
    /// On: debug checks run (module parameter `debug`).
    static allocprof_debug_key: Opaque<static_key>;
    /// On: drop-in frees look their objects up (src/dropin/hooks.rs).
    static allocprof_dropin_key: Opaque<static_key>;
    /// On: charges also add to the cumulative counters
    /// (`/sys/kernel/allocprof/cumulative`).
    static allocprof_cumulative_key: Opaque<static_key>;
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

/// Whether `$key` is off, for code that runs mostly while it is on: the
/// site is a JMP to the "off" code while the key is off (the "likely" form,
/// x86's `arch_static_branch_jump()`: the entry's branch bit set), patched
/// into a NOP when it is on, so that the on path falls through.
#[cfg(target_arch = "x86_64")]
macro_rules! static_branch_off_jump {
    ($key:ident) => {{
        // SAFETY: as for `static_branch_unlikely!`, with a JMP to the
        // label as the site's initial instruction and the branch bit set
        // in the entry's key.
        unsafe {
            core::arch::asm!(
                "2: jmp {off}",
                ".pushsection __jump_table, \"aw\"",
                ".balign 8",
                ".long 2b - .",
                ".long {off} - .",
                ".quad {key} + 1 - .",
                ".popsection",
                key = sym $key,
                off = label {
                    return true;
                },
                options(nomem, nostack, preserves_flags),
            );
        }
        false
    }};
}

#[cfg(not(target_arch = "x86_64"))]
macro_rules! static_branch_off_jump {
    ($key:ident) => {{
        // SAFETY: as in `static_branch_unlikely!`.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*$key.get()).enabled.counter)) <= 0 }
    }};
}

#[cfg(not(target_arch = "x86_64"))]
macro_rules! static_branch_unlikely {
    ($key:ident) => {{
        // SAFETY: the key is a static of allocprof's; its `enabled` count
        // is read atomically, as `static_key_count()` does.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*$key.get()).enabled.counter)) > 0 }
    }};
}

/// Whether allocation profiling is on.
#[inline(always)]
pub fn profiling_enabled() -> bool {
    static_branch_unlikely!(allocprof_key)
}

/// Whether allocation profiling is off, for code that runs while it is
/// mostly on (the drop-in records, which check it again in their
/// non-preemptible region): a NOP while it is on.
#[inline(always)]
pub fn profiling_off() -> bool {
    static_branch_off_jump!(allocprof_key)
}

/// Whether allocprof's debug checks are on.
#[inline(always)]
pub fn debug_enabled() -> bool {
    static_branch_unlikely!(allocprof_debug_key)
}

/// Whether the cumulative counters are on (tested only inside the
/// profiling branch: with profiling off they cost nothing).
#[inline(always)]
pub fn cumulative_enabled() -> bool {
    static_branch_unlikely!(allocprof_cumulative_key)
}

/// One of allocprof's static keys, to switch.  (`Opaque<T>` is a
/// transparent `UnsafeCell<T>`: a key's address is its `static_key`'s.)
#[derive(Clone, Copy)]
pub struct Key(fn() -> *mut static_key);

/// The profiling key (`vm.mem_profiling`).
pub const PROFILING: Key = Key(|| core::ptr::addr_of!(allocprof_key).cast_mut().cast());

/// The debug key (module parameter `debug`).
pub const DEBUG: Key = Key(|| core::ptr::addr_of!(allocprof_debug_key).cast_mut().cast());

/// The drop-in frees key: frees of drop-in modules look up the pointer
/// table.
pub const DROPIN_FREES: Key = Key(|| core::ptr::addr_of!(allocprof_dropin_key).cast_mut().cast());

/// The cumulative-counters key (`/sys/kernel/allocprof/cumulative`).
pub const CUMULATIVE: Key = Key(|| {
    core::ptr::addr_of!(allocprof_cumulative_key)
        .cast_mut()
        .cast()
});

impl Key {
    /// Whether the key is on (its count, read as `static_key_count()`).
    pub fn is_on(self) -> bool {
        let key = (self.0)();
        // SAFETY: `key` is one of allocprof's static keys; its count is an
        // `atomic_t`, read atomically.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*key).enabled.counter)) > 0 }
    }

    /// Turns the key on or off, patching every call site; may sleep.
    pub fn set(self, on: bool) {
        let key = (self.0)();
        // SAFETY: `key` is one of allocprof's static keys, which live as
        // long as allocprof, and so as long as any module using this API.
        // `static_key_enable()`/`disable()` take the jump-label lock and
        // are idempotent.
        unsafe {
            if on {
                kernel::bindings::static_key_enable(key)
            } else {
                kernel::bindings::static_key_disable(key)
            }
        }
    }
}
