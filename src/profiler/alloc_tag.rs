// SPDX-License-Identifier: GPL-2.0

//! The allocation tag type, after upstream's lib/alloc_tag.c: each tag of
//! a registered module gets per-CPU counters; at unregistration a tag
//! with live allocations becomes an orphan row that keeps its counters
//! (and a copy of its text) until its allocations are freed.  Also the C
//! ABI of registration, `allocprof_register_module()` and
//! `allocprof_unregister_module()`.
//!
//! A charge loads its tag's counters pointer and updates the counters in
//! one region that cannot be preempted (`Ref::charge`).  Unregistration
//! points every tag of the module at the sink, then `synchronize_rcu()`
//! waits for every such region (and every interrupt handler) that may
//! have loaded an old pointer; only then are the counters summed and the
//! idle ones freed.  So a client may keep allocating (from a worker, an
//! interrupt handler) while it unregisters: a charge lands either in
//! counters that are summed after it, or in the sink.  What a client must
//! guarantee is what every module guarantees: none of its code runs after
//! its module is freed.  Its allocations may outlive the registration;
//! their rows become orphans.

use crate::allocprof::counters::sink;
use crate::allocprof::{static_branch, Tag};
use crate::dropin::hooks;
use crate::ffi::mutex::Mutex;
use crate::ffi::pcpu::PcpuCounters;
use crate::files::module_views::ModuleView;
use crate::profiler::codetag::{self, ModuleSection, Registry, TagType};
use crate::profiler::tag_text;
use core::ffi::c_int;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use kernel::bindings;
use kernel::prelude::*;

/// The allocation tag type.
pub(crate) struct AllocTags;

/// A tag of an unregistered module whose allocations were still live: its
/// text is copied, its counters kept so that later frees still land.
pub(crate) struct Orphan {
    /// `file:line [module] func:function`.
    pub(crate) text: KVec<u8>,
    /// The counters its live allocations were charged to.
    pub(crate) counters: PcpuCounters,
    /// The row was marked ` accurate:no` before its module went.
    pub(crate) inaccurate: bool,
}

/// What the allocation tag type keeps across modules.
pub(crate) struct State {
    /// Rows of unregistered modules with live allocations.
    pub(crate) orphans: KVec<Orphan>,
}

/// What the allocation tag type keeps for each registered module.
pub(crate) struct ModuleData {
    /// The module's counters, one per tag, in section order.
    pub(crate) counters: KVec<PcpuCounters>,
    /// Its per-module view, if it could be created.
    view: Option<ModuleView>,
    /// Registered through the drop-in header (objects in the pointer table).
    dropin: bool,
}

impl TagType for AllocTags {
    type Tag = Tag;
    type State = State;
    type ModuleState = ModuleData;
    /// Whether the module is a drop-in module.
    type LoadArgs = bool;
    /// The module's view, removed once the registry is unlocked.
    type Unloaded = Option<ModuleView>;
    const SECTION: &'static str = "alloc_tags";

    fn module_load(_: &mut State, m: &ModuleSection<Tag>, dropin: bool) -> Result<ModuleData> {
        let tags = m.tags();
        let mut counters = KVec::with_capacity(tags.len(), GFP_KERNEL)?;
        for _ in tags {
            counters.push(PcpuCounters::new()?, GFP_KERNEL)?;
        }
        for (t, c) in tags.iter().zip(counters.iter()) {
            t.clear_inaccurate();
            // SAFETY: `c` stays allocated until `module_unload` has
            // swapped the tag back to the sink and waited for charges.
            unsafe { t.swap_counters(c.as_ptr()) };
        }
        if dropin {
            hooks::module_added();
        }
        rows_changed();
        Ok(ModuleData {
            counters,
            view: ModuleView::create(m.name()),
            dropin,
        })
    }

    fn module_unload(
        state: &mut State,
        m: &ModuleSection<Tag>,
        data: ModuleData,
    ) -> Self::Unloaded {
        let ModuleData {
            counters,
            view,
            dropin,
        } = data;
        rows_changed();
        for t in m.tags() {
            // SAFETY: the sink lives as long as allocprof.
            unsafe { t.swap_counters(sink()) };
        }
        // Every charge that loaded one of the module's counters pointers
        // ran in a non-preemptible region (or an interrupt): once this
        // returns, all of them have landed.
        crate::ffi::helpers::synchronize_rcu();
        let name = m.name();
        let debug = static_branch::debug_enabled();
        for (t, c) in m.tags().iter().zip(counters) {
            let totals = c.sum();
            if totals.is_zero() {
                continue; // `c` drops: freed
            }
            if totals.bytes < 0 && debug {
                crate::allocprof::counters::debug_report(c"counters negative at module unload");
            }
            let text = tag_text::to_vec(name, t);
            pr_warn!(
                "{}: {} bytes in {} allocations still live at module unload\n",
                text.as_deref()
                    .ok()
                    .and_then(|t| core::str::from_utf8(t).ok())
                    .unwrap_or("?"),
                totals.bytes,
                totals.calls
            );
            if dropin {
                // A drop-in module's objects are in the pointer table:
                // the first few, then nothing of the module is kept (no
                // free of them can be seen any more).
                hooks::objects_of(t, LEAKS_SHOWN, |bytes, ms| {
                    pr_warn!("  live object: {} bytes, allocated {} ms ago\n", bytes, ms);
                });
                continue;
            }
            let kept = text.and_then(|text| {
                state
                    .orphans
                    .push(
                        Orphan {
                            text,
                            counters: c,
                            inaccurate: t.is_inaccurate(),
                        },
                        GFP_KERNEL,
                    )
                    .map_err(|_| ENOMEM)
            });
            if kept.is_err() {
                pr_warn!("out of memory: that row leaves the table, its counters are leaked\n");
            }
        }
        if dropin {
            let (start, end) = m.bounds();
            hooks::drain(start, end);
            hooks::module_removed();
        }
        view
    }
}

