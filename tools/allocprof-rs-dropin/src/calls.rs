// SPDX-License-Identifier: GPL-2.0

//! The calls of a symbol in the object ([`calls_of`]): each a relocation
//! of an executable section and the instruction it belongs to ([`Insn`]);
//! any other reference to the symbol an error.
//!
//! Uses: no other module.

use anyhow::{bail, Result};
use object::{elf, Object, ObjectSection, RelocationFlags, RelocationTarget};

/// How a call site reaches the function.
#[derive(Clone, Copy, Debug)]
pub enum Insn {
    /// `call rel32`.
    Call,
    /// `jmp rel32` (a tail call).
    Jmp,
    /// `jcc rel32` (a conditional tail call).
    Jcc,
}

/// One call (or tail call) of a symbol in the object.
pub struct Call {
    /// Its section's name and index.
    pub section: String,
    pub index: object::SectionIndex,
    /// Offset of the relocation (the rel32 field) in the section.
    pub r_offset: u64,
    pub insn: Insn,
    /// Offset of the instruction.
    pub start: u64,
}

/// The calls of the symbol `sym` in the object's executable sections; an
/// error for any other kind of reference to it.
pub fn calls_of(obj: &object::File<'_>, sym: object::SymbolIndex, what: &str) -> Result<Vec<Call>> {
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
