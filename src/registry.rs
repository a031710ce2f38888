// SPDX-License-Identifier: GPL-2.0

//! The code-tag registry, in the shape of upstream's lib/codetag.c: a tag
//! type registered with a descriptor (section, tag size, module load and
//! unload callbacks), the list of modules whose sections it covers, and an
//! iterator over every tag of every module under the registry's lock.

use crate::allocprof::counters::Counters;
use crate::allocprof::tag::{self, Tag};
use core::ffi::{c_int, CStr};
use core::pin::Pin;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
use kernel::error::{code::EEXIST, code::EINVAL, code::ENOENT, code::ENOMEM, Result};
use kernel::ffi::c_char;
use kernel::prelude::*;
use kernel::sync::Mutex;

/// Longest function name kept for a tag (longer ones are cut).
pub(crate) const FUNCTION_MAX: usize = 256;

/// What a tag type tells the registry (upstream's `codetag_type_desc`).
pub(crate) struct TypeDesc {
    /// ELF section holding the tags.
    pub(crate) section: &'static str,
    /// Size of one tag.
    pub(crate) tag_size: usize,
    /// Called for each module's tags as it registers.
    pub(crate) module_load: fn(&ModuleTags) -> Result,
    /// Called for each module's tags as it unregisters, under the lock.
    pub(crate) module_unload: fn(&ModuleTags, &mut KVec<Orphan>),
}

/// One module's tags, `[start, start + count)`.
pub(crate) struct ModuleTags {
    pub(crate) module: *mut bindings::module,
    pub(crate) start: *const Tag,
    pub(crate) count: usize,
}

impl ModuleTags {
    /// The module's tags.
    pub(crate) fn tags(&self) -> &[Tag] {
        // SAFETY: `[start, start + count)` is the module's tag section,
        // alive while the module is registered.
        unsafe { core::slice::from_raw_parts(self.start, self.count) }
    }

    /// The module's name.
    pub(crate) fn name(&self) -> &[u8] {
        // SAFETY: a registered module is alive; its name is a C string.
        unsafe { CStr::from_ptr((*self.module).name.as_ptr().cast()) }.to_bytes()
    }
}

/// A tag of an unloaded module whose allocations were still live: its text
/// is copied, its counters kept so that later frees still land.
pub(crate) struct Orphan {
    pub(crate) text: KVec<u8>,
    pub(crate) counters: *mut Counters,
}

/// The registry of one tag type.
pub(crate) struct Registry {
    desc: &'static TypeDesc,
    modules: KVec<ModuleTags>,
    orphans: KVec<Orphan>,
}

// SAFETY: raw pointers name modules and per-CPU memory that live as long
// as their entries; the registry is only reached through its mutex.
unsafe impl Send for Registry {}

/// The registry clients reach through `allocprof_register_module()`, set
/// while allocprof is loaded.
static REGISTRY: AtomicPtr<Mutex<Registry>> = AtomicPtr::new(core::ptr::null_mut());

/// Owns the registry; while it lives, client modules can register.
pub(crate) struct RegistryHandle {
    registry: Pin<KBox<Mutex<Registry>>>,
}

impl RegistryHandle {
    /// Creates the registry for `desc` and makes it reachable.
    pub(crate) fn new(desc: &'static TypeDesc) -> Result<Self> {
        let registry = KBox::pin_init(
            kernel::new_mutex!(Registry {
                desc,
                modules: KVec::new(),
                orphans: KVec::new(),
            }),
            GFP_KERNEL,
        )?;
        REGISTRY.store(
            core::ptr::from_ref(registry.as_ref().get_ref()).cast_mut(),
            Ordering::Release,
        );
        Ok(RegistryHandle { registry })
    }
}

impl Drop for RegistryHandle {
    fn drop(&mut self) {
        REGISTRY.store(core::ptr::null_mut(), Ordering::Release);
        let mut reg = self.registry.lock();
        while !reg.modules.is_empty() {
            let last = reg.modules.len() - 1;
            let m = vec_remove(&mut reg.modules, last);
            let desc = reg.desc;
            (desc.module_unload)(&m, &mut reg.orphans);
        }
        for o in reg.orphans.iter() {
            // SAFETY: orphans' counters are per-CPU memory they own; no
            // client module is left to free into them.
            unsafe { bindings::free_percpu(o.counters.cast()) };
        }
    }
}

