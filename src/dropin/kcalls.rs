// SPDX-License-Identifier: GPL-2.0

//! The Rust drop-in's wrappers of the kernel crate's non-generic functions
//! that allocate or reallocate a module's object with the kernel crate's
//! own calls of `ReallocFunc::call`, out of the module's sites
//! (Documentation/allocprof/dropin-rust.rst: `-Zshare-generics=n` changes
//! nothing for a function that is not generic).
//!
//! tools/allocprof-rs-dropin retargets each module call of one of them
//! (its table, `KNOWN_CALLS`) to a site of its own
//! (`ALLOCPROF_RS_KCALL_SITE` of include/allocprof_rs_dropin.h): the
//! static branch, then the site's tag in the argument register after the
//! function's own arguments and a jump to its wrapper here, of the same
//! Rust signature plus that tag: allocprof is built by the same compiler
//! against the same kernel crate, and [`check_abi`] runs each site's code
//! at load around a probe of the wrapper's signature.  A wrapper calls
//! the real function and records what it did, as a site of the module
//! records `ReallocFunc::call`:
//!
//! - `read_all` of a module's `KVec<u8>` (`reserve`, a krealloc of its
//!   buffer): the old buffer claimed before ([`claim`]); moved, its entry
//!   removed and uncharged and the new buffer recorded at the site
//!   (`kmalloc` of the new capacity, as the kernel crate asked); in place,
//!   nothing changes; a first buffer recorded;
//! - a new `CString` (`try_from_fmt`, `try_from(&CStr)`, `to_cstring`,
//!   `to_ascii_lowercase`, `to_ascii_uppercase`): its buffer recorded at
//!   the site (a `kmalloc` of its length with the NUL, its capacity in
//!   each), which the module's drop uncharges;
//! - a new `Page` (`Page::alloc_page`, `alloc_pages()` of order 0): the
//!   page recorded at the site, as the C drop-in records `alloc_page()`;
//!   its drop (`<Page as Drop>::drop`, `__free_pages()`) forgets it first
//!   (`ALLOCPROF_RS_KPAGE_FREE_SITE`, assembly alone: it needs no tag).

use super::rust::{allocprof_rs_abi_probe_tag, claim, finish, SiteTag, KMALLOC};
use core::fmt;
use kernel::alloc::{AllocError, Flags};
use kernel::page::Page;
use kernel::prelude::*;
use kernel::str::CString;
use kernel::uaccess::{UserSlice, UserSliceReader};

/// `f` (a `read_all` of the kernel crate) on the module's `buf`, recorded
/// at the site of `tag` as a reallocation of its buffer.
fn grow(tag: &SiteTag<'_>, buf: &mut KVec<u8>, f: impl FnOnce(&mut KVec<u8>) -> Result) -> Result {
    let (old, old_cap) = (buf.as_ptr() as usize, buf.capacity());
    // A capacity of 0: no buffer (a dangling pointer).
    let held = (old_cap != 0).then(|| claim(old, tag));
    let r = f(buf);
    let (new, cap) = (buf.as_ptr() as usize, buf.capacity());
    match held {
        Some(c) => finish(tag, KMALLOC, cap, new, c),
        None if cap != 0 => tag.record(KMALLOC, new, cap),
        None => {}
    }
    r
}

/// A new `CString` of the kernel crate, its buffer recorded at the site
/// of `tag`: a `kmalloc` of its length with the NUL (its capacity, as
/// each of the functions wrapped makes it).
fn new_cstring<E>(tag: &SiteTag<'_>, r: Result<CString, E>) -> Result<CString, E> {
    if let Ok(s) = &r {
        let b = s.as_bytes_with_nul();
        tag.record(KMALLOC, b.as_ptr() as usize, b.len());
    }
    r
}

/// A `struct page`, as include/allocprof_dropin.h numbers the kinds.
const PAGE: core::ffi::c_uint = 5;

// `ALLOCPROF_RS_KPAGE_FREE_SITE` reads the page of a `&mut Page` at its
// address: its one field, a pointer.
const _: () = assert!(core::mem::size_of::<Page>() == core::mem::size_of::<usize>());

