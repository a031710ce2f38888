// SPDX-License-Identifier: GPL-2.0

//! The code tag of one allocation call site (`struct allocprof_tag`), and
//! the per-CPU counters it points at (`struct allocprof_counters`).

use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use kernel::ffi::c_char;

/// The counters of one call site on one CPU (`struct allocprof_counters`).
#[repr(C)]
pub struct Counters {
    /// Live bytes; read as signed, as a free may land on another CPU.
    pub bytes: u64,
    /// Live allocations.
    pub calls: u64,
    /// Bytes charged since the last reset (cumulative counters; only
    /// charges add to it, only a reset lowers it).
    pub total_bytes: u64,
    /// Allocations charged since the last reset.
    pub total_calls: u64,
}

const _: () = assert!(core::mem::offset_of!(Counters, total_bytes) == 16);
const _: () = assert!(core::mem::offset_of!(Counters, total_calls) == 24);

extern "C" {
    /// Counters of the tags of modules that have not registered
    /// (src/ffi/keys.c).  Written by every CPU through `this_cpu` operations,
    /// hence opaque: Rust never reads it as a plain `Counters`.
    static allocprof_sink: kernel::types::Opaque<Counters>;
}

/// Where an unregistered tag's counters point: charges land there unseen.
pub const fn sink() -> *mut Counters {
    // `Opaque<T>` is a transparent `UnsafeCell<T>`: its address is the
    // counters', and writing through it is allowed.
    core::ptr::addr_of!(allocprof_sink)
        .cast::<Counters>()
        .cast_mut()
}

/// `function` is a [`FunctionName::callback`] (Rust call sites).
pub const FUNCTION_CALLBACK: u32 = 0x1;
/// The row's figures may be wrong (` accurate:no`); set at run time.
pub const INACCURATE: u32 = 0x2;

/// Returns a call site's function name and stores its length.
pub type NameFn = extern "C" fn(&mut usize) -> *const c_char;

/// How a tag names its function: a NUL-terminated string (C call sites)
/// or a callback (Rust call sites, whose names are only known at run time).
#[repr(C)]
#[derive(Clone, Copy)]
pub union FunctionName {
    /// NUL-terminated name.
    pub name: *const c_char,
    /// Callback, when the tag's flags have [`FUNCTION_CALLBACK`].
    pub callback: NameFn,
}

/// One allocation call site, 40 bytes, in the `alloc_tags` section.
///
/// Built by [`alloc_tag!`](crate::alloc_tag); the registry gives it
/// counters when its module registers.  Every field is private: the
/// strings are checked when the tag is built, and the counters pointer
/// (always the sink or per-CPU counters that outlive every charge to
/// them) changes only through the unsafe [`Tag::swap_counters`].
#[repr(C, align(8))]
pub struct Tag {
    /// `FUNCTION_CALLBACK`, and `INACCURATE` once set.
    flags: AtomicU32,
    /// Source line.
    lineno: u32,
    /// Module name, NUL-terminated.
    modname: *const c_char,
    /// Function name.
    function: FunctionName,
    /// Source file, NUL-terminated.
    filename: *const c_char,
    /// Per-CPU counters, set at registration; before, the sink
    /// ([`sink()`]).
    counters: AtomicPtr<Counters>,
}

// SAFETY: the strings are immutable statics and the counters pointer is
// atomic; per-CPU counters are updated only through `this_cpu` operations.
unsafe impl Sync for Tag {}

const _: () = assert!(core::mem::size_of::<Tag>() == 40);
const _: () = assert!(core::mem::size_of::<Counters>() == 32);

/// `bytes` as a C string, or a compile-time error (in a static's
/// initializer) if it does not end with its only NUL.
const fn c_str(bytes: &'static [u8]) -> *const c_char {
    match core::ffi::CStr::from_bytes_with_nul(bytes) {
        // The checked bytes are the string: `c_char` is `u8`.
        Ok(_) => bytes.as_ptr().cast(),
        Err(_) => panic!("a tag string must end with its only NUL byte"),
    }
}

impl Tag {
    /// A Rust call site's tag.  `modname` and `filename` must end with
    /// their only NUL byte: a tag built in a static (as
    /// [`alloc_tag!`](crate::alloc_tag) does) fails to compile otherwise.
    pub const fn new(
        modname: &'static [u8],
        filename: &'static str,
        lineno: u32,
        name: NameFn,
    ) -> Tag {
        Tag {
            flags: AtomicU32::new(FUNCTION_CALLBACK),
            lineno,
            modname: c_str(modname),
            function: FunctionName { callback: name },
            filename: c_str(filename.as_bytes()),
            counters: AtomicPtr::new(sink()),
        }
    }

    /// The source line.
    pub fn lineno(&self) -> u32 {
        self.lineno
    }