impl Registry {
    fn register(
        &mut self,
        module: *mut bindings::module,
        start: *const Tag,
        stop: *const Tag,
    ) -> Result {
        let size = self.desc.tag_size;
        let bytes = (stop as usize).checked_sub(start as usize).unwrap_or(1);
        let count = bytes.checked_div(size).unwrap_or(0);
        if count.checked_mul(size) != Some(bytes)
            || (start as usize) % core::mem::align_of::<Tag>() != 0
        {
            pr_err!("refusing a malformed {} section\n", self.desc.section);
            return Err(EINVAL);
        }
        if module.is_null() || self.modules.iter().any(|m| m.module == module) {
            return Err(EEXIST);
        }
        let entry = ModuleTags {
            module,
            start,
            count,
        };
        self.modules.reserve(1, GFP_KERNEL)?;
        (self.desc.module_load)(&entry)?;
        self.modules.push(entry, GFP_KERNEL)?;
        Ok(())
    }

    fn unregister(&mut self, module: *mut bindings::module) -> Result {
        let i = self
            .modules
            .iter()
            .position(|m| m.module == module)
            .ok_or(ENOENT)?;
        let m = vec_remove(&mut self.modules, i);
        (self.desc.module_unload)(&m, &mut self.orphans);
        Ok(())
    }

    /// Every registered tag, module by module in registration order, each
    /// in section order, with its module's name.
    pub(crate) fn for_each_tag(&self, mut f: impl FnMut(&[u8], &Tag)) {
        for m in self.modules.iter() {
            let name = m.name();
            for t in m.tags() {
                f(name, t);
            }
        }
    }

    /// Drops the orphans whose allocations have all been freed: no
    /// reference to their counters is left.
    pub(crate) fn collect_orphans(&mut self) {
        let mut i = 0;
        while i < self.orphans.len() {
            if read_counters(self.orphans[i].counters) == (0, 0) {
                let o = vec_remove(&mut self.orphans, i);
                // SAFETY: no live allocation is charged to these counters.
                unsafe { bindings::free_percpu(o.counters.cast()) };
            } else {
                i += 1;
            }
        }
    }

    /// Every orphaned tag.
    pub(crate) fn orphans(&self) -> &[Orphan] {
        &self.orphans
    }
}

/// Sums a tag's counters over every possible CPU: (bytes, calls).
pub(crate) fn read_counters(c: *const Counters) -> (i64, u64) {
    let (mut bytes, mut calls) = (0u64, 0u64);
    if c.is_null() {
        return (0, 0);
    }
    // SAFETY: reading the kernel's CPU masks and per-CPU offsets.
    let nr = unsafe { bindings::nr_cpu_ids } as usize;
    for cpu in 0..nr {
        // SAFETY: as above; `cpu < nr_cpu_ids`.
        let possible = unsafe {
            let bits = &*core::ptr::addr_of!(bindings::__cpu_possible_mask.bits);
            bits[cpu / 64] & (1 << (cpu % 64)) != 0
        };
        if !possible {
            continue;
        }
        // SAFETY: `c` is per-CPU memory; offsetting it by a possible CPU's
        // `__per_cpu_offset` gives that CPU's instance (`per_cpu_ptr()`).
        let (b, n) = unsafe {
            let p = (c as usize).wrapping_add(bindings::__per_cpu_offset[cpu]) as *const Counters;
            (
                core::ptr::read_volatile(core::ptr::addr_of!((*p).bytes)),
                core::ptr::read_volatile(core::ptr::addr_of!((*p).calls)),
            )
        };
        bytes = bytes.wrapping_add(b);
        calls = calls.wrapping_add(n);
    }
    (bytes as i64, calls)
}

/// A tag's function name as the tag gives it: for a Rust tag, the type
/// name of its marker function, not yet trimmed.
fn raw_function_name(t: &Tag) -> &'static [u8] {
    if t.flags & tag::FUNCTION_CALLBACK != 0 {
        let mut len = 0;
        // SAFETY: the flag says `callback` is the active field.
        let p = unsafe { (t.function.callback)(&mut len) };
        // SAFETY: the callback returns a `'static` string of `len` bytes.
        unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len) }
    } else {
        // SAFETY: C tags name their function with a static C string.
        unsafe { cstr_bytes(t.function.name) }
    }
}

/// An upper bound of `function_name()`'s length, without formatting it.
pub(crate) fn function_name_bound(t: &Tag) -> usize {
    raw_function_name(t).len().min(FUNCTION_MAX)
}

/// Writes a tag's function name into `buf`, returning its length.
pub(crate) fn function_name(t: &Tag, buf: &mut [u8; FUNCTION_MAX]) -> usize {
    let s = raw_function_name(t);
    if t.flags & tag::FUNCTION_CALLBACK != 0 {
        tag::site_name(core::str::from_utf8(s).unwrap_or("?"), buf)
    } else {
        let n = s.len().min(buf.len());
        buf[..n].copy_from_slice(&s[..n]);
        n
    }
}