/// `Page::alloc_page` at a site of `tag`: a page of order 0 recorded.
#[no_mangle]
extern "Rust" fn allocprof_rs_k_page_alloc(
    flags: Flags,
    tag: SiteTag<'_>,
) -> Result<Page, AllocError> {
    let r = Page::alloc_page(flags);
    if let Ok(p) = &r {
        tag.record(PAGE, p.as_ptr() as usize, 0);
    }
    r
}

/// `UserSlice::read_all` at a site of `tag`.
#[no_mangle]
extern "Rust" fn allocprof_rs_k_slice_read_all(
    s: UserSlice,
    buf: &mut KVec<u8>,
    flags: Flags,
    tag: SiteTag<'_>,
) -> Result {
    grow(&tag, buf, |b| s.read_all(b, flags))
}

/// `UserSliceReader::read_all` at a site of `tag`.
#[no_mangle]
extern "Rust" fn allocprof_rs_k_reader_read_all(
    r: UserSliceReader,
    buf: &mut KVec<u8>,
    flags: Flags,
    tag: SiteTag<'_>,
) -> Result {
    grow(&tag, buf, |b| r.read_all(b, flags))
}

/// `CString::try_from_fmt` at a site of `tag`.
#[no_mangle]
extern "Rust" fn allocprof_rs_k_cstring_try_from_fmt(
    args: fmt::Arguments<'_>,
    tag: SiteTag<'_>,
) -> Result<CString, Error> {
    new_cstring(&tag, CString::try_from_fmt(args))
}

/// The wrapper `$name` of a kernel-crate function `$f` of a `&CStr` that
/// returns a new `CString` (`$what`, its doc), at a site of `tag`.
macro_rules! cstr_wrapper {
    ($name:ident, $what:literal, $f:expr) => {
        #[doc = concat!("`", $what, "` at a site of `tag`.")]
        #[no_mangle]
        extern "Rust" fn $name(s: &CStr, tag: SiteTag<'_>) -> Result<CString, AllocError> {
            new_cstring(&tag, $f(s))
        }
    };
}
cstr_wrapper!(
    allocprof_rs_k_cstring_try_from,
    "CString::try_from(&CStr)",
    CString::try_from
);
cstr_wrapper!(
    allocprof_rs_k_to_cstring,
    "CStr::to_cstring",
    CStr::to_cstring
);
cstr_wrapper!(
    allocprof_rs_k_to_ascii_lowercase,
    "CStr::to_ascii_lowercase",
    CStr::to_ascii_lowercase
);
cstr_wrapper!(
    allocprof_rs_k_to_ascii_uppercase,
    "CStr::to_ascii_uppercase",
    CStr::to_ascii_uppercase
);

// The ABI check: each wrapper's site code (`ALLOCPROF_RS_KCALL_SITE`'s
// tag register, src/dropin/dropin_rust_entry.S), entered with the real
// function's signature, around a probe of the wrapper's.

extern "Rust" {
    fn allocprof_rs_abi_kprobe_slice_read_all(
        s: UserSlice,
        buf: &mut KVec<u8>,
        flags: Flags,
    ) -> Result;
    fn allocprof_rs_abi_kprobe_reader_read_all(
        r: UserSliceReader,
        buf: &mut KVec<u8>,
        flags: Flags,
    ) -> Result;
    fn allocprof_rs_abi_kprobe_cstring_try_from_fmt(
        args: fmt::Arguments<'_>,
    ) -> Result<CString, Error>;
    fn allocprof_rs_abi_kprobe_cstring_try_from(s: &CStr) -> Result<CString, AllocError>;
    fn allocprof_rs_abi_kprobe_to_cstring(s: &CStr) -> Result<CString, AllocError>;
    fn allocprof_rs_abi_kprobe_to_ascii_lowercase(s: &CStr) -> Result<CString, AllocError>;
    fn allocprof_rs_abi_kprobe_to_ascii_uppercase(s: &CStr) -> Result<CString, AllocError>;
    fn allocprof_rs_abi_kprobe_page_alloc(flags: Flags) -> Result<Page, AllocError>;
}

/// The probe's user pointer and length, for `read_all`.
const PROBE_UPTR: usize = 0x7e57_0000;
const PROBE_LEN: usize = 77;
/// The probe's string.
const PROBE_STR: &CStr = kernel::c_str!("allocprof probe");

/// Whether `tag` is the probe's.
fn probe_tag(tag: &SiteTag<'_>) -> bool {
    core::ptr::eq(
        tag.tag() as *const _ as *const u8,
        &allocprof_rs_abi_probe_tag as *const [u64; 5] as *const u8,
    )
}

