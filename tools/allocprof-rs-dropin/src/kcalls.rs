// SPDX-License-Identifier: GPL-2.0

//! The kernel crate's non-generic functions that allocate or free for
//! the module ([`KNOWN_CALLS`], what 6.12's crate has; [`AUDITED`], those
//! that do not): their calls found and placed ([`find_kcalls`]), each
//! retargeted to a thunk of its own ([`retarget_kcalls`]), the thunks
//! emitted ([`emit_kcalls`]) and the build line's count ([`kcalls_line`]).
//!
//! Uses: `args`, `asm`, `calls`, `dwarf`, `kernel`, `place`.

use anyhow::{bail, Context as _, Result};
use object::build::elf::{Builder, SectionData};
use object::{elf, Object, ObjectSymbol};
use std::collections::HashMap;
use std::fmt::Write as _;

use crate::args::Args;
use crate::asm::comment;
use crate::calls::{calls_of, Call};
use crate::dwarf::Reader;
use crate::kernel::kernel;
use crate::place::{place_of, Place};

/// A non-generic function of the kernel crate that allocates,
/// reallocates or frees a module's object itself, out of the module's
/// sites (`-Zshare-generics=n` changes nothing for a function that is not
/// generic).
pub struct KnownCall {
    /// Its path, demangled without the crates' hashes.
    pub path: &'static str,
    /// allocprof's wrapper of it (src/dropin/kcalls.rs): its Rust
    /// signature plus the site's tag, last, in the register that
    /// include/allocprof_rs_dropin.h's `ALLOCPROF_RS_TAG_<wrapper>` names;
    /// a row at the call's line.  Empty: none.
    pub wrapper: &'static str,
    /// A free of a page (`<Page as Drop>::drop(&mut self)`): the page
    /// forgotten first (`ALLOCPROF_RS_KPAGE_FREE_SITE`), no row.
    pub page_free: bool,
    /// A function of [`ALLOC_MODULES`] not audited (not in the table):
    /// what it does for the module is unknown, its call's row marked
    /// `accurate:no` when it runs (`ALLOCPROF_RS_KMARK_SITE`).
    pub mark: bool,
}

impl KnownCall {
    /// Whether a call of it gets a site of its own.
    pub fn handled(&self) -> bool {
        !self.wrapper.is_empty() || self.page_free || self.mark
    }

    /// Whether a call of it has a row (at its line).
    pub fn has_row(&self) -> bool {
        !self.wrapper.is_empty() || self.mark
    }
}

/// A [`KnownCall`] with a wrapper.
pub const fn wrap(path: &'static str, wrapper: &'static str) -> KnownCall {
    KnownCall {
        path,
        wrapper,
        page_free: false,
        mark: false,
    }
}

/// Every such function of 6.12's kernel crate (rust/kernel/, all
/// configurations; the symbols checked against its `kernel.o`), one place
/// for all (Documentation/allocprof/dropin-rust.rst has the table).
pub const KNOWN_CALLS: &[KnownCall] = &[
    // Grow the module's `KVec<u8>` (`reserve`).
    wrap(
        "<kernel::uaccess::UserSlice>::read_all",
        "allocprof_rs_k_slice_read_all",
    ),
    wrap(
        "<kernel::uaccess::UserSliceReader>::read_all",
        "allocprof_rs_k_reader_read_all",
    ),
    // Return a new `CString`, which the module drops.
    wrap(
        "<kernel::str::CString>::try_from_fmt",
        "allocprof_rs_k_cstring_try_from_fmt",
    ),
    wrap(
        "<kernel::str::CString as core::convert::TryFrom<&kernel::str::CStr>>::try_from",
        "allocprof_rs_k_cstring_try_from",
    ),
    wrap(
        "<kernel::str::CStr>::to_cstring",
        "allocprof_rs_k_to_cstring",
    ),
    wrap(
        "<kernel::str::CStr>::to_ascii_lowercase",
        "allocprof_rs_k_to_ascii_lowercase",
    ),
    wrap(
        "<kernel::str::CStr>::to_ascii_uppercase",
        "allocprof_rs_k_to_ascii_uppercase",
    ),
    // A page for the module (`alloc_pages()` through rust/helpers/page.c)
    // and its free (`__free_pages()`).
    wrap(
        "<kernel::page::Page>::alloc_page",
        "allocprof_rs_k_page_alloc",
    ),
    KnownCall {
        path: "<kernel::page::Page as core::ops::drop::Drop>::drop",
        wrapper: "",
        page_free: true,
        mark: false,
    },
];

/// The kernel crate's modules whose functions deal in a module's
/// allocations: a call of one of their functions that is neither in
/// [`KNOWN_CALLS`] nor [`AUDITED`] (another kernel's) is counted and
/// listed as not audited.
pub const ALLOC_MODULES: &[&str] = &[
    "kernel::alloc::",
    "kernel::str::",
    "kernel::uaccess::",
    "kernel::page::",
];

