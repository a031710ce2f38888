// SPDX-License-Identifier: GPL-2.0

//! allocprof_bench: the in-kernel benchmark of `make bench`.
//!
//! Writing `NAME ITERATIONS` to `/sys/kernel/allocprof_bench/run` (0200)
//! runs benchmark NAME in the writer's context (pin it with `taskset`) and
//! logs `allocprof_bench: NAME ops=N ns=T` (pr_info).  Under QEMU's
//! `-icount shift=0` a guest nanosecond is one guest instruction.
//!
//! | NAME                | loop body, per iteration                                  |
//! |---------------------|-----------------------------------------------------------|
//! | `kmalloc_raw`       | `kmalloc`/`kfree` of 8, 16, ..., 240 bytes (30 ops), each |
//! |                     | size its own call site with a constant size               |
//! |                     | (raw loops test for NULL, as every real caller does)      |
//! | `kmalloc_off`       | the same through `kmalloc!` with profiling off            |
//! | `kmalloc_on`        | the same with profiling on                                |
//! | `kmalloc_var_raw/off/on` | the same sizes at one call site, the size a loop     |
//! |                     | variable                                                  |
//! | `pages0_raw/off/on` | `alloc_pages`/`free_pages` of order 0 (1 op)              |
//! | `pages3_raw/off/on` | the same, order 3                                         |
//! | `kvmalloc_raw/off/on` | `kvmalloc`/`kvfree` of 64 and 8192 bytes (2 ops)        |
//! | `*_cum`             | as `*_on`, with the cumulative counters on too            |
//!
//! `_off`/`_on` set `vm.mem_profiling`'s key and restore it after (runs
//! that flip it are serialized; `_off`/`_on` turn the cumulative key off,
//! `_cum` on); `kmalloc_cur` and friends leave the keys as they are, for
//! runs on several CPUs at once and for `make bench`, which sets them
//! through sysfs first.

use core::ffi::CStr;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::bindings;
use kernel::error::code::EINVAL;
use kernel::prelude::*;

#[path = "../../../../src/api/mod.rs"]
pub mod allocprof;

use allocprof::GFP_KERNEL;

#[path = "../../../../src/ffi/sysfs.rs"]
pub mod sysfs;

#[path = "bench_cmd.rs"]
mod bench_cmd;
use bench_cmd::parse;

module! {
    type: AllocprofBench,
    name: "allocprof_bench",
    description: "allocprof benchmark",
    license: "GPL",
}

/// Serializes runs that flip the key (concurrent runs of one state are
/// fine: the scale benchmark runs one per CPU).
static FLIPPING: AtomicBool = AtomicBool::new(false);

fn now() -> i64 {
    // SAFETY: reads the monotonic clock.
    unsafe { bindings::ktime_get() }
}

/// Expands `$site!(size)` for the 30 sizes of the kmalloc loops: 8 to 240
/// bytes in steps of 8.
macro_rules! each_kmalloc_size {
    ($site:ident) => {
        $site!(8);
        $site!(16);
        $site!(24);
        $site!(32);
        $site!(40);
        $site!(48);
        $site!(56);
        $site!(64);
        $site!(72);
        $site!(80);
        $site!(88);
        $site!(96);
        $site!(104);
        $site!(112);
        $site!(120);
        $site!(128);
        $site!(136);
        $site!(144);
        $site!(152);
        $site!(160);
        $site!(168);
        $site!(176);
        $site!(184);
        $site!(192);
        $site!(200);
        $site!(208);
        $site!(216);
        $site!(224);
        $site!(232);
        $site!(240);
    };
}

/// One raw `kmalloc(size)` and its `kfree()`, testing for NULL as every
/// real caller does.
#[inline(always)]
fn raw_kmalloc_kfree(size: usize) {
    // SAFETY: plain allocation and its free.
    unsafe {
        let p = bindings::__kmalloc_noprof(size, GFP_KERNEL);
        if !p.is_null() {
            bindings::kfree(p);
        }
    }
}

