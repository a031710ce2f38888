// SPDX-License-Identifier: GPL-2.0

//! Naming a call from DWARF: its [`Place`] (the row's file, line and
//! function, or a free), from the inline frames at its address; source
//! paths as a row shows them ([`file_of`]) and function names
//! ([`row_function`]).
//!
//! Uses: `args`, `dwarf`, `kernel`.

use anyhow::{bail, Result};

use crate::args::Args;
use crate::dwarf::Reader;
use crate::kernel::free_allocator;

/// A call site's row, or none (a free).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: String,
    pub line: u32,
    pub function: String,
    /// On a line of the module's own source.
    pub own: bool,
    /// Under `<A as Allocator>::free`: a free, no row; `A`'s path.
    pub free: Option<String>,
}

/// A function's name as a row shows it: demangled without hashes,
/// `<T as Trait>::f` as `T::f`, `<T>::f` as `T::f`, without generic
/// arguments (`f::<T>` as `f`), closures dropped (as the Rust API's rows
/// drop them), at most 255 bytes.
pub fn row_function(raw: &str) -> String {
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
pub fn under<'a>(path: &'a str, root: &str) -> Option<&'a str> {
    path.strip_prefix(root.trim_end_matches('/'))
        .and_then(|p| p.strip_prefix('/'))
}

/// The source file a DWARF path names, canonical, if it exists: the path
/// itself, or with the module's remaps undone (a `TO` prefix replaced by
/// its `FROM`), the path as DWARF gives it or relative to the directory
/// rustc ran in (addr2line joins a relative path, such as a prefix
/// remapped to nothing, to it).
pub fn source_path(path: &str, args: &Args) -> Option<String> {
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
pub fn file_of(path: &str, args: &Args) -> (String, bool) {
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

pub fn place_of(ctx: &addr2line::Context<Reader>, probe: u64, args: &Args) -> Result<Place> {
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
