// SPDX-License-Identifier: GPL-2.0

//! Where tables come from: allocprof's file, upstream's, a path, stdin;
//! reading and parsing them, with the report of their malformed lines.
//!
//! Layer: readers and writers.  Uses: `parse`, `table`.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::parse::parse;
use crate::table::Table;

/// allocprof's table (the default when present).
pub const ALLOCPROF_PATH: &str = "/sys/kernel/allocprof/allocinfo";
/// Upstream Linux's table (the default when allocprof's is absent).
pub const PROC_PATH: &str = "/proc/allocinfo";

/// The error of an `EACCES` open or read: printed exactly as its text.
#[derive(Debug)]
pub struct PermissionDenied;

impl fmt::Display for PermissionDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("permission denied: allocinfo is readable by root only")
    }
}
impl std::error::Error for PermissionDenied {}

/// One input: a path or stdin (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    pub fn from_arg(s: &str) -> Input {
        if s == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(s))
        }
    }

    /// The label of its rows: the path, or `-` for stdin.
    pub fn label(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
    }

    /// The whole text, as read.
    pub fn read(&self) -> Result<String> {
        let mut buf = Vec::new();
        let r = match self {
            Input::Stdin => io::stdin().lock().read_to_end(&mut buf).map(|_| ()),
            Input::Path(p) => {
                std::fs::File::open(p).and_then(|mut f| f.read_to_end(&mut buf).map(|_| ()))
            }
        };
        if let Err(e) = r {
            if e.kind() == io::ErrorKind::PermissionDenied {
                return Err(PermissionDenied.into());
            }
            return Err(e).with_context(|| format!("cannot read {}", self.label()));
        }
        // Valid UTF-8 (the usual case) is kept as read, not copied.
        Ok(String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }
}

/// allocprof's table when present, else upstream's.
pub fn default_input() -> Result<Input> {
    for p in [ALLOCPROF_PATH, PROC_PATH] {
        if Path::new(p).exists() {
            return Ok(Input::Path(PathBuf::from(p)));
        }
    }
    bail!(
        "no allocinfo table: neither {ALLOCPROF_PATH} (load allocprof.ko) nor {PROC_PATH} \
         (CONFIG_MEM_ALLOC_PROFILING) exists; name one with --file PATH"
    )
}

/// The inputs of `--file` arguments, or the default one.
pub fn inputs(files: &[String]) -> Result<Vec<Input>> {
    if files.is_empty() {
        Ok(vec![default_input()?])
    } else {
        if files.iter().filter(|f| *f == "-").count() > 1 {
            bail!("stdin (-) can be read only once");
        }
        Ok(files.iter().map(|f| Input::from_arg(f)).collect())
    }
}

/// Reads and parses one input, reporting malformed lines on stderr (an
/// error instead with `strict`).
pub fn load(input: &Input, strict: bool) -> Result<Table> {
    let text = input.read()?;
    let label = input.label();
    let t = parse(&text, &label);
    check_malformed(&t, strict)?;
    Ok(t)
}

/// Reports `t`'s malformed lines; with `strict`, fails if there are any.
pub fn check_malformed(t: &Table, strict: bool) -> Result<()> {
    for m in &t.malformed {
        eprintln!(
            "allocprof: {}:{}: malformed line ({}): {}",
            t.source, m.line, m.reason, m.text
        );
    }
    if strict && !t.malformed.is_empty() {
        bail!(
            "{}: {} malformed line(s) (--strict)",
            t.source,
            t.malformed.len()
        );
    }
    Ok(())
}

/// Loads every input.
pub fn load_all(inputs: &[Input], strict: bool) -> Result<Vec<Table>> {
    inputs.iter().map(|i| load(i, strict)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_keeps_utf8_and_replaces_invalid_bytes() {
        let dir = std::env::temp_dir();
        for (name, data) in [
            ("ok", &b"1 1 a.c:1 func:\xc3\xa9\n"[..]),
            ("bad", &b"1 1 a.c:1 func:\xff\xc3\n"[..]),
        ] {
            let p = dir.join(format!("allocprof-read-{}-{name}", std::process::id()));
            std::fs::write(&p, data).unwrap();
            let got = Input::Path(p.clone()).read().unwrap();
            std::fs::remove_file(&p).unwrap();
            assert_eq!(got, String::from_utf8_lossy(data));
        }
    }
}