/// Functions of those modules in 6.12 that allocate nothing for the
/// module (path prefixes, demangled without hashes).
pub const AUDITED: &[&str] = &[
    "<kernel::alloc::allocator::ReallocFunc>::call",
    "<kernel::alloc::allocator::Kmalloc>::aligned_layout",
    "<kernel::alloc::Flags>::contains",
    "<kernel::str::CStr>::from_bytes_with_nul",
    "<kernel::str::CStr>::make_ascii_",
    "<kernel::str::CStr as core::fmt::",
    "<kernel::str::BStr as core::fmt::",
    "<kernel::str::CString as core::ops::deref::",
    "<kernel::str::CString as core::fmt::",
    "<kernel::str::RawFormatter as core::fmt::",
    "<kernel::str::Formatter as core::fmt::",
    "<kernel::uaccess::UserSliceReader>::read_raw",
    "<kernel::uaccess::UserSliceReader>::read_slice",
    "<kernel::uaccess::UserSliceReader>::skip",
    "<kernel::uaccess::UserSliceWriter>::write_slice",
    "<kernel::page::Page>::fill_zero_raw",
    "<kernel::page::Page>::copy_from_user_slice_raw",
    "<kernel::page::Page>::as_ptr",
    "<kernel::page::Page>::read_raw",
    "<kernel::page::Page>::write_raw",
];

/// C functions that a module's code calls itself, inlined from the kernel
/// crate, allocating out of `kernel::alloc`, on a kernel without
/// [`KNOWN_CALLS`]' wrappers (7.3's `Page::alloc_page` is `#[inline]`):
/// their calls' rows marked `accurate:no`.
pub const C_MARKED: &[(&str, &str)] = &[("rust_helper_alloc_pages", "Page::alloc_page, inlined")];

/// A symbol's path as [`KNOWN_CALLS`] names it.
pub fn kernel_path(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

/// What the tool makes of an undefined symbol of the kernel crate: one
/// of [`KNOWN_CALLS`], or a function of [`ALLOC_MODULES`] not audited
/// (`Err`: its path), or nothing to do (`Ok(None)`).
///
/// `wrappers`: whether allocprof wraps [`KNOWN_CALLS`] on the kernel
/// (`KernelAbi::wrappers`); where it does not, their calls are marked as
/// those of a function not audited, and so are the calls of the C
/// functions of [`C_MARKED`].
pub fn known_call(
    name: &str,
    wrappers: bool,
) -> std::result::Result<Option<&'static KnownCall>, String> {
    if !wrappers {
        if let Some((_, what)) = C_MARKED.iter().find(|(c, _)| *c == name) {
            return Err(format!("{name} ({what})"));
        }
    }
    if !name.starts_with("_R") || !name.contains("6kernel") {
        return Ok(None);
    }
    let path = kernel_path(name);
    if let Some(k) = KNOWN_CALLS.iter().find(|k| wrappers && k.path == path) {
        return Ok(Some(k));
    }
    // (7.3's CStr is core's, its kernel methods those of kernel::str::CStrExt.)
    let ours = ALLOC_MODULES.iter().any(|m| {
        path.starts_with(m)
            || path.starts_with(&format!("<{m}"))
            || path.contains(&format!(" as {m}"))
    });
    if !ours || AUDITED.iter().any(|a| path.starts_with(a)) {
        return Ok(None);
    }
    Err(path)
}

/// A call site of a function of [`KNOWN_CALLS`] (handled or not).
pub struct KSite {
    pub call: Call,
    pub known: &'static KnownCall,
    /// The function's symbol.
    pub real: String,
    /// Its row (a new allocation or a reallocation at the module's line).
    pub place: Place,
}

/// The calls of [`KNOWN_CALLS`]' functions, placed, and the paths of the
/// kernel crate's functions called that were not audited (or whose
/// address is taken: their calls not handled).
pub fn find_kcalls(
    obj: &object::File<'_>,
    ctx: &addr2line::Context<Reader>,
    bases: &HashMap<object::SectionIndex, u64>,
    args: &Args,
) -> Result<(Vec<KSite>, Vec<String>)> {
    let wrappers = kernel(&args.kernel)?.wrappers;
    let (mut sites, mut unaudited) = (Vec::new(), Vec::new());
    for sym in obj.symbols().filter(|s| s.is_undefined()) {
        let name = sym.name()?;
        let known = match known_call(name, wrappers) {
            Ok(Some(k)) => k,
            Ok(None) => continue,
            Err(path) => {
                unaudited.push(path.clone());
                // Its calls marked: a site of its own each (the tool runs
                // once: the entry lives as long as it).
                &*Box::leak(Box::new(KnownCall {
                    path: String::leak(path),
                    wrapper: "",
                    page_free: false,
                    mark: true,
                }))
            }
        };
        // Referenced other than by a call (its address taken): its calls
        // are not handled, said on the build line.
        let Ok(calls) = calls_of(obj, sym.index(), known.path) else {
            unaudited.push(format!("{} (its address taken: not handled)", known.path));
            continue;
        };
        for c in calls {
            let base = bases.get(&c.index).copied().unwrap_or(0);
            let place = place_of(ctx, base + c.start, args)
                .with_context(|| format!("{}+{:#x}", c.section, c.start))?;
            sites.push(KSite {
                call: c,
                known,
                real: name.to_string(),
                place,
            });
        }
    }
    Ok((sites, unaudited))
}