/// 30 call sites, each with its size known at compile time, as most
/// kmalloc calls are (`kmalloc(sizeof(*p))`).
fn kmalloc_raw(iters: usize) -> usize {
    macro_rules! site {
        ($size:expr) => {
            raw_kmalloc_kfree($size)
        };
    }
    for _ in 0..iters {
        each_kmalloc_size!(site);
    }
    iters * 30
}

fn kmalloc_wrapped(iters: usize) -> usize {
    macro_rules! site {
        ($size:expr) => {
            drop(crate::kmalloc!($size, GFP_KERNEL))
        };
    }
    for _ in 0..iters {
        each_kmalloc_size!(site);
    }
    iters * 30
}

/// One call site whose size changes at run time: 8 to 240 in steps of 8,
/// the loop of allocprof_bench_c.
fn kmalloc_var_raw(iters: usize) -> usize {
    for _ in 0..iters {
        let mut s = 8;
        while s <= 240 {
            raw_kmalloc_kfree(s);
            s += 8;
        }
    }
    iters * 30
}

fn kmalloc_var_wrapped(iters: usize) -> usize {
    for _ in 0..iters {
        let mut s = 8;
        while s <= 240 {
            drop(crate::kmalloc!(s, GFP_KERNEL));
            s += 8;
        }
    }
    iters * 30
}

fn pages_raw(iters: usize, order: u32) -> usize {
    for _ in 0..iters {
        // SAFETY: plain allocation and its free.
        unsafe {
            let a = bindings::get_free_pages_noprof(GFP_KERNEL, order);
            if a != 0 {
                bindings::free_pages(a, order);
            }
        }
    }
    iters
}

fn pages_wrapped(iters: usize, order: u32) -> usize {
    for _ in 0..iters {
        drop(crate::pages!(order, GFP_KERNEL));
    }
    iters
}

extern "C" {
    // allocprof's kvmalloc_node_noprof(), the kernel macro's expansion
    // (`__kvmalloc_node_noprof()` takes a bucket with CONFIG_SLAB_BUCKETS).
    fn allocprof_kvmalloc_node(
        size: usize,
        flags: bindings::gfp_t,
        node: core::ffi::c_int,
    ) -> *mut core::ffi::c_void;
}

fn kvmalloc_raw(iters: usize) -> usize {
    for _ in 0..iters {
        for s in [64, 8192] {
            // SAFETY: plain allocation and its free.
            unsafe {
                let p = allocprof_kvmalloc_node(s, GFP_KERNEL, bindings::NUMA_NO_NODE);
                if !p.is_null() {
                    bindings::kvfree(p);
                }
            }
        }
    }
    iters * 2
}

fn kvmalloc_wrapped(iters: usize) -> usize {
    for _ in 0..iters {
        for s in [64, 8192] {
            drop(crate::kvmalloc!(s, GFP_KERNEL));
        }
    }
    iters * 2
}

/// Logs the size of each owning handle next to what a caller of the raw
/// API keeps for the same allocation (`make bench` reads the difference:
/// the bytes allocprof adds per live allocation outside the allocator).
fn report_handle_sizes() {
    use core::mem::size_of;
    use core::ptr::NonNull;
    let kinds = [
        (
            "kbuf",
            size_of::<allocprof::KBuf>(),
            size_of::<(NonNull<u8>, usize)>(),
        ),
        (
            "kvbuf",
            size_of::<allocprof::KvBuf>(),
            size_of::<(NonNull<u8>, usize)>(),
        ),
        (
            "vbuf",
            size_of::<allocprof::VBuf>(),
            size_of::<(NonNull<u8>, usize)>(),
        ),
        (
            "pages",
            size_of::<allocprof::Pages>(),
            size_of::<(usize, u32)>(),
        ),
        (
            "tbox",
            size_of::<allocprof::TaggedBox<u64>>(),
            size_of::<NonNull<u64>>(),
        ),
    ];
    for (name, handle, raw) in kinds {
        pr_info!("handle_bytes {} {} {}\n", name, handle, raw);
    }
}

