// SPDX-License-Identifier: GPL-2.0

//! The command line: [`Args`], parsed by [`parse_args`] (an unknown
//! kernel refused there).
//!
//! Uses: `kernel`.

use anyhow::{anyhow, bail, Result};

use crate::kernel::realloc_signature;

pub struct Args {
    /// The kernel's VERSION.PATCHLEVEL (`realloc_signature`).
    pub kernel: String,
    pub input: String,
    pub output: String,
    pub asm: String,
    pub modname: String,
    pub src_dir: String,
    pub srctree: Option<String>,
    /// The module's `--remap-path-prefix=FROM=TO` flags (FROM, TO).
    pub remaps: Vec<(String, String)>,
    /// The directory rustc ran in (relative DWARF paths are joined to it).
    pub cwd: String,
    /// The kernel's Module.symvers (the kernel crate's exported `free`s).
    pub symvers: Option<String>,
    pub strip_debug: bool,
    pub verbose: bool,
}

pub fn parse_args() -> Result<Args> {
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