/// The probe's flags.
fn probe_flags() -> Flags {
    GFP_KERNEL | __GFP_ZERO
}

/// The probe of `read_all`'s signatures: `Ok` if every argument is
/// where the wrapper's signature finds it.
fn probe_read_all(len: usize, buf: &mut KVec<u8>, flags: Flags, tag: &SiteTag<'_>) -> Result {
    let ok = len == PROBE_LEN && buf.capacity() == 3 && flags == probe_flags() && probe_tag(tag);
    if ok {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

#[no_mangle]
extern "Rust" fn allocprof_rs_abi_kprobe_slice_read_all_real(
    s: UserSlice,
    buf: &mut KVec<u8>,
    flags: Flags,
    tag: SiteTag<'_>,
) -> Result {
    probe_read_all(s.reader().len(), buf, flags, &tag)
}

#[no_mangle]
extern "Rust" fn allocprof_rs_abi_kprobe_reader_read_all_real(
    r: UserSliceReader,
    buf: &mut KVec<u8>,
    flags: Flags,
    tag: SiteTag<'_>,
) -> Result {
    probe_read_all(r.len(), buf, flags, &tag)
}

#[no_mangle]
extern "Rust" fn allocprof_rs_abi_kprobe_cstring_try_from_fmt_real(
    args: fmt::Arguments<'_>,
    tag: SiteTag<'_>,
) -> Result<CString, Error> {
    if args.as_str() != PROBE_STR.to_str().ok() || !probe_tag(&tag) {
        return Err(EINVAL);
    }
    CString::try_from_fmt(args)
}

#[no_mangle]
extern "Rust" fn allocprof_rs_abi_kprobe_cstr_real(
    s: &CStr,
    tag: SiteTag<'_>,
) -> Result<CString, AllocError> {
    if s.as_bytes() != PROBE_STR.as_bytes() || !probe_tag(&tag) {
        return Err(AllocError);
    }
    s.to_cstring()
}

#[no_mangle]
extern "Rust" fn allocprof_rs_abi_kprobe_page_alloc_real(
    flags: Flags,
    tag: SiteTag<'_>,
) -> Result<Page, AllocError> {
    if flags != probe_flags() || !probe_tag(&tag) {
        return Err(AllocError);
    }
    Page::alloc_page(flags)
}

/// Checks that each wrapper's site code passes the real function's
/// arguments and the site's tag where a function of the wrapper's
/// signature finds them, and returns its result.  Called at load.
pub(crate) fn check_abi() -> Result {
    let mut buf = KVec::<u8>::with_capacity(3, GFP_KERNEL)?;
    let same = |r: Result<CString, AllocError>| matches!(r, Ok(s) if s.as_bytes_with_nul() == PROBE_STR.as_bytes_with_nul());
    // SAFETY: the probes only look at their arguments (nothing is read
    // from the user pointer), copy the string, allocate a page.
    let ok = unsafe {
        allocprof_rs_abi_kprobe_slice_read_all(
            UserSlice::new(PROBE_UPTR, PROBE_LEN),
            &mut buf,
            probe_flags(),
        )
        .is_ok()
            && allocprof_rs_abi_kprobe_reader_read_all(
                UserSlice::new(PROBE_UPTR, PROBE_LEN).reader(),
                &mut buf,
                probe_flags(),
            )
            .is_ok()
            && matches!(
                allocprof_rs_abi_kprobe_cstring_try_from_fmt(format_args!("allocprof probe")),
                Ok(s) if s.as_bytes_with_nul() == PROBE_STR.as_bytes_with_nul()
            )
            && same(allocprof_rs_abi_kprobe_cstring_try_from(PROBE_STR))
            && same(allocprof_rs_abi_kprobe_to_cstring(PROBE_STR))
            && same(allocprof_rs_abi_kprobe_to_ascii_lowercase(PROBE_STR))
            && same(allocprof_rs_abi_kprobe_to_ascii_uppercase(PROBE_STR))
            && allocprof_rs_abi_kprobe_page_alloc(probe_flags()).is_ok()
    };
    if !ok {
        pr_err!("Rust drop-in: the Rust ABI of the kernel crate's wrapped functions is not the one expected\n");
        return Err(EINVAL);
    }
    Ok(())
}
