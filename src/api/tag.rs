// SPDX-License-Identifier: GPL-2.0

//! The code tag of one allocation call site (`struct allocprof_tag`).

use crate::allocprof::counters::Counters;
use core::sync::atomic::AtomicPtr;
use kernel::ffi::c_char;

/// `function` is a [`FunctionName::callback`] (Rust call sites).
pub const FUNCTION_CALLBACK: u32 = 0x1;

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
/// counters when its module registers.
#[repr(C, align(8))]
pub struct Tag {
    /// `FUNCTION_CALLBACK` or 0.
    pub flags: u32,
    /// Source line.
    pub lineno: u32,
    /// Module name, NUL-terminated.
    pub modname: *const c_char,
    /// Function name.
    pub function: FunctionName,
    /// Source file, NUL-terminated.
    pub filename: *const c_char,
    /// Per-CPU counters, set at registration; before, the sink
    /// ([`counters::sink`](crate::allocprof::counters::sink)).
    pub counters: AtomicPtr<Counters>,
}

// SAFETY: the strings are immutable statics and the counters pointer is
// atomic; per-CPU counters are updated only through `this_cpu` operations.
unsafe impl Sync for Tag {}

const _: () = assert!(core::mem::size_of::<Tag>() == 40);
const _: () = assert!(core::mem::size_of::<Counters>() == 16);

impl Tag {
    /// A Rust call site's tag.  `modname` and `filename` end with a NUL.
    pub const fn new(
        modname: &'static [u8],
        filename: &'static str,
        lineno: u32,
        name: NameFn,
    ) -> Tag {
        Tag {
            flags: FUNCTION_CALLBACK,
            lineno,
            modname: modname.as_ptr().cast(),
            function: FunctionName { callback: name },
            filename: filename.as_ptr().cast(),
            counters: AtomicPtr::new(crate::allocprof::counters::sink()),
        }
    }
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
