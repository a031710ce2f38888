// SPDX-License-Identifier: GPL-2.0

//! The calls of `Kmalloc::aligned_layout` inlined from a free
//! ([`free_layout_calls`]) and their replacement by the kernel's
//! [`UnitLayout`] ([`replace_call`]), every assumption checked first: a
//! mismatch stops the build, naming the place, rather than rewrite
//! anything else.
//!
//! Uses: `args`, `calls`, `dwarf`, `kernel`, `place`.

use anyhow::{bail, Context as _, Result};
use object::{elf, Object, ObjectSymbol};
use std::collections::HashMap;

use crate::args::Args;
use crate::calls::{calls_of, Insn};
use crate::dwarf::Reader;
use crate::kernel::{is_aligned_layout, kernel, UnitLayout};
use crate::place::place_of;

/// Replaces, in `bytes` (a section's), the call of `aligned_layout` of a
/// free whose relocation (`r_type`, `r_addend`) is at `r_offset` by the
/// kernel's `unit` layout; `at` names the place for a message.  Refused
/// unless the five bytes are exactly a `call rel32` (`e8`) whose rel32
/// field is the relocation's (R_X86_64_PLT32 or PC32, addend -4); the
/// replacement is as long as the call (its type says so).
pub fn replace_call(
    bytes: &mut [u8],
    r_offset: u64,
    r_type: u32,
    r_addend: i64,
    unit: &UnitLayout,
    at: &str,
) -> Result<()> {
    let what = "the call of Kmalloc::aligned_layout of a free";
    if !matches!(r_type, elf::R_X86_64_PLT32 | elf::R_X86_64_PC32) {
        bail!(
            "{at}: {what}: its relocation is of type {r_type}, not R_X86_64_PLT32 or \
             R_X86_64_PC32: not replaced"
        );
    }
    if r_addend != -4 {
        bail!(
            "{at}: {what}: its relocation's addend is {r_addend}, not -4 (the rel32 \
             field of a call ends the instruction): not replaced"
        );
    }
    let o = usize::try_from(r_offset)
        .ok()
        .filter(|&o| o >= 1 && o + 4 <= bytes.len());
    let Some(o) = o else {
        bail!("{at}: {what}: its five bytes are not all in its section: not replaced");
    };
    let code = &mut bytes[o - 1..o + 4];
    if code[0] != 0xe8 {
        bail!(
            "{at}: {what}: the byte before its relocation is {:#04x}, not the opcode \
             of call rel32 (0xe8): not replaced",
            code[0]
        );
    }
    code.copy_from_slice(&unit.code);
    Ok(())
}

/// The calls of `Kmalloc::aligned_layout` inlined from a free
/// (`<A as Allocator>::free` passes `Layout::new::<()>()` to `realloc`,
/// which pads it): where the kernel crate's own `free` folds it away, a
/// module of unshared generics calls it, out of line (not `#[inline]`,
/// another crate's).  A tail call (`jmp`) is left as it is: the real
/// function, called.
pub fn free_layout_calls(
    obj: &object::File<'_>,
    ctx: &addr2line::Context<Reader>,
    bases: &HashMap<object::SectionIndex, u64>,
    args: &Args,
) -> Result<FreeLayoutCalls> {
    let k = kernel(&args.kernel)?;
    let unit = k.unit_layout.as_ref();
    let Some(sym) = obj
        .symbols()
        .find(|s| s.is_undefined() && s.name().is_ok_and(is_aligned_layout))
    else {
        return Ok(FreeLayoutCalls {
            calls: Vec::new(),
            unit,
        });
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
    if unit.is_none() {
        if let Some((sec, off)) = out.first() {
            bail!(
                "{sec}+{off:#x}: a free's call of Kmalloc::aligned_layout, whose result on \
                 Linux {} this tool does not know (the kernel crate inlines it there): \
                 not replaced",
                k.version
            );
        }
    }
    Ok(FreeLayoutCalls { calls: out, unit })
}

/// The calls of `aligned_layout` of frees, and what replaces them on the
/// kernel (`--kernel`).
pub struct FreeLayoutCalls {
    /// Each call's section and relocation offset.
    pub calls: Vec<(String, u64)>,
    /// The kernel's `aligned_layout(Layout::new::<()>())` (none: no call).
    pub unit: Option<&'static UnitLayout>,
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::kernel::KERNELS;

    /// 6.12's replacement.
    fn unit() -> &'static UnitLayout {
        KERNELS
            .iter()
            .find(|k| k.version == "6.12")
            .unwrap()
            .unit_layout
            .as_ref()
            .unwrap()
    }

    /// A section: `nop`, `call rel32` (its field at 2), `ret`.
    fn text() -> Vec<u8> {
        vec![0x90, 0xe8, 0, 0, 0, 0, 0xc3]
    }

    fn refused(bytes: &mut [u8], off: u64, t: u32, addend: i64, why: &str) {
        let before = bytes.to_vec();
        let e = replace_call(bytes, off, t, addend, unit(), ".text.f+0x2").unwrap_err();
        let e = format!("{e:#}");
        assert!(e.starts_with(".text.f+0x2: "), "names the place: {e}");
        assert!(e.contains(why) && e.ends_with("not replaced"), "{e}");
        assert_eq!(bytes, &before[..], "nothing changed");
    }

    #[test]
    fn unit_layout_is_its_result() {
        // xor %edx, %edx; lea 1(%rdx), %eax: align 1 in %rax, size 0 in
        // %rdx, in the five bytes of the call.
        assert_eq!(unit().code, [0x31, 0xd2, 0x8d, 0x42, 0x01]);
        assert_eq!(unit().returns, "align in %rax, size in %rdx");
        let mut t = text();
        replace_call(&mut t, 2, elf::R_X86_64_PLT32, -4, unit(), "x").unwrap();
        assert_eq!(t, [0x90, 0x31, 0xd2, 0x8d, 0x42, 0x01, 0xc3]);
        let mut t = text();
        replace_call(&mut t, 2, elf::R_X86_64_PC32, -4, unit(), "x").unwrap();
        assert_eq!(t, [0x90, 0x31, 0xd2, 0x8d, 0x42, 0x01, 0xc3]);
    }

    #[test]
    fn replace_call_refuses_a_mismatch() {
        // Not a call's relocation.
        refused(&mut text(), 2, elf::R_X86_64_64, -4, "of type 1,");
        refused(
            &mut text(),
            2,
            elf::R_X86_64_PLT32,
            0,
            "addend is 0, not -4",
        );
        // Not the bytes of a call: a jmp, an indirect call, a field that
        // is not the relocation's.
        let mut jmp = text();
        jmp[1] = 0xe9;
        refused(&mut jmp, 2, elf::R_X86_64_PLT32, -4, "is 0xe9, not");
        refused(&mut text(), 3, elf::R_X86_64_PLT32, -4, "is 0x00, not");
        // Out of the section.
        refused(
            &mut text(),
            0,
            elf::R_X86_64_PLT32,
            -4,
            "not all in its section",
        );
        refused(
            &mut text(),
            4,
            elf::R_X86_64_PLT32,
            -4,
            "not all in its section",
        );
    }
}