/// The handled calls' thunk symbols, `__allocprof_rs_kcall_N` (N its
/// place in `kcalls`), each call's relocation retargeted to its own.
pub fn retarget_kcalls(b: &mut Builder<'_>, kcalls: &[KSite]) -> Result<()> {
    let mut ids = Vec::new();
    for (i, k) in kcalls.iter().enumerate() {
        if !k.known.handled() {
            ids.push(None);
            continue;
        }
        let sym = b.symbols.add();
        sym.name = format!("__allocprof_rs_kcall_{i}").into_bytes().into();
        sym.set_st_info(elf::STB_GLOBAL, elf::STT_NOTYPE);
        sym.st_other = elf::STV_DEFAULT;
        sym.st_shndx = elf::SHN_UNDEF;
        sym.section = None;
        ids.push(Some(sym.id()));
    }
    let names: Vec<(_, String)> = b
        .sections
        .iter()
        .map(|s| (s.id(), String::from_utf8_lossy(&s.name).into_owned()))
        .collect();
    let mut done = 0;
    for s in b.sections.iter_mut() {
        let Some(target) = s.sh_info_section else {
            continue;
        };
        let Some((_, tname)) = names.iter().find(|(id, _)| *id == target) else {
            continue;
        };
        if let SectionData::Relocation(relocs) = &mut s.data {
            for r in relocs.iter_mut() {
                let hit = kcalls
                    .iter()
                    .position(|k| &k.call.section == tname && k.call.r_offset == r.r_offset);
                if let Some(id) = hit.and_then(|i| ids[i]) {
                    r.symbol = Some(id);
                    done += 1;
                }
            }
        }
    }
    let want = ids.iter().filter(|i| i.is_some()).count();
    if done != want {
        bail!("rewrite: retargeted {done} of {want} calls of the kernel crate's functions");
    }
    Ok(())
}

/// The build line's count of the calls of the kernel crate's functions
/// that allocate for the module (`handled`: their thunks are emitted).
pub fn kcalls_line(kcalls: &[KSite], unaudited: &[String], handled: bool) -> String {
    let n = kcalls
        .iter()
        .filter(|k| handled && k.known.handled() && !k.known.mark)
        .count();
    let marked = kcalls.iter().filter(|k| handled && k.known.mark).count();
    format!(
        "{} calls of kernel-crate functions that allocate or free for it ({n} handled), \
         {} kernel-crate functions not audited ({marked} calls: their rows marked accurate:no)",
        kcalls.iter().filter(|k| !k.known.mark).count(),
        unaudited.len()
    )
}

