// SPDX-License-Identifier: GPL-2.0

//! The calls of `Kmalloc::aligned_layout` inlined from a free
//! ([`free_layout_calls`]) and what replaces each ([`UNIT_LAYOUT`]).
//!
//! Uses: `args`, `calls`, `dwarf`, `kernel`, `place`.

use anyhow::{Context as _, Result};
use object::{Object, ObjectSymbol};
use std::collections::HashMap;

use crate::args::Args;
use crate::calls::{calls_of, Insn};
use crate::dwarf::Reader;
use crate::kernel::is_aligned_layout;
use crate::place::place_of;

/// What replaces the call of `Kmalloc::aligned_layout(Layout::new::<()>())`
/// of a free: its result, align 1 in `%rax` and size 0 in `%rdx`, in the
/// call's five bytes (`xor %edx, %edx; lea 1(%rdx), %eax`).
pub const UNIT_LAYOUT: [u8; 5] = [0x31, 0xd2, 0x8d, 0x42, 0x01];

/// The calls of `Kmalloc::aligned_layout` inlined from a free
/// (`<A as Allocator>::free` passes `Layout::new::<()>()` to `realloc`,
/// which pads it): where the kernel crate's own `free` folds it away, a
/// module of unshared generics calls it, out of line (not `#[inline]`,
/// another crate's).  Their sections and relocation offsets.
pub fn free_layout_calls(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_layout_is_its_result() {
        // xor %edx, %edx; lea 1(%rdx), %eax: align 1 in %rax, size 0 in
        // %rdx, in the five bytes of the call.
        assert_eq!(UNIT_LAYOUT, [0x31, 0xd2, 0x8d, 0x42, 0x01]);
    }
}