/// Runs `f` with the profiling key in `state` and the cumulative key in
/// `cumulative` (`None`: both untouched).
fn with_key(
    state: Option<bool>,
    cumulative: bool,
    f: impl FnOnce() -> (usize, i64),
) -> (usize, i64) {
    let Some(on) = state else { return f() };
    let key = allocprof::static_branch::PROFILING;
    let cum = allocprof::static_branch::CUMULATIVE;
    while FLIPPING.swap(true, Ordering::Acquire) {
        core::hint::spin_loop();
    }
    let was = allocprof::static_branch::profiling_enabled();
    let cum_was = allocprof::static_branch::cumulative_enabled();
    // Toggling may sleep, as a sysfs write may.
    key.set(on);
    cum.set(cumulative);
    let res = f();
    key.set(was);
    cum.set(cum_was);
    FLIPPING.store(false, Ordering::Release);
    res
}

fn run(name: &[u8], iters: usize) -> Result<(usize, i64)> {
    let (base, state) = match name {
        n if n.ends_with(b"_raw") => (&n[..n.len() - 4], None),
        n if n.ends_with(b"_off") => (&n[..n.len() - 4], Some(false)),
        n if n.ends_with(b"_on") => (&n[..n.len() - 3], Some(true)),
        n if n.ends_with(b"_cum") => (&n[..n.len() - 4], Some(true)),
        n if n.ends_with(b"_cur") => (&n[..n.len() - 4], None),
        _ => return Err(EINVAL),
    };
    let raw = name.ends_with(b"_raw");
    let cum = name.ends_with(b"_cum");
    // Timed inside `with_key`: flipping the key is not part of the loop.
    let timed = |f: &dyn Fn() -> usize| {
        let start = now();
        let ops = f();
        (ops, now() - start)
    };
    let (ops, ns) = match base {
        b"kmalloc" if raw => timed(&|| kmalloc_raw(iters)),
        b"kmalloc" => with_key(state, cum, || timed(&|| kmalloc_wrapped(iters))),
        b"kmalloc_var" if raw => timed(&|| kmalloc_var_raw(iters)),
        b"kmalloc_var" => with_key(state, cum, || timed(&|| kmalloc_var_wrapped(iters))),
        b"pages0" if raw => timed(&|| pages_raw(iters, 0)),
        b"pages0" => with_key(state, cum, || timed(&|| pages_wrapped(iters, 0))),
        b"pages3" if raw => timed(&|| pages_raw(iters, 3)),
        b"pages3" => with_key(state, cum, || timed(&|| pages_wrapped(iters, 3))),
        b"kvmalloc" if raw => timed(&|| kvmalloc_raw(iters)),
        b"kvmalloc" => with_key(state, cum, || timed(&|| kvmalloc_wrapped(iters))),
        _ => return Err(EINVAL),
    };
    Ok((ops, ns))
}

/// `/sys/kernel/allocprof_bench/run`: one command per `write(2)`.
struct Run;

impl sysfs::BinWrite for Run {
    const NAME: &'static CStr = c"run";

    fn write(line: &[u8], _offset: i64) -> Result {
        let (name, iters) = parse(line)?;
        let (ops, ns) = run(name, iters)?;
        pr_info!(
            "{} ops={} ns={}\n",
            core::str::from_utf8(name).unwrap_or("?"),
            ops,
            ns
        );
        Ok(())
    }
}

struct AllocprofBench {
    _run: sysfs::File,
    _reg: allocprof::Registration,
}

impl kernel::Module for AllocprofBench {
    fn init(module: &'static ThisModule) -> Result<Self> {
        report_handle_sizes();
        let reg = allocprof::Registration::new(module)?;
        let dir = sysfs::Dir::new(c"allocprof_bench")?;
        Ok(AllocprofBench {
            _run: sysfs::File::bin_write::<Run>(&dir)?,
            _reg: reg,
        })
    }
}
