// SPDX-License-Identifier: GPL-2.0

//! The call sites of `ReallocFunc::call` (7.3: of the C helpers it
//! calls, inlined into the module), placed ([`Site`], [`find_sites`]):
//! each gets a thunk of its own.
//!
//! Uses: `args`, `calls`, `dwarf`, `place`.

use anyhow::{Context as _, Result};
use std::collections::HashMap;

use crate::args::Args;
use crate::calls::{calls_of, Insn};
use crate::dwarf::Reader;
use crate::place::{place_of, Place};

/// One call site of `ReallocFunc::call` in the object.
pub struct Site {
    /// Name of its (executable) section.
    pub section: String,
    /// Offset of the relocation (the rel32 field) in the section.
    pub r_offset: u64,
    pub insn: Insn,
    /// The function it calls (its symbol).
    pub real: String,
    /// Where the module's source names it, if it does.
    pub place: Place,
}

/// The call sites of `real` (`ReallocFunc::call`, or a C helper of
/// 7.3's), the symbol `real_name`, placed.
pub fn find_sites(
    obj: &object::File<'_>,
    real: object::SymbolIndex,
    real_name: &str,
    ctx: &addr2line::Context<Reader>,
    bases: &HashMap<object::SectionIndex, u64>,
    args: &Args,
) -> Result<Vec<Site>> {
    let mut sites = Vec::new();
    for c in calls_of(obj, real, real_name)? {
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
            real: real_name.to_string(),
            place,
        });
    }
    Ok(sites)
}