    /// The source file name ("?" if a C tag has none).
    pub fn filename(&self) -> &'static [u8] {
        // SAFETY: a Rust tag's file name was checked in `new`; a C tag's
        // is a static C string or null (`allocprof_register_module()`'s
        // contract).
        unsafe { cstr_or_unknown(self.filename) }
    }

    /// The function name as the tag gives it: for a Rust tag the type
    /// name of its marker function (see [`site_name`]), for a C tag
    /// `__func__`.
    pub fn raw_function(&self) -> &'static [u8] {
        if self.is_rust() {
            let mut len = 0;
            // SAFETY: the flag says `callback` is the active field.
            let p = unsafe { (self.function.callback)(&mut len) };
            // SAFETY: the callback returns a `'static` string of `len` bytes.
            unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len) }
        } else {
            // SAFETY: the flag says `name` is the active field, a static
            // C string or null.
            unsafe { cstr_or_unknown(self.function.name) }
        }
    }

    /// Whether the function name is a Rust marker's type name.
    pub fn is_rust(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & FUNCTION_CALLBACK != 0
    }

    /// Whether `other` names the same module string: the tags of one
    /// module built by one tool or compilation share it (the Rust
    /// drop-in's tags of a module do).
    pub fn same_module(&self, other: &Tag) -> bool {
        core::ptr::eq(self.modname, other.modname)
    }

    /// Marks the row ` accurate:no`: some of its figures may be wrong.
    pub fn mark_inaccurate(&self) {
        self.flags.fetch_or(INACCURATE, Ordering::Relaxed);
    }

    /// Whether the row is marked ` accurate:no`.
    pub fn is_inaccurate(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & INACCURATE != 0
    }

    /// Clears the ` accurate:no` mark (a module registering afresh).
    pub fn clear_inaccurate(&self) {
        self.flags.fetch_and(!INACCURATE, Ordering::Relaxed);
    }

    /// The counters charges go to now.
    #[inline(always)]
    pub fn counters(&self) -> *mut Counters {
        self.counters.load(Ordering::Relaxed)
    }

    /// Points the tag at the sink
    /// ([`sink()`]): its charges land
    /// there, unseen (its module unregisters).
    pub fn point_at_sink(&self) {
        self.counters.store(sink(), Ordering::Release);
    }

    /// Points the tag at `counters`, returning the previous ones.
    ///
    /// # Safety
    ///
    /// `counters` is [`sink()`] or
    /// per-CPU counters that stay allocated until every charge that may
    /// have loaded them (see [`Ref::charge`](crate::allocprof::Ref::charge))
    /// and every allocation charged to them are over.
    pub unsafe fn swap_counters(&self, counters: *mut Counters) -> *mut Counters {
        self.counters.swap(counters, Ordering::AcqRel)
    }
}

/// The bytes of a C string (without its NUL), `"?"` for null.
///
/// The kernel's prelude reads it, with no cfg (the client API has none):
/// its `CStr::from_char_ptr` is an inherent method of `kernel::str::CStr`
/// on 6.12, and of `CStrExt` (which the prelude brings into scope) on
/// 7.3, whose `core::ffi::CStr` is the kernel's; both give the bytes as a
/// `BStr` (see "Kernel versions" in Documentation/allocprof/design.rst).
///
/// # Safety
///
/// `p` is null or a NUL-terminated string that lives, unchanged, for `'a`.
pub(crate) unsafe fn cstr_or_unknown<'a>(p: *const c_char) -> &'a [u8] {
    use kernel::prelude::*;
    if p.is_null() {
        return b"?";
    }
    // SAFETY: per the function's contract.
    let s: &'a CStr = unsafe { CStr::from_char_ptr(p) };
    let bytes: &kernel::str::BStr = s.as_ref();
    bytes
}

/// The function name of a call site, from the type name of the marker
/// function [`alloc_tag!`](crate::alloc_tag) defines there
/// (`krate::module::function::{{closure}}::__allocprof_site`): the marker
/// and closure segments are dropped, leaving the path as a user writes it.
pub fn site_name(type_name: &'static str, buf: &mut [u8]) -> usize {
    let trimmed = type_name
        .strip_suffix("::__allocprof_site")
        .unwrap_or(type_name);
    let mut n = 0;
    for (i, seg) in trimmed
        .split("::")
        .filter(|s| *s != "{{closure}}")
        .enumerate()
    {
        for &b in (if i == 0 { "" } else { "::" })
            .as_bytes()
            .iter()
            .chain(seg.as_bytes())
        {
            if n < buf.len() {
                buf[n] = b;
            }
            n += 1;
        }
    }
    n.min(buf.len())
}

/// A tag for this call site, in the `alloc_tags` section of the module
/// being built.
#[macro_export]
macro_rules! alloc_tag {
    () => {{
        extern "C" fn __allocprof_site(len: &mut usize) -> *const ::kernel::ffi::c_char {
            let name = ::core::any::type_name_of_val(&__allocprof_site);
            *len = name.len();
            name.as_ptr().cast()
        }
        #[used(compiler)]
        #[link_section = "alloc_tags"]
        static __ALLOCPROF_TAG: $crate::allocprof::Tag = $crate::allocprof::Tag::new(
            $crate::__LOG_PREFIX,
            ::core::concat!(::core::file!(), "\0"),
            ::core::line!(),
            __allocprof_site,
        );
        &__ALLOCPROF_TAG
    }};
}
