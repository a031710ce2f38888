// SPDX-License-Identifier: GPL-2.0

//! The object's DWARF, readable: each allocated section at an address of
//! its own ([`section_bases`]), the debug sections relocated to them, and
//! the addr2line [`dwarf_context`] over them.
//!
//! Uses: no other module.

use anyhow::{bail, Result};
use object::{elf, Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget};
use std::collections::HashMap;

/// Section bases for the DWARF's relocations: each allocated section at a
/// distinct address, so that the line tables of `.text` and `.init.text`
/// (both at 0 in the object) do not overlap.
pub fn section_bases(obj: &object::File<'_>) -> HashMap<object::SectionIndex, u64> {
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
pub fn relocated_section(
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

pub type Reader = gimli::EndianSlice<'static, gimli::LittleEndian>;

pub fn dwarf_context(
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
