// SPDX-License-Identifier: GPL-2.0

//! allocprof_test: the test client of the allocprof kselftests.
//!
//! It tags its allocations through allocprof's wrappers, one call site per
//! kind, and registers its `alloc_tags` section with allocprof.  A test
//! asks for an allocation pattern by writing a command to
//! `/sys/kernel/allocprof_test/control` (mode 0200):
//!
//! | command                    | allocates, at call site `func:allocprof_test::site_<kind>` |
//! |----------------------------|-------------------------------------------------------------|
//! | `kmalloc N SIZE`           | N × `kmalloc(SIZE)`                                         |
//! | `kzalloc N SIZE`           | N × `kzalloc(SIZE)`                                         |
//! | `kcalloc N COUNT SIZE`     | N × `kcalloc(COUNT, SIZE)`                                  |
//! | `krealloc N SIZE NEW`      | N × `kmalloc(SIZE)`, each then `krealloc`ed to NEW          |
//! | `kvmalloc N SIZE`          | N × `kvmalloc(SIZE)`                                        |
//! | `vmalloc N SIZE`           | N × `vmalloc(SIZE)`                                         |
//! | `pages N ORDER`            | N × `alloc_pages(ORDER)`                                    |
//! | `tbox N`                   | N × a tagged box of `[u8; 200]`                             |
//! | `free`                     | frees everything held                                       |
//! | `unaccounted`              | frees a kmalloc object allocprof never saw (debug check)    |
//! | `negative`                 | charges 128 bytes and frees 1024 from the same site         |
//! | `negative_calls`           | charges one `kmalloc(100)` and uncharges it twice           |
//! | `race_charge MS`           | one `kmalloc(100)` at `site_race`, whose charge spins MS ms  |
//! |                            | (preemption off) between loading the tag's counters and    |
//! |                            | updating them; held like the others                        |
//! | `unregister`               | drops the module's `Registration` (the module stays)        |
//! | `register`                 | registers the module's tags again                           |
//! | `forget`                   | leaks the `Registration` with `mem::forget` (never dropped) |
//!
//! Allocations are held until `free` or module unload (which reports them
//! as live).  A malformed command fails with `EINVAL`, an allocation
//! failure with `ENOMEM`; either way nothing changes.  N is at most
//! 100000.  A command is one `write(2)` at offset 0: a write at another
//! offset fails with `EINVAL`.  `race_charge`, `unregister`, `register`
//! and `forget` do not wait for the other commands, so that a test can
//! run them concurrently.

use core::ffi::CStr;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::alloc::flags::GFP_KERNEL as KGFP;
use kernel::bindings;
use kernel::error::code::{EINVAL, ENOMEM};
use kernel::prelude::*;
use kernel::sync::Mutex;

#[path = "../../../../src/api/mod.rs"]
pub mod allocprof;

use allocprof::{KBuf, KvBuf, Pages, TaggedBox, VBuf, GFP_KERNEL};

#[path = "../../../../src/ffi/sysfs.rs"]
pub mod sysfs;

module! {
    type: AllocprofTest,
    name: "allocprof_test",
    description: "allocprof kselftest client",
    license: "GPL",
}

/// Largest N a command takes.
const MAX_COUNT: usize = 100_000;

/// One held allocation, kept only to be dropped (freed) later.
#[allow(dead_code)]
enum Held {
    K(KBuf),
    Kv(KvBuf),
    V(VBuf),
    P(Pages),
    B(TaggedBox<[u8; 200]>),
}

/// The call sites, one per kind: rows `func:allocprof_test::site_<kind>`.
fn site_kmalloc(size: usize) -> Result<KBuf> {
    crate::kmalloc!(size, GFP_KERNEL)
}
fn site_kzalloc(size: usize) -> Result<KBuf> {
    crate::kzalloc!(size, GFP_KERNEL)
}
fn site_kcalloc(n: usize, size: usize) -> Result<KBuf> {
    crate::kcalloc!(n, size, GFP_KERNEL)
}
fn site_krealloc(size: usize, new: usize) -> Result<KBuf> {
    let mut b = crate::kmalloc!(size, GFP_KERNEL)?;
    b.realloc(new, GFP_KERNEL)?;
    Ok(b)
}
fn site_kvmalloc(size: usize) -> Result<KvBuf> {
    crate::kvmalloc!(size, GFP_KERNEL)
}
fn site_vmalloc(size: usize) -> Result<VBuf> {
    crate::vmalloc!(size)
}
fn site_pages(order: u32) -> Result<Pages> {
    crate::pages!(order, GFP_KERNEL)
}
fn site_tbox() -> Result<TaggedBox<[u8; 200]>> {
    crate::tbox!([0u8; 200], GFP_KERNEL)
}
fn site_negative() -> Result<KBuf> {
    crate::kmalloc!(100, GFP_KERNEL)
}
fn site_negative_calls() -> Result<KBuf> {
    crate::kmalloc!(100, GFP_KERNEL)
}