/// The bytes of a C string.
///
/// # Safety
///
/// `p` is null or a NUL-terminated string that outlives the result.
pub(crate) unsafe fn cstr_bytes<'a>(p: *const c_char) -> &'a [u8] {
    if p.is_null() {
        return b"?";
    }
    // SAFETY: per the function's contract.
    unsafe { CStr::from_ptr(p.cast()) }.to_bytes()
}

/// Runs `f` on the registry, locked; `ENOENT` when allocprof is not loaded.
pub(crate) fn with_registry<T>(f: impl FnOnce(&mut Registry) -> Result<T>) -> Result<T> {
    let r = REGISTRY.load(Ordering::Acquire);
    if r.is_null() {
        return Err(ENOENT);
    }
    // SAFETY: the registry lives while allocprof is loaded, and a client
    // calling in holds a reference on allocprof (it uses its symbols).
    let mut guard = unsafe { &*r }.lock();
    f(&mut guard)
}

/// Registers the tags `[start, stop)` of `module`.
///
/// # Safety
///
/// `module` is a live module and `[start, stop)` its tag section.
#[no_mangle]
pub unsafe extern "C" fn allocprof_register_module(
    module: *mut bindings::module,
    start: *mut Tag,
    stop: *mut Tag,
) -> c_int {
    match with_registry(|r| r.register(module, start, stop)) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Unregisters `module`'s tags, reporting those with live allocations.
///
/// # Safety
///
/// `module` was registered and is still alive.
#[no_mangle]
pub unsafe extern "C" fn allocprof_unregister_module(module: *mut bindings::module) {
    if let Err(e) = with_registry(|r| r.unregister(module)) {
        pr_warn!(
            "unregistering a module that is not registered ({})\n",
            e.to_errno()
        );
    }
}

/// Allocates per-CPU counters for each of a module's tags.
pub(crate) fn alloc_counters(m: &ModuleTags) -> Result {
    for (i, t) in m.tags().iter().enumerate() {
        // SAFETY: plain per-CPU allocation, zeroed.
        let c = unsafe {
            bindings::pcpu_alloc_noprof(
                core::mem::size_of::<Counters>(),
                core::mem::align_of::<Counters>(),
                false,
                bindings::GFP_KERNEL,
            )
        };
        if c.is_null() {
            free_counters(&m.tags()[..i]);
            return Err(ENOMEM);
        }
        t.counters.store(c.cast(), Ordering::Release);
    }
    Ok(())
}

fn free_counters(tags: &[Tag]) {
    for t in tags {
        let c = t
            .counters
            .swap(crate::allocprof::counters::sink(), Ordering::AcqRel);
        if c != crate::allocprof::counters::sink() {
            // SAFETY: `c` came from `pcpu_alloc_noprof()` (or is null).
            unsafe { bindings::free_percpu(c.cast()) };
        }
    }
}

/// At a module's unregistration: a tag with no live allocation loses its
/// counters; one with live allocations is reported and becomes an orphan.
pub(crate) fn release_counters(m: &ModuleTags, orphans: &mut KVec<Orphan>) {
    let name = m.name();
    for t in m.tags() {
        let c = t.counters.load(Ordering::Acquire);
        let (bytes, calls) = read_counters(c);
        if bytes == 0 && calls == 0 {
            free_counters(core::slice::from_ref(t));
            continue;
        }
        if bytes < 0 && crate::allocprof::static_branch::debug_enabled() {
            crate::allocprof::counters::debug_report(c"counters negative at module unload");
        }
        let mut text = KVec::new();
        let ok = crate::allocinfo::write_tag_text(&mut text, name, t).is_ok();
        let shown = if ok { &text[..] } else { &b"?"[..] };
        pr_warn!(
            "{}: {} bytes in {} allocations still live at module unload\n",
            core::str::from_utf8(shown).unwrap_or("?"),
            bytes,
            calls
        );
        // Keep the counters: frees of those allocations still land there.
        t.counters
            .store(crate::allocprof::counters::sink(), Ordering::Release);
        if !ok
            || orphans
                .push(Orphan { text, counters: c }, GFP_KERNEL)
                .is_err()
        {
            pr_warn!("out of memory: that row leaves the table, its counters are leaked\n");
        }
    }
}

/// Removes and returns `v[i]`, keeping the order of the rest.
fn vec_remove<T>(v: &mut KVec<T>, i: usize) -> T {
    let len = v.len();
    assert!(i < len);
    // SAFETY: `i < len`: element `i` is read out once, the tail moves down
    // over it and the length shrinks by one, so nothing is dropped twice.
    unsafe {
        let p = v.as_mut_ptr().add(i);
        let item = core::ptr::read(p);
        core::ptr::copy(p.add(1), p, len - i - 1);
        v.set_len(len - 1);
        item
    }
}