/// Live objects listed per row in a drop-in module's unload report.
const LEAKS_SHOWN: usize = 3;

impl State {
    /// Drops the orphans whose allocations have all been freed.
    ///
    /// Safe against frees running meanwhile: an orphan's counters only
    /// go down (no charge reaches them any more), so a sum of 0/0 read
    /// CPU by CPU means that nothing was live when the last CPU was read,
    /// and nothing can be charged to them again.
    pub(crate) fn collect_orphans(&mut self) {
        let mut i = 0;
        while i < self.orphans.len() {
            if self.orphans[i].counters.sum().is_zero() {
                drop(crate::ffi::kvec_ext::remove(&mut self.orphans, i));
                rows_changed();
            } else {
                i += 1;
            }
        }
    }
}

/// Changes whenever the set of rows changes (see [`generation`]).
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Notes that rows appeared or went (called with the registry locked).
fn rows_changed() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// A number that changes whenever the set of rows changes: a module
/// registers or unregisters (its rows come or go, orphans appear), or an
/// orphan row is collected.  Read without the registry lock: a reader that
/// compares it before and after reading `allocinfo` knows whether the rows
/// it read are the current set.
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// Zeroes the cumulative counters of every row (the live counters are
/// never reset).
pub(crate) fn reset_cumulative(reg: &Registry<AllocTags>) {
    for e in reg.modules() {
        for c in e.data.counters.iter() {
            c.reset_cumulative();
        }
    }
    for o in reg.state().orphans.iter() {
        o.counters.reset_cumulative();
    }
}

/// The registry of allocation tags, set while allocprof is loaded.
pub(crate) static REGISTRY: AtomicPtr<Mutex<Registry<AllocTags>>> =
    AtomicPtr::new(core::ptr::null_mut());

/// Creates the registry of allocation tags.
pub(crate) fn new_registry() -> Result<codetag::RegistryHandle<AllocTags>> {
    codetag::RegistryHandle::new(
        State {
            orphans: KVec::new(),
        },
        &REGISTRY,
    )
}

/// Runs `f` on the registry, locked.
pub(crate) fn with_registry<R>(f: impl FnOnce(&mut Registry<AllocTags>) -> Result<R>) -> Result<R> {
    codetag::with_registry(&REGISTRY, f)
}

/// Runs `f` on the registry if it is not locked, without sleeping.
pub(crate) fn try_with_registry<R>(f: impl FnOnce(&Registry<AllocTags>) -> R) -> Option<R> {
    codetag::try_with_registry(&REGISTRY, f)
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
    // SAFETY: per the function's contract.
    match unsafe { codetag::register(&REGISTRY, module, start, stop, false) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Registers the tags `[start, stop)` of `module`, a drop-in module (its
/// objects are recorded in the pointer table); called by the module's
/// `init_module()` wrapper before its own init.  An error is logged: the
/// module then runs unprofiled.
///
/// # Safety
///
/// `module` is a live module and `[start, stop)` its tag section.
#[no_mangle]
pub unsafe extern "C" fn allocprof_dropin_register(
    module: *mut bindings::module,
    start: *mut Tag,
    stop: *mut Tag,
) -> c_int {
    if !hooks::keeps_tags(start, stop) {
        // Never on x86_64, where modules live in the top 2 GiB.
        pr_warn!("drop-in module not registered: its tags are outside the module area\n");
        return EINVAL.to_errno();
    }
    // SAFETY: per the function's contract.
    match unsafe { codetag::register(&REGISTRY, module, start, stop, true) } {
        Ok(()) => 0,
        Err(e) => {
            pr_warn!(
                "drop-in module not registered ({}): its allocations are not profiled\n",
                e.to_errno()
            );
            e.to_errno()
        }
    }
}

/// Unregisters `module`'s tags, reporting those with live allocations.
///
/// # Safety
///
/// `module` is a live module.
#[no_mangle]
pub unsafe extern "C" fn allocprof_unregister_module(module: *mut bindings::module) {
    if let Err(e) = codetag::unregister(&REGISTRY, module) {
        pr_warn!(
            "unregistering a module that is not registered ({})\n",
            e.to_errno()
        );
    }
}
