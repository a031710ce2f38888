// SPDX-License-Identifier: GPL-2.0

//! The rewritten object (`--out`, [`rewrite`]): the sites' and kernel
//! calls' relocations retargeted to their thunks, the free's calls of
//! `aligned_layout` replaced by their result, `init_module` renamed, the
//! DWARF dropped with `--strip-debug`.
//!
//! Uses: `kcalls`, `kernel`, `layout`, `sites`.

use anyhow::{anyhow, bail, Context as _, Result};
use object::build::elf::{Builder, SectionData};
use object::elf;

use crate::kcalls::{retarget_kcalls, KSite};
use crate::kernel::is_aligned_layout;
use crate::layout::{replace_call, FreeLayoutCalls};
use crate::sites::Site;

/// Rewrites the object: the sites' relocations name their thunks, the
/// calls of `aligned_layout` of frees are replaced by their result, and
/// `init_module` is renamed (the generated one registers, then calls it).
pub fn rewrite(
    data: &[u8],
    sites: &[Site],
    layout_calls: &FreeLayoutCalls,
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
    // The functions the sites call (each site's `real`).
    let mut reals = Vec::new();
    for st in sites {
        let id = b
            .symbols
            .iter()
            .find(|s| *s.name == *st.real.as_bytes())
            .map(|s| s.id())
            .ok_or_else(|| anyhow!("rewrite: {} not found", st.real))?;
        if !reals.contains(&id) {
            reals.push(id);
        }
    }
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
                if !r.symbol.is_some_and(|sym| reals.contains(&sym)) {
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
                        .calls
                        .iter()
                        .any(|(sec, off)| sec == tname && *off == r.r_offset);
                if hit {
                    patched.push((*tid, tname.clone(), r.r_offset, r.r_type, r.r_addend));
                }
                !hit
            });
        }
    }
    if done != sites.len() {
        bail!("rewrite: retargeted {done} of {} relocations", sites.len());
    }
    if patched.len() != layout_calls.calls.len() {
        bail!(
            "rewrite: replaced {} of {} calls of aligned_layout",
            patched.len(),
            layout_calls.calls.len()
        );
    }
    for (sec, name, off, r_type, r_addend) in patched {
        let s = b.sections.get_mut(sec);
        let SectionData::Data(bytes) = &mut s.data else {
            bail!("rewrite: {name}+{off:#x}: a call of aligned_layout in a section without data");
        };
        let at = format!("rewrite: {name}+{off:#x}");
        replace_call(
            bytes.to_mut(),
            off,
            r_type,
            r_addend,
            layout_calls
                .unit
                .ok_or_else(|| anyhow!("{at}: no replacement of aligned_layout on this kernel"))?,
            &at,
        )?;
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