/// `kmalloc(100)` whose charge spins `ms` ms with preemption off between
/// the load of the tag's counters and their update: an unregistration
/// running meanwhile must wait for it.
fn site_race(ms: usize) -> Result<KBuf> {
    // SAFETY: plain allocation.
    let p = unsafe { bindings::__kmalloc_noprof(100, GFP_KERNEL) };
    let p = core::ptr::NonNull::new(p.cast::<u8>()).ok_or(ENOMEM)?;
    let aref = allocprof::Ref::charge_hooked(
        crate::alloc_tag!(),
        false,
        || allocprof::kmalloc_bytes(100),
        || {
            for _ in 0..ms {
                // SAFETY: a busy wait of 1 ms.
                unsafe { bindings::__udelay(1000) };
            }
        },
    );
    // SAFETY: `p` is a kmalloc object of 100 bytes that nothing else
    // owns, just charged `kmalloc_bytes(100)`.
    Ok(unsafe { KBuf::from_raw(p, 100, aref) })
}

/// Parses a decimal number no larger than `max`.
fn number(word: Option<&[u8]>, max: usize) -> Result<usize> {
    let w = word.ok_or(EINVAL)?;
    if w.is_empty() || w.len() > 20 {
        return Err(EINVAL);
    }
    let mut n: usize = 0;
    for &c in w {
        if !c.is_ascii_digit() {
            return Err(EINVAL);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add((c - b'0') as usize))
            .ok_or(EINVAL)?;
    }
    if n > max {
        return Err(EINVAL);
    }
    Ok(n)
}

/// One allocation of a command.
#[derive(Clone, Copy)]
enum Pattern {
    Kmalloc(usize),
    Kzalloc(usize),
    Kcalloc(usize, usize),
    Krealloc(usize, usize),
    Kvmalloc(usize),
    Vmalloc(usize),
    Pages(u32),
    Tbox,
}

impl Pattern {
    fn allocate(self) -> Result<Held> {
        Ok(match self {
            Pattern::Kmalloc(size) => Held::K(site_kmalloc(size)?),
            Pattern::Kzalloc(size) => Held::K(site_kzalloc(size)?),
            Pattern::Kcalloc(n, size) => Held::K(site_kcalloc(n, size)?),
            Pattern::Krealloc(size, new) => Held::K(site_krealloc(size, new)?),
            Pattern::Kvmalloc(size) => Held::Kv(site_kvmalloc(size)?),
            Pattern::Vmalloc(size) => Held::V(site_vmalloc(size)?),
            Pattern::Pages(order) => Held::P(site_pages(order)?),
            Pattern::Tbox => Held::B(site_tbox()?),
        })
    }
}

/// Largest size a command takes.
const MAX_SIZE: usize = 64 << 20;

