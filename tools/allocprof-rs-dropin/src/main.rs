// SPDX-License-Identifier: GPL-2.0

//! allocprof-rs-dropin: the build step of allocprof's Rust drop-in mode
//! (Documentation/allocprof/dropin-rust.rst).
//!
//! It reads a Rust kernel module's object (as rustc left it, built by
//! dropin.mk with unshared generics, the inlining flags and DWARF), finds
//! every call of the kernel crate's `kernel::alloc::allocator::
//! ReallocFunc::call` (through which every allocation, reallocation and
//! free of `Kmalloc`, `Vmalloc` and `KVmalloc` goes), and for each:
//!
//! - names it from the module's DWARF: a free (a frame `<A as
//!   Allocator>::free`), or a row: the innermost inline frame whose source
//!   file is the module's own (under `--src-dir`, the module's remaps
//!   undone), else the function the call sits in (a non-inlined generic:
//!   counted and listed as not placed on a driver line);
//! - gives it a site of its own, `__allocprof_rs_site_N`, to which the
//!   call's relocation is retargeted in the rewritten object (`--out`): the
//!   code of include/allocprof_rs_dropin.h, a static branch to where the
//!   plain module goes, then the site's path into allocprof (a free of
//!   `Kmalloc` ends in the kernel crate's exported `<Kmalloc as
//!   Allocator>::free`, found in `--symvers`);
//! - replaces each call of `Kmalloc::aligned_layout(Layout::new::<()>())`
//!   inlined from a free by its result;
//! - emits the sites, the tags (in `alloc_tags`, as the C drop-in's) and an
//!   `init_module` that registers the module with allocprof before calling
//!   the module's own (renamed) init, as assembly (`--asm`, a `.S`).
//!
//! The build (dropin.mk) assembles that file twice (the second time the
//! sites' `__jump_table` entries alone), links it with the rewritten
//! object into `X.o` (`ld -r`, objtool between), before modpost.

