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

#[cfg(test)]
mod tests {
    use super::*;
    use object::write::{Object as WObject, Relocation, Symbol, SymbolSection};
    use object::ObjectSymbol;
    use object::{Architecture, BinaryFormat, Endianness, SectionKind, SymbolFlags, SymbolKind};

    /// An object whose section `kind` holds `code`, with a relocation at
    /// `off` (`r_type`, `addend`) against the undefined `f`.
    fn object_with(kind: SectionKind, code: &[u8], off: u64, r_type: u32, addend: i64) -> Vec<u8> {
        let mut o = WObject::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
        let s = o.add_section(Vec::new(), b".text.t".to_vec(), kind);
        o.append_section_data(s, code, 1);
        let f = o.add_symbol(Symbol {
            name: b"f".to_vec(),
            value: 0,
            size: 0,
            kind: SymbolKind::Text,
            scope: object::SymbolScope::Unknown,
            weak: false,
            section: SymbolSection::Undefined,
            flags: SymbolFlags::None,
        });
        o.add_relocation(
            s,
            Relocation {
                offset: off,
                symbol: f,
                addend,
                flags: RelocationFlags::Elf { r_type },
            },
        )
        .unwrap();
        o.write().unwrap()
    }

    fn calls(data: &[u8]) -> Result<Vec<Call>> {
        let obj = object::File::parse(data).unwrap();
        let f = obj.symbols().find(|s| s.name() == Ok("f")).unwrap();
        calls_of(&obj, f.index(), "f")
    }

    fn refused(data: &[u8], why: &str) {
        let e = format!("{:#}", calls(data).err().expect("refused"));
        assert!(e.starts_with(".text.t+0x"), "names the place: {e}");
        assert!(e.contains(why), "{e}");
    }

    #[test]
    fn calls_recognised() {
        let pc = elf::R_X86_64_PLT32;
        // nop; call f; jmp f; jne f
        let code = [
            0x90, 0xe8, 0, 0, 0, 0, 0xe9, 0, 0, 0, 0, 0x0f, 0x85, 0, 0, 0, 0,
        ];
        for (off, start, insn) in [(2, 1, "Call"), (7, 6, "Jmp"), (13, 11, "Jcc")] {
            let c = calls(&object_with(SectionKind::Text, &code, off, pc, -4)).unwrap();
            assert_eq!((c.len(), c[0].start), (1, start));
            assert_eq!(format!("{:?}", c[0].insn), insn);
        }
    }

    #[test]
    fn calls_of_refuses_what_is_not_a_call() {
        let code = [0x90, 0xe8, 0, 0, 0, 0, 0xc3];
        let pc = elf::R_X86_64_PLT32;
        // An indirect call through memory (ff 15), a mov's field (48 8b 05).
        refused(
            &object_with(
                SectionKind::Text,
                &[0x90, 0xff, 0x15, 0, 0, 0, 0],
                3,
                pc,
                -4,
            ),
            "reached by an unknown instruction",
        );
        refused(
            &object_with(
                SectionKind::Text,
                &[0x48, 0x8b, 0x05, 0, 0, 0, 0],
                3,
                elf::R_X86_64_PC32,
                -4,
            ),
            "reached by an unknown instruction",
        );
        // Not a call's relocation: its type, its addend, a data section.
        refused(
            &object_with(SectionKind::Text, &code, 2, elf::R_X86_64_64, 0),
            "that is not a call",
        );
        refused(
            &object_with(SectionKind::Text, &code, 2, pc, 0),
            "that is not a call",
        );
        refused(
            &object_with(SectionKind::Data, &code, 2, pc, -4),
            "that is not a call",
        );
        // A field not all in the section.
        refused(
            &object_with(SectionKind::Text, &code, 4, pc, -4),
            "out of its section",
        );
    }
}