/// Runs one command line against the held allocations.
fn run(held: &mut KVec<Held>, line: &[u8]) -> Result {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    if line.is_empty() || line.iter().any(|c| !c.is_ascii_graphic() && *c != b' ') {
        return Err(EINVAL);
    }
    let mut words = line.split(|c| *c == b' ').filter(|w| !w.is_empty());
    let op = words.next().ok_or(EINVAL)?;
    let mut arg = |max| number(words.next(), max);
    let (count, pattern) = match op {
        b"free" | b"unaccounted" | b"negative" | b"negative_calls" => (0, None),
        b"kmalloc" => (arg(MAX_COUNT)?, Some(Pattern::Kmalloc(arg(MAX_SIZE)?))),
        b"kzalloc" => (arg(MAX_COUNT)?, Some(Pattern::Kzalloc(arg(MAX_SIZE)?))),
        b"kcalloc" => (
            arg(MAX_COUNT)?,
            Some(Pattern::Kcalloc(arg(MAX_SIZE)?, arg(MAX_SIZE)?)),
        ),
        b"krealloc" => (
            arg(MAX_COUNT)?,
            Some(Pattern::Krealloc(arg(MAX_SIZE)?, arg(MAX_SIZE)?)),
        ),
        b"kvmalloc" => (arg(MAX_COUNT)?, Some(Pattern::Kvmalloc(arg(MAX_SIZE)?))),
        b"vmalloc" => (arg(MAX_COUNT)?, Some(Pattern::Vmalloc(arg(MAX_SIZE)?))),
        b"pages" => (
            arg(MAX_COUNT)?,
            Some(Pattern::Pages(
                arg(allocprof::pages::MAX_ORDER as usize)? as u32
            )),
        ),
        b"tbox" => (arg(MAX_COUNT)?, Some(Pattern::Tbox)),
        _ => return Err(EINVAL),
    };
    if words.next().is_some() {
        return Err(EINVAL);
    }
    let Some(pattern) = pattern else {
        return match op {
            b"free" => {
                *held = KVec::new();
                Ok(())
            }
            b"unaccounted" => unaccounted_free(),
            b"negative_calls" => negative_calls(),
            _ => negative(),
        };
    };
    if count == 0 {
        return Err(EINVAL);
    }
    let mut new = KVec::with_capacity(count, KGFP)?;
    held.reserve(count, KGFP)?;
    for _ in 0..count {
        // On failure `new` drops: what this command allocated is freed.
        new.push(pattern.allocate()?, KGFP)?;
    }
    for h in new.into_iter() {
        // Capacity was reserved above: this cannot fail.
        held.push(h, KGFP).map_err(|_| ENOMEM)?;
    }
    Ok(())
}

/// Frees, through a tagged buffer, a kmalloc object allocprof never saw.
fn unaccounted_free() -> Result {
    // SAFETY: plain allocation.
    let p = unsafe { bindings::__kmalloc_noprof(64, GFP_KERNEL) };
    let p = core::ptr::NonNull::new(p.cast::<u8>()).ok_or(ENOMEM)?;
    // SAFETY: `p` is a kmalloc object of 64 bytes that nothing else owns.
    drop(unsafe { KBuf::from_raw(p, 64, allocprof::Ref::NONE) });
    Ok(())
}

/// Charges 128 bytes at `site_negative` and frees 1024 from it: the row
/// goes negative (a debug check reports it at unload).
fn negative() -> Result {
    let b = site_negative()?;
    let (p, _len, aref) = KBuf::into_raw(b);
    // SAFETY: `p` is the kmalloc object just given up; the length is a lie
    // on purpose (1000 bytes is charged as 1024 at free).
    drop(unsafe { KBuf::from_raw(p, 1000, aref) });
    Ok(())
}

/// Charges one allocation at `site_negative_calls` and uncharges it
/// twice: the row reads -128 bytes and -1 live allocations.
fn negative_calls() -> Result {
    let b = site_negative_calls()?;
    let (p, len, aref) = KBuf::into_raw(b);
    // SAFETY: the counters `aref` names stay allocated while this module
    // is registered; a second reference to them is a lie on purpose.
    let twin = unsafe { core::ptr::read(&aref) };
    // SAFETY: `p` is the object just given up, with its charge.
    drop(unsafe { KBuf::from_raw(p, len, aref) });
    let mut twin = twin;
    twin.uncharge(|| allocprof::kmalloc_bytes(100));
    Ok(())
}