use anyhow::{anyhow, bail, Context as _, Result};
use object::build::elf::{Builder, SectionData};
use object::{elf, Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// The function every allocation of `kernel::alloc` reaches (a private
/// method of a private struct: v0-mangled, with the kernel crate's hash).
fn is_realloc_call(name: &str) -> bool {
    name.starts_with("_R")
        && name.contains("6kernel5alloc9allocator")
        && name.ends_with("11ReallocFunc4call")
}

/// Kernel-crate symbols of `kernel::alloc` that a module may call only when
/// it was built with shared generics (the kernel crate's monomorphisations
/// of `KVec<u8>`, `<Kmalloc as Allocator>::free`, ...): their allocations
/// would happen inside the kernel, out of reach.
fn is_shared_alloc_generic(name: &str) -> bool {
    name.starts_with("_R")
        && name.contains("6kernel5alloc")
        && !is_realloc_call(name)
        && !name.ends_with("14aligned_layout")
        && !name.ends_with("8contains")
}

/// A non-generic function of the kernel crate that allocates,
/// reallocates or frees a module's object itself, out of the module's
/// sites (`-Zshare-generics=n` changes nothing for a function that is not
/// generic).
struct KnownCall {
    /// Its path, demangled without the crates' hashes.
    path: &'static str,
    /// allocprof's wrapper of it (src/dropin/kcalls.rs): its Rust
    /// signature plus the site's tag, last, in the register that
    /// include/allocprof_rs_dropin.h's `ALLOCPROF_RS_TAG_<wrapper>` names;
    /// a row at the call's line.  Empty: none.
    wrapper: &'static str,
    /// A free of a page (`<Page as Drop>::drop(&mut self)`): the page
    /// forgotten first (`ALLOCPROF_RS_KPAGE_FREE_SITE`), no row.
    page_free: bool,
    /// A function of [`ALLOC_MODULES`] not audited (not in the table):
    /// what it does for the module is unknown, its call's row marked
    /// `accurate:no` when it runs (`ALLOCPROF_RS_KMARK_SITE`).
    mark: bool,
}

impl KnownCall {
    /// Whether a call of it gets a site of its own.
    fn handled(&self) -> bool {
        !self.wrapper.is_empty() || self.page_free || self.mark
    }

    /// Whether a call of it has a row (at its line).
    fn has_row(&self) -> bool {
        !self.wrapper.is_empty() || self.mark
    }
}

/// A [`KnownCall`] with a wrapper.
const fn wrap(path: &'static str, wrapper: &'static str) -> KnownCall {
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
const KNOWN_CALLS: &[KnownCall] = &[
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
const ALLOC_MODULES: &[&str] = &[
    "kernel::alloc::",
    "kernel::str::",
    "kernel::uaccess::",
    "kernel::page::",
];

/// Functions of those modules in 6.12 that allocate nothing for the
/// module (path prefixes, demangled without hashes).
const AUDITED: &[&str] = &[
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

/// A symbol's path as [`KNOWN_CALLS`] names it.
fn kernel_path(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

/// What the tool makes of an undefined symbol of the kernel crate: one
/// of [`KNOWN_CALLS`], or a function of [`ALLOC_MODULES`] not audited
/// (`Err`: its path), or nothing to do (`Ok(None)`).
fn known_call(name: &str) -> std::result::Result<Option<&'static KnownCall>, String> {
    if !name.starts_with("_R") || !name.contains("6kernel") {
        return Ok(None);
    }
    let path = kernel_path(name);
    if let Some(k) = KNOWN_CALLS.iter().find(|k| k.path == path) {
        return Ok(Some(k));
    }
    let ours = ALLOC_MODULES
        .iter()
        .any(|m| path.starts_with(m) || path.starts_with(&format!("<{m}")));
    if !ours || AUDITED.iter().any(|a| path.starts_with(a)) {
        return Ok(None);
    }
    Err(path)
}

/// A call site of a function of [`KNOWN_CALLS`] (handled or not).
struct KSite {
    call: Call,
    known: &'static KnownCall,
    /// The function's symbol.
    real: String,
    /// Its row (a new allocation or a reallocation at the module's line).
    place: Place,
}

/// The calls of [`KNOWN_CALLS`]' functions, placed, and the paths of the
/// kernel crate's functions called that were not audited (or whose
/// address is taken: their calls not handled).
fn find_kcalls(
    obj: &object::File<'_>,
    ctx: &addr2line::Context<Reader>,
    bases: &HashMap<object::SectionIndex, u64>,
    args: &Args,
) -> Result<(Vec<KSite>, Vec<String>)> {
    let (mut sites, mut unaudited) = (Vec::new(), Vec::new());
    for sym in obj.symbols().filter(|s| s.is_undefined()) {
        let name = sym.name()?;
        let known = match known_call(name) {
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
fn retarget_kcalls(b: &mut Builder<'_>, kcalls: &[KSite]) -> Result<()> {
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
fn kcalls_line(kcalls: &[KSite], unaudited: &[String], handled: bool) -> String {
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
fn emit_kcalls(kcalls: &[KSite], rows: &[Place]) -> String {
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

/// The kernels whose `kernel::alloc::allocator::ReallocFunc::call` this
/// tool rewrites calls of, each with that function's signature: the
/// thunks it writes pass a call's arguments on in that order (the
/// kernel's version comes from dropin.mk, `--kernel VERSION.PATCHLEVEL`).
/// A kernel not listed is refused: 6.18 added a NUMA node (`nid`), which
/// a thunk of 6.12's shape would not pass.
const REALLOC_SIGNATURES: &[(&str, &str)] = &[(
    "6.12",
    "fn call(&self, ptr: Option<NonNull<u8>>, layout: Layout, old_layout: Layout, flags: Flags)",
)];

/// The signature of `ReallocFunc::call` on Linux `kernel`, or why not.
fn realloc_signature(kernel: &str) -> Result<&'static str> {
    REALLOC_SIGNATURES
        .iter()
        .find(|(k, _)| *k == kernel)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            let known: Vec<_> = REALLOC_SIGNATURES.iter().map(|(k, _)| *k).collect();
            anyhow!(
                "Linux {kernel}: its kernel::alloc ReallocFunc::call is not one this tool \
                 knows how to call (it knows Linux {}): nothing rewritten",
                known.join(", ")
            )
        })
}

struct Args {
    /// The kernel's VERSION.PATCHLEVEL (`realloc_signature`).
    kernel: String,
    input: String,
    output: String,
    asm: String,
    modname: String,
    src_dir: String,
    srctree: Option<String>,
    /// The module's `--remap-path-prefix=FROM=TO` flags (FROM, TO).
    remaps: Vec<(String, String)>,
    /// The directory rustc ran in (relative DWARF paths are joined to it).
    cwd: String,
    /// The kernel's Module.symvers (the kernel crate's exported `free`s).
    symvers: Option<String>,
    strip_debug: bool,
    verbose: bool,
}

fn parse_args() -> Result<Args> {
    let mut a = std::env::args().skip(1);
    let (mut input, mut output, mut asm, mut modname, mut src_dir, mut srctree) =
        (None, None, None, None, None, None);
    let mut kernel = None;
    let mut symvers = None;
    let (mut strip_debug, mut verbose) = (false, false);
    let mut remaps = Vec::new();
    while let Some(arg) = a.next() {
        if let Some(m) = arg.strip_prefix("--remap-path-prefix=") {
            // As rustc splits it: at the last `=`.
            let (from, to) = m.rsplit_once('=').ok_or_else(|| anyhow!("{arg}: no `=`"))?;
            remaps.push((from.to_string(), to.to_string()));
            continue;
        }
        let mut val = || a.next().ok_or_else(|| anyhow!("{arg} needs a value"));
        match arg.as_str() {
            "--kernel" => kernel = Some(val()?),
            "--in" => input = Some(val()?),
            "--out" => output = Some(val()?),
            "--asm" => asm = Some(val()?),
            "--modname" => modname = Some(val()?),
            "--src-dir" => src_dir = Some(val()?),
            "--srctree" => srctree = Some(val()?),
            "--symvers" => symvers = Some(val()?),
            "--strip-debug" => strip_debug = true,
            "-v" | "--verbose" => verbose = true,
            "-h" | "--help" => {
                println!(
                    "usage: allocprof-rs-dropin --kernel VERSION.PATCHLEVEL --in X.o --out X.rewritten.o --asm X.allocprof.S \
                     --modname NAME --src-dir DIR [--srctree DIR] [--symvers FILE] \
                     [--remap-path-prefix=FROM=TO]... \
                     [--strip-debug] [-v]"
                );
                std::process::exit(0);
            }
            _ => bail!("unknown argument {arg}"),
        }
    }
    let need = |o: Option<String>, n: &str| o.ok_or_else(|| anyhow!("missing {n}"));
    let canon = |p: String| {
        std::fs::canonicalize(&p)
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or(p)
    };
    let kernel = need(kernel, "--kernel")?;
    realloc_signature(&kernel)?;
    Ok(Args {
        kernel,
        input: need(input, "--in")?,
        output: need(output, "--out")?,
        asm: need(asm, "--asm")?,
        modname: need(modname, "--modname")?,
        src_dir: canon(need(src_dir, "--src-dir")?),
        srctree: srctree.map(canon),
        remaps,
        cwd: std::env::current_dir()
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_default(),
        symvers,
        strip_debug,
        verbose,
    })
}

/// How a call site reaches the function.
#[derive(Clone, Copy, Debug)]
enum Insn {
    /// `call rel32`.
    Call,
    /// `jmp rel32` (a tail call).
    Jmp,
    /// `jcc rel32` (a conditional tail call).
    Jcc,
}

/// One call site of `ReallocFunc::call` in the object.
struct Site {
    /// Name of its (executable) section.
    section: String,
    /// Offset of the relocation (the rel32 field) in the section.
    r_offset: u64,
    insn: Insn,
    /// Where the module's source names it, if it does.
    place: Place,
}

/// A call site's row, or none (a free).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    file: String,
    line: u32,
    function: String,
    /// On a line of the module's own source.
    own: bool,
    /// Under `<A as Allocator>::free`: a free, no row; `A`'s path.
    free: Option<String>,
}

/// Section bases for the DWARF's relocations: each allocated section at a
/// distinct address, so that the line tables of `.text` and `.init.text`
/// (both at 0 in the object) do not overlap.
fn section_bases(obj: &object::File<'_>) -> HashMap<object::SectionIndex, u64> {
    let mut bases = HashMap::new();
    let mut next = 0x1000_0000u64;
    for s in obj.sections() {
        let alloc = matches!(s.flags(), object::SectionFlags::Elf { sh_flags } if sh_flags & u64::from(elf::SHF_ALLOC) != 0);
        if alloc {
            bases.insert(s.index(), next);
            next += s.size().div_ceil(0x1000) * 0x1000 + 0x1000;
        }
    }
    bases
}

/// A debug section's bytes with its relocations applied (symbols of
/// allocated sections at their bases, of others at 0).
fn relocated_section(
    obj: &object::File<'_>,
    name: &str,
    bases: &HashMap<object::SectionIndex, u64>,
) -> Result<Vec<u8>> {
    let Some(s) = obj.section_by_name(name) else {
        return Ok(Vec::new());
    };
    let mut data = s.uncompressed_data()?.into_owned();
    for (off, r) in s.relocations() {
        let RelocationFlags::Elf { r_type } = r.flags() else {
            bail!("{name}: not an ELF relocation");
        };
        let s_val = match r.target() {
            RelocationTarget::Symbol(i) => {
                let sym = obj.symbol_by_index(i)?;
                let base = sym
                    .section_index()
                    .and_then(|si| bases.get(&si).copied())
                    .unwrap_or(0);
                base.wrapping_add(sym.address())
            }
            RelocationTarget::Section(si) => bases.get(&si).copied().unwrap_or(0),
            _ => bail!("{name}: unexpected relocation target"),
        };
        let v = s_val.wrapping_add(r.addend() as u64);
        let off = off as usize;
        match r_type {
            elf::R_X86_64_64 => data[off..off + 8].copy_from_slice(&v.to_le_bytes()),
            elf::R_X86_64_32 | elf::R_X86_64_32S => {
                data[off..off + 4].copy_from_slice(&(v as u32).to_le_bytes())
            }
            elf::R_X86_64_NONE => {}
            t => bail!("{name}: relocation type {t} at {off:#x} not handled"),
        }
    }
    Ok(data)
}

type Reader = gimli::EndianSlice<'static, gimli::LittleEndian>;

fn dwarf_context(
    obj: &object::File<'_>,
    bases: &HashMap<object::SectionIndex, u64>,
) -> Result<addr2line::Context<Reader>> {
    let dwarf = gimli::Dwarf::load(|id| -> Result<Reader> {
        let data = relocated_section(obj, id.name(), bases)?;
        Ok(gimli::EndianSlice::new(
            Box::leak(data.into_boxed_slice()),
            gimli::LittleEndian,
        ))
    })?;
    Ok(addr2line::Context::from_dwarf(dwarf)?)
}

/// A function's name as a row shows it: demangled without hashes,
/// `<T as Trait>::f` as `T::f`, `<T>::f` as `T::f`, without generic
/// arguments (`f::<T>` as `f`), closures dropped (as the Rust API's rows
/// drop them), at most 255 bytes.
fn row_function(raw: &str) -> String {
    let d = format!("{:#}", rustc_demangle::demangle(raw));
    let mut s = d.as_str().to_string();
    if s.starts_with('<') {
        // The leading `<...>` group, bracket-matched.
        let mut depth = 0;
        let mut end = None;
        let mut as_at = None;
        for (i, c) in s.char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                ' ' if depth == 1 && s[i..].starts_with(" as ") && as_at.is_none() => {
                    as_at = Some(i)
                }
                _ => {}
            }
        }
        if let Some(end) = end {
            let inner = &s[1..as_at.unwrap_or(end)];
            s = format!("{}{}", inner, &s[end + 1..]);
        }
    }
    // Generic arguments dropped (`f::<T>`, `Foo<T>::f`): one row per call
    // site of the source, whatever the instances.
    let mut plain = String::new();
    let (mut depth, mut prev) = (0, ' ');
    for c in s.chars() {
        match c {
            '<' => depth += 1,
            // Not the `->` of a function type.
            '>' if depth > 0 && prev != '-' => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
        prev = c;
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in plain.split("::") {
        if seg.is_empty() || seg.starts_with("{closure") {
            continue;
        }
        out.push(seg);
    }
    let mut s = out.join("::");
    if s.len() > 255 {
        let mut n = 255;
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s.truncate(n);
    }
    s
}

/// `path` relative to the directory `root`, if it is under it.
fn under<'a>(path: &'a str, root: &str) -> Option<&'a str> {
    path.strip_prefix(root.trim_end_matches('/'))
        .and_then(|p| p.strip_prefix('/'))
}

/// The source file a DWARF path names, canonical, if it exists: the path
/// itself, or with the module's remaps undone (a `TO` prefix replaced by
/// its `FROM`), the path as DWARF gives it or relative to the directory
/// rustc ran in (addr2line joins a relative path, such as a prefix
/// remapped to nothing, to it).
fn source_path(path: &str, args: &Args) -> Option<String> {
    let mut cands = vec![path.to_string()];
    for p in [Some(path), under(path, &args.cwd)].into_iter().flatten() {
        for (from, to) in &args.remaps {
            if let Some(rest) = p.strip_prefix(to.as_str()) {
                cands.push(format!("{from}{rest}"));
            }
        }
    }
    cands.iter().find_map(|c| {
        std::fs::canonicalize(c)
            .ok()
            .filter(|c| c.is_file())
            .map(|c| c.to_string_lossy().into_owned())
    })
}

/// A DWARF path's file as a row shows it, and whether it is the module's
/// own: relative to the module's directory (its own), or to the kernel's
/// source tree, else as DWARF gives it.  A file of the kernel's tree is
/// never the module's own, even under a module directory that holds the
/// tree.
fn file_of(path: &str, args: &Args) -> (String, bool) {
    let Some(real) = source_path(path, args) else {
        return (path.to_string(), false);
    };
    let in_tree = args.srctree.as_deref().and_then(|t| under(&real, t));
    let tree_is_inside = args
        .srctree
        .as_deref()
        .is_some_and(|t| under(t, &args.src_dir).is_some());
    if let Some(rel) = under(&real, &args.src_dir) {
        if !(tree_is_inside && in_tree.is_some()) {
            return (rel.to_string(), true);
        }
    }
    (in_tree.unwrap_or(&real).to_string(), false)
}

fn place_of(ctx: &addr2line::Context<Reader>, probe: u64, args: &Args) -> Result<Place> {
    let mut frames = ctx.find_frames(probe).skip_all_loads()?;
    // (function, file as a row shows it, line, the module's own file).
    let mut chain: Vec<(String, String, u32, bool)> = Vec::new();
    while let Some(f) = frames.next()? {
        let func = f
            .function
            .as_ref()
            .and_then(|n| n.raw_name().ok())
            .map(|n| n.into_owned())
            .unwrap_or_default();
        let (file, line, own) = f
            .location
            .map(|l| {
                let (file, own) = file_of(l.file.unwrap_or("?"), args);
                (file, l.line.unwrap_or(0), own)
            })
            .unwrap_or_else(|| ("?".to_string(), 0, false));
        chain.push((func, file, line, own));
    }
    if chain.is_empty() {
        bail!("no DWARF for address {probe:#x}: was the module built with -Cdebuginfo?");
    }
    if args.verbose {
        for (f, file, line, _) in &chain {
            eprintln!("      {}:{} in {}", file, line, row_function(f));
        }
    }
    let free = chain.iter().find_map(|(f, _, _, _)| free_allocator(f));
    // A call merged from several (line 0) is placed nowhere.
    let (i, own) = match chain
        .iter()
        .position(|(_, _, line, own)| *own && *line != 0)
    {
        Some(i) => (i, true),
        None => (chain.len() - 1, false),
    };
    let (func, file, line, _) = &chain[i];
    Ok(Place {
        file: file.clone(),
        line: *line,
        function: row_function(func),
        own,
        free,
    })
}

/// `raw` (a mangled function name) is `<A as kernel::alloc::Allocator>::free`:
/// `A`'s path.
fn free_allocator(raw: &str) -> Option<String> {
    let d = format!("{:#}", rustc_demangle::demangle(raw));
    d.strip_prefix('<')?
        .strip_suffix(" as kernel::alloc::Allocator>::free")
        .map(str::to_string)
}

/// One call (or tail call) of a symbol in the object.
struct Call {
    /// Its section's name and index.
    section: String,
    index: object::SectionIndex,
    /// Offset of the relocation (the rel32 field) in the section.
    r_offset: u64,
    insn: Insn,
    /// Offset of the instruction.
    start: u64,
}

/// The calls of the symbol `sym` in the object's executable sections; an
/// error for any other kind of reference to it.
fn calls_of(obj: &object::File<'_>, sym: object::SymbolIndex, what: &str) -> Result<Vec<Call>> {
    let mut calls = Vec::new();
    for s in obj.sections() {
        let exec = matches!(s.flags(), object::SectionFlags::Elf { sh_flags } if sh_flags & u64::from(elf::SHF_EXECINSTR) != 0);
        let name = s.name()?.to_string();
        for (off, r) in s.relocations() {
            if r.target() != RelocationTarget::Symbol(sym) {
                continue;
            }
            let RelocationFlags::Elf { r_type } = r.flags() else {
                bail!("not an ELF relocation");
            };
            if !exec
                || !matches!(r_type, elf::R_X86_64_PLT32 | elf::R_X86_64_PC32)
                || r.addend() != -4
            {
                bail!(
                    "{name}+{off:#x}: a reference to {what} that is not a call \
                     (relocation type {r_type}): not handled"
                );
            }
            let data = s.data()?;
            let o = off as usize;
            if o == 0 || o + 4 > data.len() {
                bail!("{name}+{off:#x}: a relocation of {what} out of its section");
            }
            let (insn, start) = match (o.checked_sub(2).map(|i| data[i]), data[o - 1]) {
                (_, 0xe8) => (Insn::Call, off - 1),
                (_, 0xe9) => (Insn::Jmp, off - 1),
                (Some(0x0f), 0x80..=0x8f) => (Insn::Jcc, off - 2),
                _ => bail!("{name}+{off:#x}: {what} reached by an unknown instruction"),
            };
            calls.push(Call {
                section: name.clone(),
                index: s.index(),
                r_offset: off,
                insn,
                start,
            });
        }
    }
    Ok(calls)
}

/// The call sites of `real` (`ReallocFunc::call`), placed.
fn find_sites(
    obj: &object::File<'_>,
    real: object::SymbolIndex,
    ctx: &addr2line::Context<Reader>,
    bases: &HashMap<object::SectionIndex, u64>,
    args: &Args,
) -> Result<Vec<Site>> {
    let mut sites = Vec::new();
    for c in calls_of(obj, real, "ReallocFunc::call")? {
        let base = bases.get(&c.index).copied().unwrap_or(0);
        if args.verbose {
            eprintln!("  site {}+{:#x} ({:?}):", c.section, c.start, c.insn);
        }
        let place = place_of(ctx, base + c.start, args)
            .with_context(|| format!("{}+{:#x}", c.section, c.start))?;
        sites.push(Site {
            section: c.section,
            r_offset: c.r_offset,
            insn: c.insn,
            place,
        });
    }
    Ok(sites)
}

/// What replaces the call of `Kmalloc::aligned_layout(Layout::new::<()>())`
/// of a free: its result, align 1 in `%rax` and size 0 in `%rdx`, in the
/// call's five bytes (`xor %edx, %edx; lea 1(%rdx), %eax`).
const UNIT_LAYOUT: [u8; 5] = [0x31, 0xd2, 0x8d, 0x42, 0x01];

/// The calls of `Kmalloc::aligned_layout` inlined from a free
/// (`<A as Allocator>::free` passes `Layout::new::<()>()` to `realloc`,
/// which pads it): where the kernel crate's own `free` folds it away, a
/// module of unshared generics calls it, out of line (not `#[inline]`,
/// another crate's).  Their sections and relocation offsets.
fn free_layout_calls(
    obj: &object::File<'_>,
    ctx: &addr2line::Context<Reader>,
    bases: &HashMap<object::SectionIndex, u64>,
    args: &Args,
) -> Result<Vec<(String, u64)>> {
    let Some(sym) = obj
        .symbols()
        .find(|s| s.is_undefined() && s.name().is_ok_and(is_aligned_layout))
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for c in calls_of(obj, sym.index(), "Kmalloc::aligned_layout")? {
        if !matches!(c.insn, Insn::Call) {
            continue;
        }
        let base = bases.get(&c.index).copied().unwrap_or(0);
        let place = place_of(ctx, base + c.start, args)
            .with_context(|| format!("{}+{:#x}", c.section, c.start))?;
        if place.free.is_some() {
            out.push((c.section, c.r_offset));
        }
    }
    Ok(out)
}

/// `Kmalloc::aligned_layout` of the kernel crate.
fn is_aligned_layout(name: &str) -> bool {
    name.starts_with("_R")
        && name.contains("6kernel5alloc9allocator")
        && name.ends_with("7Kmalloc14aligned_layout")
}

/// The kernel crate's exported `<A as Allocator>::free` of each allocator
/// `A` (its path), from the kernel's Module.symvers: what a plainly built
/// module calls for a drop.
fn kernel_frees(symvers: &str) -> HashMap<String, String> {
    symvers
        .lines()
        .filter_map(|l| l.split('\t').nth(1))
        .filter(|n| n.starts_with("_R") && n.contains("9Allocator4free"))
        .filter_map(|n| Some((free_allocator(n)?, n.to_string())))
        .collect()
}

/// Rewrites the object: the sites' relocations name their thunks, the
/// calls of `aligned_layout` of frees are replaced by their result, and
/// `init_module` is renamed (the generated one registers, then calls it).
fn rewrite(
    data: &[u8],
    real_name: &str,
    sites: &[Site],
    layout_calls: &[(String, u64)],
    kcalls: &[KSite],
    out: &str,
    strip_debug: bool,
) -> Result<()> {
    let mut b = Builder::read(data)?;
    retarget_kcalls(&mut b, kcalls)?;
    // LLVM names sections in the symbols' string table; the builder
    // writes them in one of their own.
    if !b
        .sections
        .iter()
        .any(|s| matches!(s.data, SectionData::SectionString))
    {
        let s = b.sections.add();
        s.name = b".shstrtab".to_vec().into();
        s.sh_type = elf::SHT_STRTAB;
        s.sh_addralign = 1;
        s.data = SectionData::SectionString;
    }
    // The thunks, undefined here.
    let mut thunk_ids = Vec::new();
    for i in 0..sites.len() {
        let sym = b.symbols.add();
        sym.name = format!("__allocprof_rs_site_{i}").into_bytes().into();
        sym.set_st_info(elf::STB_GLOBAL, elf::STT_NOTYPE);
        sym.st_other = elf::STV_DEFAULT;
        sym.st_shndx = elf::SHN_UNDEF;
        sym.section = None;
        thunk_ids.push(sym.id());
    }
    let real = b
        .symbols
        .iter()
        .find(|s| &*s.name == real_name.as_bytes())
        .map(|s| s.id())
        .ok_or_else(|| anyhow!("rewrite: {real_name} not found"))?;
    let layout_sym = b
        .symbols
        .iter()
        .find(|s| {
            s.st_shndx == elf::SHN_UNDEF
                && std::str::from_utf8(&s.name).is_ok_and(is_aligned_layout)
        })
        .map(|s| s.id());
    let mut renamed = false;
    for s in b.symbols.iter_mut() {
        if &*s.name == b"init_module" && s.st_shndx != elf::SHN_UNDEF {
            s.name = b"__allocprof_rs_module_init".to_vec().into();
            renamed = true;
        } else if &*s.name == b"__cfi_init_module" && s.st_shndx != elf::SHN_UNDEF {
            // Its kCFI preamble (rustc's), with it: the generated
            // init_module has one of its own.
            s.name = b"__cfi___allocprof_rs_module_init".to_vec().into();
        }
    }
    if !renamed {
        bail!("rewrite: the module defines no init_module (module! was not used?)");
    }
    // Section names, for the relocation sections' targets.
    let names: Vec<(_, String)> = b
        .sections
        .iter()
        .map(|s| (s.id(), String::from_utf8_lossy(&s.name).into_owned()))
        .collect();
    let (mut done, mut patched) = (0, Vec::new());
    for s in b.sections.iter_mut() {
        let Some(target) = s.sh_info_section else {
            continue;
        };
        let (tid, tname) = names
            .iter()
            .find(|(id, _)| *id == target)
            .ok_or_else(|| anyhow!("rewrite: relocation section without target"))?;
        if let SectionData::Relocation(relocs) = &mut s.data {
            for r in relocs.iter_mut() {
                if r.symbol != Some(real) {
                    continue;
                }
                if let Some(i) = sites
                    .iter()
                    .position(|st| &st.section == tname && st.r_offset == r.r_offset)
                {
                    r.symbol = Some(thunk_ids[i]);
                    done += 1;
                }
            }
            relocs.retain(|r| {
                let hit = layout_sym.is_some()
                    && r.symbol == layout_sym
                    && layout_calls
                        .iter()
                        .any(|(sec, off)| sec == tname && *off == r.r_offset);
                if hit {
                    patched.push((*tid, r.r_offset));
                }
                !hit
            });
        }
    }
    if done != sites.len() {
        bail!("rewrite: retargeted {done} of {} relocations", sites.len());
    }
    if patched.len() != layout_calls.len() {
        bail!(
            "rewrite: replaced {} of {} calls of aligned_layout",
            patched.len(),
            layout_calls.len()
        );
    }
    for (sec, off) in patched {
        let s = b.sections.get_mut(sec);
        let SectionData::Data(bytes) = &mut s.data else {
            bail!("rewrite: a call of aligned_layout in a section without data");
        };
        let o = off as usize;
        let code = &mut bytes.to_mut()[o - 1..o + 4];
        if code[0] != 0xe8 {
            bail!("rewrite: the call of aligned_layout at {off:#x} is not a call");
        }
        code.copy_from_slice(&UNIT_LAYOUT);
    }
    if strip_debug {
        // The DWARF the build added for this step alone, and its
        // relocations.
        for s in b.sections.iter_mut() {
            let n: &[u8] = &s.name;
            if n.starts_with(b".debug_") || n.starts_with(b".rela.debug_") {
                s.delete = true;
            }
        }
        b.delete_orphan_symbols();
    }
    let mut buf = Vec::new();
    b.write(&mut buf)?;
    std::fs::write(out, buf).with_context(|| format!("writing {out}"))?;
    Ok(())
}

/// An assembler string literal.
fn asciz(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.bytes() {
        match c {
            b'"' | b'\\' => {
                o.push('\\');
                o.push(c as char)
            }
            0x20..=0x7e => o.push(c as char),
            _ => {
                let _ = write!(o, "\\{c:03o}");
            }
        }
    }
    o.push('"');
    o
}

/// `s` inside an assembler comment.
fn comment(s: &str) -> String {
    s.replace("*/", "* /")
}

/// The kCFI type of the object's `init_module`: the `mov $type, %eax` of
/// its preamble, `__cfi_init_module` (single-byte NOPs before it and up to
/// the function), as rustc's LLVM emits it when the kernel has
/// CONFIG_CFI_CLANG; none without a preamble.
fn init_kcfi_type(obj: &object::File<'_>) -> Result<Option<u32>> {
    let find = |n: &str| {
        obj.symbols()
            .find(|s| !s.is_undefined() && s.name() == Ok(n))
    };
    let (Some(cfi), Some(init)) = (find("__cfi_init_module"), find("init_module")) else {
        return Ok(None);
    };
    let bad = || anyhow!("__cfi_init_module: not a kCFI preamble of init_module");
    let sec = match (cfi.section_index(), init.section_index()) {
        (Some(c), Some(i)) if c == i => obj.section_by_index(c)?,
        _ => return Err(bad()),
    };
    let data = sec.data()?;
    let (start, end) = (cfi.address() as usize, init.address() as usize);
    let pre = data.get(start..end).ok_or_else(bad)?;
    let at = pre.iter().position(|&b| b != 0x90).ok_or_else(bad)?;
    match pre.get(at..at + 5) {
        Some([0xb8, t @ ..]) if pre[at + 5..].iter().all(|&b| b == 0x90) => {
            Ok(Some(u32::from_le_bytes([t[0], t[1], t[2], t[3]])))
        }
        _ => Err(bad()),
    }
}

/// The module's assembly: include/allocprof_rs_dropin.h's code for each
/// site (an allocation site charged to its row's tag; a free, through the
/// kernel crate's exported `free` of its allocator, in `kfrees`, if there
/// is one), the tags and the registering `init_module`, of the kCFI type
/// `init_type` of the module's own (the kernel calls it through
/// `mod->init`).
fn emit_asm(
    args: &Args,
    real_name: &str,
    sites: &[Site],
    rows: &[Place],
    kfrees: &HashMap<String, String>,
    init_type: Option<u32>,
) -> String {
    let mut a = String::new();
    let _ = writeln!(
        a,
        "/* Generated by allocprof-rs-dropin from {}: do not edit. */\n\
         #include <linux/linkage.h>\n#include <linux/cfi_types.h>\n#include <asm/frame.h>\n\
         #include <allocprof_rs_dropin.h>",
        comment(
            &Path::new(&args.input)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
        )
    );
    // Strings (not in the jump table's pass: include/allocprof_rs_dropin.h).
    a.push_str("\n#ifndef ALLOCPROF_RS_JUMP_TABLE\n\t.section .rodata.allocprof_rs, \"a\"\n");
    let _ = writeln!(a, ".Lmodname:\n\t.asciz {}", asciz(&args.modname));
    for (i, r) in rows.iter().enumerate() {
        let _ = writeln!(a, ".Lfile{i}:\n\t.asciz {}", asciz(&r.file));
        let _ = writeln!(a, ".Lfunc{i}:\n\t.asciz {}", asciz(&r.function));
    }
    // Tags: struct allocprof_tag (include/allocprof_abi.h), 40 bytes.
    a.push_str("\n\t.section alloc_tags, \"aw\"\n\t.balign 8\n");
    for (i, r) in rows.iter().enumerate() {
        let _ = writeln!(
            a,
            ".Ltag{i}:\t/* {}:{} func:{} */\n\t.long 0\n\t.long {}\n\t.quad .Lmodname\n\
             \t.quad .Lfunc{i}\n\t.quad .Lfile{i}\n\t.quad allocprof_sink",
            comment(&r.file),
            r.line,
            comment(&r.function),
            r.line
        );
    }
    a.push_str("#endif\n\n");
    if sites.iter().any(|s| s.place.free.is_none()) {
        let _ = writeln!(a, "ALLOCPROF_RS_MODULE {real_name}");
    }
    for (i, s) in sites.iter().enumerate() {
        let _ = writeln!(a, "/* {}+{:#x} */", comment(&s.section), s.r_offset);
        match &s.place.free {
            None => {
                let t = rows.binary_search(&s.place).expect("row of a site");
                let _ = writeln!(
                    a,
                    "ALLOCPROF_RS_ALLOC_SITE __allocprof_rs_site_{i}, {real_name}, .Ltag{t}"
                );
            }
            Some(alloc) => match kfrees.get(alloc) {
                Some(free) => {
                    let _ = writeln!(a, "ALLOCPROF_RS_KFREE_SITE __allocprof_rs_site_{i}, {free}");
                }
                None => {
                    let _ = writeln!(
                        a,
                        "ALLOCPROF_RS_FREE_SITE __allocprof_rs_site_{i}, {real_name}"
                    );
                }
            },
        }
    }
    // Registration before the module's own init, called as it was: through
    // mod->init, checked by kCFI against the type of int (*)(void), the
    // type rustc gave the module's init_module (`extern "C" fn() -> c_int`).
    a.push_str("\n#ifndef ALLOCPROF_RS_JUMP_TABLE\n\t.section .init.text, \"ax\"\n");
    match init_type {
        Some(t) => {
            let _ = writeln!(a, "\t.set __kcfi_typeid_init_module, {t:#010x}");
        }
        None => a.push_str(
            "#ifdef CONFIG_CFI_CLANG\n#error \"allocprof-rs-dropin: the module's init_module has no kCFI \
             type (__cfi_init_module), on a kernel with CONFIG_CFI_CLANG\"\n#endif\n",
        ),
    }
    a.push_str(
        "SYM_TYPED_FUNC_START(init_module)\n\tFRAME_BEGIN\n\
         \tmovq $__this_module, %rdi\n\tmovq $__start_alloc_tags, %rsi\n\
         \tmovq $__stop_alloc_tags, %rdx\n\tcall allocprof_dropin_register\n\
         \tFRAME_END\n\tjmp __allocprof_rs_module_init\nSYM_FUNC_END(init_module)\n\
         /* Its address taken, as module_init()'s ___ADDRESSABLE: the module's\n\
          * .mod.c calls it indirectly (objtool keeps its ENDBR). */\n\
         \t.pushsection .init.data, \"aw\"\n\t.balign 8\n\t.quad init_module\n\t.popsection\n\
         \t.weak __start_alloc_tags\n\t.weak __stop_alloc_tags\n#endif\n",
    );
    a
}

fn run() -> Result<()> {
    let args = parse_args()?;
    if args.verbose {
        eprintln!(
            "  ALLOCPROF-RS: Linux {}: {}",
            args.kernel,
            realloc_signature(&args.kernel)?
        );
    }
    let data = std::fs::read(&args.input).with_context(|| format!("reading {}", args.input))?;
    let obj = object::File::parse(&*data)?;
    let mut real = None;
    let mut shared = Vec::new();
    for sym in obj.symbols() {
        if !sym.is_undefined() {
            continue;
        }
        let name = sym.name()?;
        if is_realloc_call(name) {
            real = Some((sym.index(), name.to_string()));
        } else if is_shared_alloc_generic(name) {
            shared.push(name.to_string());
        }
    }
    if !shared.is_empty() {
        bail!(
            "{} calls the kernel crate's own instances of kernel::alloc generics \
             (built without -Zshare-generics=n?): {}",
            args.input,
            shared.join(", ")
        );
    }
    let name = Path::new(&args.input)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .replace(".allocprof-in", "");
    let bases = section_bases(&obj);
    let Some((real, real_name)) = real else {
        // Nothing of kernel::alloc: the object is used as it is.
        std::fs::write(&args.output, &data)?;
        std::fs::write(&args.asm, "/* no allocation call sites */\n")?;
        let ctx = dwarf_context(&obj, &bases)?;
        let (kcalls, unaudited) = find_kcalls(&obj, &ctx, &bases, &args)?;
        eprintln!(
            "  ALLOCPROF-RS {name}: no call of ReallocFunc::call; {}",
            kcalls_line(&kcalls, &unaudited, false)
        );
        return Ok(());
    };
    let kfrees = match &args.symvers {
        Some(f) => {
            kernel_frees(&std::fs::read_to_string(f).with_context(|| format!("reading {f}"))?)
        }
        None => HashMap::new(),
    };
    let ctx = dwarf_context(&obj, &bases)?;
    let sites = find_sites(&obj, real, &ctx, &bases, &args)?;
    let (kcalls, unaudited) = find_kcalls(&obj, &ctx, &bases, &args)?;
    let layout_calls = free_layout_calls(&obj, &ctx, &bases, &args)?;
    let mut rows: Vec<Place> = sites
        .iter()
        .filter(|s| s.place.free.is_none())
        .map(|s| s.place.clone())
        .chain(
            kcalls
                .iter()
                .filter(|k| k.known.has_row())
                .map(|k| k.place.clone()),
        )
        .collect();
    rows.sort();
    rows.dedup();
    rewrite(
        &data,
        &real_name,
        &sites,
        &layout_calls,
        &kcalls,
        &args.output,
        args.strip_debug,
    )?;
    std::fs::write(
        &args.asm,
        emit_asm(
            &args,
            &real_name,
            &sites,
            &rows,
            &kfrees,
            init_kcfi_type(&obj)?,
        ) + &emit_kcalls(&kcalls, &rows),
    )
    .with_context(|| format!("writing {}", args.asm))?;
    let frees = sites.iter().filter(|s| s.place.free.is_some()).count();
    let unplaced: Vec<&Site> = sites
        .iter()
        .filter(|s| s.place.free.is_none() && !s.place.own)
        .collect();
    let tails = sites
        .iter()
        .filter(|s| !matches!(s.insn, Insn::Call))
        .count();
    eprintln!(
        "  ALLOCPROF-RS {name}: {} call sites of ReallocFunc::call ({} tail calls): \
         {} allocation sites in {} rows, {} frees; {} allocation sites not on a line \
         of the module's source; {}",
        sites.len(),
        tails,
        sites.len() - frees,
        rows.len(),
        frees,
        unplaced.len(),
        kcalls_line(&kcalls, &unaudited, true)
    );
    for k in kcalls.iter().filter(|k| !k.known.handled()) {
        eprintln!(
            "    not handled: {}+{:#x}: {}",
            k.call.section, k.call.r_offset, k.known.path
        );
    }
    for p in &unaudited {
        eprintln!("    not audited: a call of {p}");
    }
    for s in &unplaced {
        eprintln!(
            "    not placed: {}+{:#x}: row {}:{} func:{}",
            s.section, s.r_offset, s.place.file, s.place.line, s.place.function
        );
    }
    if args.verbose {
        for r in &rows {
            eprintln!("    row {}:{} func:{}", r.file, r.line, r.function);
        }
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("allocprof-rs-dropin: {e:#}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(src_dir: &str, srctree: Option<&str>, cwd: &str, remaps: &[(&str, &str)]) -> Args {
        Args {
            kernel: "6.12".into(),
            input: "x.o".into(),
            output: "x.rw.o".into(),
            asm: "x.S".into(),
            modname: "x".into(),
            src_dir: src_dir.into(),
            srctree: srctree.map(str::to_string),
            remaps: remaps
                .iter()
                .map(|(f, t)| (f.to_string(), t.to_string()))
                .collect(),
            cwd: cwd.into(),
            symvers: None,
            strip_debug: false,
            verbose: false,
        }
    }

    #[test]
    fn row_function_names() {
        // A driver's function, a trait method, a generic with a closure
        // argument (one row per call site: no generic arguments).
        assert_eq!(
            row_function("_RNvCs3aSuthxc6Os_18allocprof_bench_rs4kbox"),
            "allocprof_bench_rs::kbox"
        );
        assert_eq!(
            row_function(
                "_RNvXCsk4nubnyjFf2_26allocprof_dropin_rust_testNtB2_14DropinRustTestNtCs1EKtwoKEMO2_6kernel6Module4init"
            ),
            "allocprof_dropin_rust_test::DropinRustTest::init"
        );
        assert_eq!(
            row_function(
                "_RINvCsk4nubnyjFf2_26allocprof_dropin_rust_test10site_spawnNCNvB2_4work0EB2_"
            ),
            "allocprof_dropin_rust_test::site_spawn"
        );
        assert_eq!(
            row_function(
                "_RNvYNtNtNtCs1EKtwoKEMO2_6kernel5alloc9allocator7KmallocNtB6_9Allocator4freeB8_"
            ),
            "kernel::alloc::allocator::Kmalloc::free"
        );
        // Not a Rust name: as it is.
        assert_eq!(row_function("plain_c_name"), "plain_c_name");
        let long = format!("_RNvCs3aSuthxc6Os_1a{}", "x".repeat(300));
        assert!(row_function(&long).len() <= 255);
    }

    #[test]
    fn free_allocators() {
        assert_eq!(
            free_allocator(
                "_RNvYNtNtNtCs1EKtwoKEMO2_6kernel5alloc9allocator7KmallocNtB6_9Allocator4freeB8_"
            )
            .as_deref(),
            Some("kernel::alloc::allocator::Kmalloc")
        );
        assert_eq!(
            free_allocator("_RNvMNtNtCs1EKtwoKEMO2_6kernel5alloc9allocatorNtB2_11ReallocFunc4call"),
            None
        );
    }

    #[test]
    fn symbol_classes() {
        let call = "_RNvMNtNtCs1EKtwoKEMO2_6kernel5alloc9allocatorNtB2_11ReallocFunc4call";
        let layout =
            "_RNvMs_NtNtCs1EKtwoKEMO2_6kernel5alloc9allocatorNtB4_7Kmalloc14aligned_layout";
        let shared =
            "_RNvYNtNtNtCs1EKtwoKEMO2_6kernel5alloc9allocator7KmallocNtB6_9Allocator4freeB8_";
        assert!(is_realloc_call(call) && !is_realloc_call(layout));
        assert!(is_aligned_layout(layout) && !is_aligned_layout(call));
        assert!(is_shared_alloc_generic(shared));
        assert!(!is_shared_alloc_generic(call) && !is_shared_alloc_generic(layout));
    }

    #[test]
    fn known_calls_of_6_12() {
        // The symbols of 6.12's kernel.o (rust/kernel/).
        let k = |n: &str| known_call(n).map(|k| k.map(|k| k.wrapper));
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
        let drop = known_call("_RNvXs1_NtCs1EKtwoKEMO2_6kernel4pageNtB5_4PageNtNtNtCs1peUGmbrgHn_4core3ops4drop4Drop4drop");
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

    #[test]
    fn kernel_frees_from_symvers() {
        let symvers = "0x12345678\t_RNvYNtNtNtCs1EKtwoKEMO2_6kernel5alloc9allocator7KmallocNtB6_9Allocator4freeB8_\tvmlinux\tEXPORT_SYMBOL_GPL\t\n\
                       0x9abcdef0\tkfree\tvmlinux\tEXPORT_SYMBOL\t\n";
        let m = kernel_frees(symvers);
        assert_eq!(m.len(), 1);
        assert!(m["kernel::alloc::allocator::Kmalloc"].ends_with("9Allocator4freeB8_"));
    }

    #[test]
    fn strings_and_comments() {
        assert_eq!(asciz("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(asciz("é"), "\"\\303\\251\"");
        assert_eq!(comment("<*/>"), "<* />");
    }

    #[test]
    fn unit_layout_is_its_result() {
        // xor %edx, %edx; lea 1(%rdx), %eax: align 1 in %rax, size 0 in
        // %rdx, in the five bytes of the call.
        assert_eq!(UNIT_LAYOUT, [0x31, 0xd2, 0x8d, 0x42, 0x01]);
    }

    #[test]
    fn files_own_and_remapped() {
        let t =
            std::env::temp_dir().join(format!("allocprof-rs-dropin-files-{}", std::process::id()));
        let m = t.join("module");
        let k = t.join("kernel");
        std::fs::create_dir_all(&m).unwrap();
        std::fs::create_dir_all(k.join("rust")).unwrap();
        std::fs::write(m.join("drv.rs"), "").unwrap();
        std::fs::write(k.join("rust/alloc.rs"), "").unwrap();
        let (m, k, c) = (
            m.to_string_lossy().into_owned(),
            k.to_string_lossy().into_owned(),
            t.join("build").to_string_lossy().into_owned(),
        );
        let a = args(&m, Some(&k), &c, &[]);
        assert_eq!(
            file_of(&format!("{m}/drv.rs"), &a),
            ("drv.rs".to_string(), true)
        );
        assert_eq!(
            file_of(&format!("{k}/rust/alloc.rs"), &a),
            ("rust/alloc.rs".to_string(), false)
        );
        assert_eq!(
            file_of("/nowhere/x.rs", &a),
            ("/nowhere/x.rs".to_string(), false)
        );
        // The module's directory remapped to nothing: DWARF says
        // "drv.rs", which addr2line joins to rustc's directory.
        let r = args(&m, Some(&k), &c, &[(&format!("{m}/"), "")]);
        assert_eq!(
            file_of(&format!("{c}/drv.rs"), &r),
            ("drv.rs".to_string(), true)
        );
        assert_eq!(file_of("drv.rs", &r), ("drv.rs".to_string(), true));
        // A module directory that holds the kernel's tree: the tree's
        // files are not the module's.
        let t_str = t.to_string_lossy().into_owned();
        let a = args(&t_str, Some(&k), &c, &[]);
        assert!(!file_of(&format!("{k}/rust/alloc.rs"), &a).1);
        assert!(file_of(&format!("{m}/drv.rs"), &a).1);
        std::fs::remove_dir_all(&t).unwrap();
    }
}
