// SPDX-License-Identifier: GPL-2.0

//! allocprof_bench_rs: the Rust drop-in's loops of `make bench`, in a plain
//! Rust module (nothing of allocprof in it).  `make bench` loads it as the
//! project's Kbuild builds it (plainly) and a copy built with the drop-in
//! lines (`allocprof_bench_rsdi`, scripts/bench.sh): the same source.
//!
//! Writing `NAME ITERATIONS` to `/sys/kernel/allocprof_bench_rs/run` runs
//! loop NAME in the writer's context and logs `NAME ops=N ns=T`:
//!
//! | NAME   | per iteration                                               |
//! |--------|-------------------------------------------------------------|
//! | `kbox` | `KBox::new` of 32 bytes, then its drop (1 op)               |
//! | `kvec` | a `KVec<u32>` pushed 64 times from empty (growing), then    |
//! |        | dropped (1 op)                                              |

use kernel::bindings;
use kernel::error::code::EINVAL;
use kernel::prelude::*;

#[path = "../../../../src/ffi/sysfs.rs"]
pub mod sysfs;

#[path = "bench_cmd.rs"]
mod bench_cmd;
use bench_cmd::parse;

module! {
    type: BenchRs,
    name: "allocprof_bench_rs",
    description: "allocprof benchmark: KBox and KVec loops of a plain Rust module",
    license: "GPL",
}

fn now() -> i64 {
    // SAFETY: reads the monotonic clock.
    unsafe { bindings::ktime_get() }
}

/// `KBox::new`/drop pairs.
#[inline(never)]
fn kbox(iters: usize) -> Result<usize> {
    for i in 0..iters {
        let b = KBox::new([i as u64; 4], GFP_KERNEL)?;
        drop(core::hint::black_box(b));
    }
    Ok(iters)
}

/// A `KVec` grown by 64 pushes, then dropped.
#[inline(never)]
fn kvec(iters: usize) -> Result<usize> {
    for _ in 0..iters {
        let mut v = KVec::new();
        for j in 0..64u32 {
            v.push(j, GFP_KERNEL)?;
        }
        drop(core::hint::black_box(v));
    }
    Ok(iters)
}

/// `/sys/kernel/allocprof_bench_rs/run`: one command per `write(2)`.
struct Run;

impl sysfs::BinWrite for Run {
    const NAME: &'static core::ffi::CStr = c"run";

    fn write(line: &[u8], _offset: i64) -> Result {
        let (name, iters) = parse(line)?;
        let start = now();
        let ops = match name {
            b"kbox" => kbox(iters),
            b"kvec" => kvec(iters),
            _ => Err(EINVAL),
        };
        let ns = now() - start;
        let ops = ops?;
        pr_info!(
            "{} ops={} ns={}\n",
            core::str::from_utf8(name).unwrap_or("?"),
            ops,
            ns
        );
        Ok(())
    }
}

struct BenchRs {
    _file: sysfs::File,
}

impl kernel::Module for BenchRs {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dir = sysfs::Dir::new(c"allocprof_bench_rs")?;
        Ok(BenchRs {
            _file: sysfs::File::bin_write::<Run>(&dir)?,
        })
    }
}