/// Commands that do not take the lock of the held allocations.
fn run_unlocked(op: &[u8], rest: &mut dyn Iterator<Item = &[u8]>) -> Option<Result> {
    let reg = REG.load(Ordering::Acquire);
    if reg.is_null() {
        return Some(Err(kernel::error::code::ENODEV));
    }
    // SAFETY: `REG` lives until the control file is removed, which waits
    // for running writes.
    let reg = unsafe { &*reg };
    let res = match op {
        b"race_charge" => (|| {
            let ms = number(rest.next(), 10_000)?;
            let b = site_race(ms)?;
            let h = HELD.load(Ordering::Acquire);
            // SAFETY: as for `REG`.
            let mut held = unsafe { &*h }.lock();
            held.push(Held::K(b), KGFP)?;
            Ok(())
        })(),
        b"unregister" => {
            // Unlocked before the registration drops: a `register` may
            // run meanwhile (allocprof_features.sh races the two).
            let r = reg.lock().take();
            drop(r);
            Ok(())
        }
        b"register" => (|| {
            let mut r = reg.lock();
            if r.is_none() {
                // SAFETY: set by `init` from its `&'static ThisModule`
                // before the control file exists.
                let module = unsafe { &*MODULE.load(Ordering::Acquire) };
                *r = Some(allocprof::Registration::new(module)?);
            }
            Ok(())
        })(),
        b"forget" => {
            core::mem::forget(reg.lock().take());
            Ok(())
        }
        _ => return None,
    };
    Some(if rest.next().is_some() {
        Err(EINVAL)
    } else {
        res
    })
}

/// The module's registration, `None` after `unregister`.
static REG: AtomicPtr<Mutex<Option<allocprof::Registration>>> =
    AtomicPtr::new(core::ptr::null_mut());

/// This module, as `init` got it (6.12's `module!` has a static
/// `THIS_MODULE`, 7.3's an associated constant: `init`'s argument is the
/// same on both).
static MODULE: AtomicPtr<ThisModule> = AtomicPtr::new(core::ptr::null_mut());

/// The allocations held by the module.
static HELD: AtomicPtr<Mutex<KVec<Held>>> = AtomicPtr::new(core::ptr::null_mut());

/// `/sys/kernel/allocprof_test/control`: one whole command per
/// `write(2)` at offset 0; a write at another offset (a partial write) is
/// refused.
struct Control;

impl sysfs::BinWrite for Control {
    const NAME: &'static CStr = c"control";

    fn write(line: &[u8], offset: i64) -> Result {
        let h = HELD.load(Ordering::Acquire);
        if h.is_null() {
            return Err(kernel::error::code::ENODEV);
        }
        if offset != 0 {
            return Err(EINVAL);
        }
        // SAFETY: `h` lives until the file is removed, which waits for
        // running `write` calls.
        let held = unsafe { &*h };
        let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
        let mut words = trimmed.split(|c| *c == b' ').filter(|w| !w.is_empty());
        let unlocked = match words.next() {
            Some(op) => run_unlocked(op, &mut words),
            None => None,
        };
        unlocked.unwrap_or_else(|| run(&mut held.lock(), line))
    }
}

/// Fields drop in order: the registration goes before the held
/// allocations, so that unloading with allocations held reports them and
/// their frees then land in the counters allocprof kept.
struct AllocprofTest {
    _file: Option<sysfs::File>,
    _reg: Pin<KBox<Mutex<Option<allocprof::Registration>>>>,
    _held: Pin<KBox<Mutex<KVec<Held>>>>,
}

impl kernel::Module for AllocprofTest {
    fn init(module: &'static ThisModule) -> Result<Self> {
        MODULE.store(core::ptr::from_ref(module).cast_mut(), Ordering::Release);
        let reg = KBox::pin_init(
            kernel::new_mutex!(Some(allocprof::Registration::new(module)?)),
            KGFP,
        )?;
        REG.store(
            core::ptr::from_ref(reg.as_ref().get_ref()).cast_mut(),
            Ordering::Release,
        );
        let held = KBox::pin_init(kernel::new_mutex!(KVec::new()), KGFP)?;
        HELD.store(
            core::ptr::from_ref(held.as_ref().get_ref()).cast_mut(),
            Ordering::Release,
        );
        let mut this = AllocprofTest {
            _file: None,
            _reg: reg,
            _held: held,
        };
        let dir = sysfs::Dir::new(c"allocprof_test")?;
        this._file = Some(sysfs::File::bin_write::<Control>(&dir)?);
        Ok(this)
    }
}

impl Drop for AllocprofTest {
    fn drop(&mut self) {
        // The control file goes first (and its directory with it): removing
        // it waits for running writes.
        drop(self._file.take());
        HELD.store(core::ptr::null_mut(), Ordering::Release);
        REG.store(core::ptr::null_mut(), Ordering::Release);
    }
}
