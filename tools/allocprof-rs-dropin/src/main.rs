// SPDX-License-Identifier: GPL-2.0

//! allocprof-rs-dropin: the build step of allocprof's Rust drop-in mode
//! (Documentation/allocprof/dropin-rust.rst).
//!
//! It reads a Rust kernel module's object (as rustc left it, built by
//! dropin.mk with unshared generics, the inlining flags and DWARF), finds
//! every call of the kernel crate's `kernel::alloc::allocator::
//! ReallocFunc::call` (through which every allocation, reallocation and
//! free of `Kmalloc`, `Vmalloc` and `KVmalloc` goes; on 7.3, where it is
//! `#[inline]` and the module holds it, every call of the C helper it
//! calls, `rust_helper_{k,v,kv}realloc_node_align`), and for each:
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

//!
//! The modules, each using only those before it (its doc says which):
//! `kernel` (the kernel crate's symbols and each kernel's signatures),
//! `args`, `dwarf` (the object's DWARF, readable), `calls` (a symbol's
//! calls in the object), `place` (naming a call from DWARF), `sites`
//! (the calls of `ReallocFunc::call`), `layout` (the calls of
//! `aligned_layout` of frees), `asm` (the emitted assembly), `kcalls`
//! (the kernel crate's functions that allocate for the module),
//! `rewrite` (the rewritten object), then this file: [`run`], the steps
//! in order, and the build line.

mod args;
mod asm;
mod calls;
mod dwarf;
mod kcalls;
mod kernel;
mod layout;
mod place;
mod rewrite;
mod sites;

use anyhow::{bail, Context as _, Result};
use object::{Object, ObjectSymbol};
use std::collections::HashMap;
use std::path::Path;

use args::parse_args;
use asm::{emit_asm, init_kcfi_type};
use calls::Insn;
use dwarf::{dwarf_context, section_bases};
use kcalls::{emit_kcalls, find_kcalls, kcalls_line};
use kernel::{is_shared_alloc_generic, kernel, kernel_frees, Abi};
use layout::free_layout_calls;
use place::Place;
use rewrite::rewrite;
use sites::{find_sites, Site};

fn run() -> Result<()> {
    let args = parse_args()?;
    let k = kernel(&args.kernel)?;
    if args.verbose {
        let free = k.unit_layout.as_ref().map_or_else(
            || "aligned_layout: the module's own".to_string(),
            |u| format!("a free's {}: {}", u.signature, u.returns),
        );
        eprintln!(
            "  ALLOCPROF-RS: Linux {}: {}; {free}",
            k.version, k.realloc_call
        );
    }
    let data = std::fs::read(&args.input).with_context(|| format!("reading {}", args.input))?;
    let obj = object::File::parse(&*data)?;
    // What the module's allocations call: ReallocFunc::call (6.12), the
    // C helpers (7.3).
    let mut reals = Vec::new();
    let mut shared = Vec::new();
    for sym in obj.symbols() {
        if !sym.is_undefined() {
            continue;
        }
        let name = sym.name()?;
        if k.abi.is_target(name) {
            reals.push((sym.index(), name.to_string()));
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
    let what = match k.abi {
        Abi::RustCall => "ReallocFunc::call",
        Abi::CHelpers => "ReallocFunc::call's C helpers",
    };
    if reals.is_empty() {
        // Nothing of kernel::alloc: the object is used as it is.
        std::fs::write(&args.output, &data)?;
        std::fs::write(
            &args.asm,
            "/* no allocation call sites */\n\t.pushsection .note.GNU-stack, \"\", @progbits\n\
             \t.popsection\n",
        )?;
        let ctx = dwarf_context(&obj, &bases)?;
        let (kcalls, unaudited) = find_kcalls(&obj, &ctx, &bases, &args)?;
        eprintln!(
            "  ALLOCPROF-RS {name}: no call of {what}; {}",
            kcalls_line(&kcalls, &unaudited, false)
        );
        return Ok(());
    }
    let kfrees = match &args.symvers {
        Some(f) => {
            kernel_frees(&std::fs::read_to_string(f).with_context(|| format!("reading {f}"))?)
        }
        None => HashMap::new(),
    };
    let ctx = dwarf_context(&obj, &bases)?;
    let mut sites = Vec::new();
    for (real, real_name) in &reals {
        sites.extend(find_sites(&obj, *real, real_name, &ctx, &bases, &args)?);
    }
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
        &sites,
        &layout_calls,
        &kcalls,
        &args.output,
        args.strip_debug,
    )?;
    std::fs::write(
        &args.asm,
        emit_asm(&args, k.abi, &sites, &rows, &kfrees, init_kcfi_type(&obj)?)
            + &emit_kcalls(&kcalls, &rows),
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
        "  ALLOCPROF-RS {name}: {} call sites of {what} ({} tail calls): \
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