/// The handled calls' thunks (include/allocprof_rs_dropin.h), each
/// charged to its row's tag in `rows`.
pub fn emit_kcalls(kcalls: &[KSite], rows: &[Place]) -> String {
    let mut a = String::new();
    for (i, k) in kcalls.iter().enumerate() {
        if k.known.mark {
            let t = rows.binary_search(&k.place).expect("row of a kernel call");
            let _ = writeln!(
                a,
                "/* {}+{:#x}: {} (not audited) */\nALLOCPROF_RS_KMARK_SITE __allocprof_rs_kcall_{i}, {}, .Ltag{t}",
                comment(&k.call.section),
                k.call.r_offset,
                comment(k.known.path),
                k.real
            );
        }
        if k.known.page_free {
            let _ = writeln!(
                a,
                "/* {}+{:#x}: {} */\nALLOCPROF_RS_KPAGE_FREE_SITE __allocprof_rs_kcall_{i}, {}",
                comment(&k.call.section),
                k.call.r_offset,
                comment(k.known.path),
                k.real
            );
        }
        if k.known.wrapper.is_empty() {
            continue;
        }
        let t = rows.binary_search(&k.place).expect("row of a kernel call");
        let _ = writeln!(
            a,
            "/* {}+{:#x}: {} */
ALLOCPROF_RS_KCALL_SITE __allocprof_rs_kcall_{i}, {}, {}, .Ltag{t}",
            comment(&k.call.section),
            k.call.r_offset,
            comment(k.known.path),
            k.real,
            k.known.wrapper
        );
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_calls_of_7_3() {
        // 7.3 (no wrappers): the symbols of its test module's object.
        let k = |n: &str| known_call(n, false).map(|k| k.map(|k| k.wrapper));
        assert_eq!(
            k("_RNvMsg_NtCs1EKtwoKEMO2_6kernel3strNtB5_7CString12try_from_fmt"),
            Err("<kernel::str::CString>::try_from_fmt".to_string())
        );
        assert_eq!(
            k("rust_helper_alloc_pages"),
            Err("rust_helper_alloc_pages (Page::alloc_page, inlined)".to_string())
        );
        assert_eq!(k("rust_helper_krealloc_node_align"), Ok(None));
        assert_eq!(
            k("_RNvMs0_NtCs1EKtwoKEMO2_6kernel7uaccessNtB5_15UserSliceReader8read_raw"),
            Ok(None)
        );
        // A kernel::str method of core's CStr (CStrExt).
        let to_cstring = "_RNvXs2_NtCs1EKtwoKEMO2_6kernel3strNtNtNtCs1peUGmbrgHn_4core3ffi5c_str4CStrNtB5_7CStrExt10to_cstring";
        assert!(
            matches!(k(to_cstring), Err(p) if p.ends_with("as kernel::str::CStrExt>::to_cstring"))
        );
    }

    #[test]
    fn known_calls_of_6_12() {
        // The symbols of 6.12's kernel.o (rust/kernel/).
        let k = |n: &str| known_call(n, true).map(|k| k.map(|k| k.wrapper));
        assert_eq!(
            k("_RNvMs_NtCs1EKtwoKEMO2_6kernel7uaccessNtB4_15UserSliceReader8read_all"),
            Ok(Some("allocprof_rs_k_reader_read_all"))
        );
        assert_eq!(
            k("_RNvMNtCs1EKtwoKEMO2_6kernel7uaccessNtB2_9UserSlice8read_all"),
            Ok(Some("allocprof_rs_k_slice_read_all"))
        );
        assert_eq!(
            k("_RNvMsg_NtCs1EKtwoKEMO2_6kernel3strNtB5_7CString12try_from_fmt"),
            Ok(Some("allocprof_rs_k_cstring_try_from_fmt"))
        );
        assert_eq!(
            k("_RNvXsj_NtCs1EKtwoKEMO2_6kernel3strNtB5_7CStringINtNtCs1peUGmbrgHn_4core7convert7TryFromRNtB5_4CStrE8try_from"),
            Ok(Some("allocprof_rs_k_cstring_try_from"))
        );
        for (n, w) in [
            ("10to_cstring", "allocprof_rs_k_to_cstring"),
            ("18to_ascii_lowercase", "allocprof_rs_k_to_ascii_lowercase"),
            ("18to_ascii_uppercase", "allocprof_rs_k_to_ascii_uppercase"),
        ] {
            let sym = format!("_RNvMs3_NtCs1EKtwoKEMO2_6kernel3strNtB5_4CStr{n}");
            assert_eq!(k(&sym), Ok(Some(w)));
        }
        // Pages.
        assert_eq!(
            k("_RNvMs0_NtCs1EKtwoKEMO2_6kernel4pageNtB5_4Page10alloc_page"),
            Ok(Some("allocprof_rs_k_page_alloc"))
        );
        let drop = known_call("_RNvXs1_NtCs1EKtwoKEMO2_6kernel4pageNtB5_4PageNtNtNtCs1peUGmbrgHn_4core3ops4drop4Drop4drop", true);
        assert!(matches!(drop, Ok(Some(k)) if k.page_free && k.handled()));
        // Audited, nothing of the module allocated.
        for n in [
            "_RNvMs_NtCs1EKtwoKEMO2_6kernel7uaccessNtB4_15UserSliceReader10read_slice",
            "_RNvMs3_NtCs1EKtwoKEMO2_6kernel3strNtB5_4CStr19from_bytes_with_nul",
            "_RNvMNtNtCs1EKtwoKEMO2_6kernel5alloc9allocatorNtB2_11ReallocFunc4call",
            // Not a module of allocations: not looked at.
            "_RNvMNtNtCs1EKtwoKEMO2_6kernel4sync7condvarNtB2_7CondVar10notify_all",
        ] {
            assert_eq!(k(n), Ok(None), "{n}");
        }
        // A function of kernel::str not audited (another kernel's).
        assert_eq!(
            k("_RNvMs3_NtCs1EKtwoKEMO2_6kernel3strNtB5_4CStr9to_string"),
            Err("<kernel::str::CStr>::to_string".to_string())
        );
    }
}
