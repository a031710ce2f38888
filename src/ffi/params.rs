// SPDX-License-Identifier: GPL-2.0

//! allocprof's module parameters (`module_param_named()` in
//! src/ffi/keys.c: the 6.12 `module!` macro has none).  All are 0444:
//! set at load, before `init`, and read-only after.

/// The parameters, as `struct allocprof_params` of src/ffi/keys.c lays
/// them out.
#[repr(C)]
pub(crate) struct Params {
    /// `enabled`: profile from load on.
    pub(crate) enabled: bool,
    /// `debug`: debug checks on, `vm.mem_profiling` read-only.
    pub(crate) debug: bool,
    /// `test_delay_ms`: sleep inside the setup of `allocinfo`.
    pub(crate) test_delay_ms: u32,
    /// `test_record_delay_ms`: a drop-in record (general path) busy-waits
    /// this long before it stores its object.
    pub(crate) test_record_delay_ms: u32,
    /// `test_record_sleep_ms`: a drop-in record (general path) sleeps this
    /// long before its non-preemptible region.
    pub(crate) test_record_sleep_ms: u32,
    /// `dropin_slots`: objects the drop-in pointer table can hold.
    pub(crate) dropin_slots: u32,
    /// `test_view_delay_ms`: sleep before creating and before removing a
    /// per-module view.
    pub(crate) test_view_delay_ms: u32,
    /// `test_realloc_sleep_ms`: a Rust drop-in reallocation that moved
    /// sleeps this long before it records.
    pub(crate) test_realloc_sleep_ms: u32,
    /// `test_page_free_sleep_ms`: a drop-in page free on its slow path
    /// sleeps this long before its non-preemptible region.
    pub(crate) test_page_free_sleep_ms: u32,
}

const _: () = assert!(core::mem::size_of::<Params>() == 32);

extern "C" {
    static allocprof_params: Params;
}

/// The module parameters.
pub(crate) fn get() -> &'static Params {
    // SAFETY: C writes the parameters only while the module loads, before
    // any Rust code of it runs.
    unsafe { &allocprof_params }
}
