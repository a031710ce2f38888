// SPDX-License-Identifier: GPL-2.0

//! The allocation tag type, after upstream's lib/alloc_tag.c: each tag of
//! a registered module gets per-CPU counters; at unregistration a tag
//! with live allocations becomes an orphan row that keeps its counters
//! (and a copy of its text) until its allocations are freed.
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

use crate::allocprof::{static_branch, Tag};
use crate::dropin::{hooks, pages};
use crate::ffi::kvec_ext;
use crate::ffi::module::ModuleTags;
use crate::ffi::mutex::{self, Mutex};
use crate::ffi::pcpu::{Detached, ModuleCounters, NoRefs};
use crate::ffi::sysfs::{Dir, File};
use crate::profiler::codetag::{self, Lock, Registry, TagType};
use crate::profiler::tag_text;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;

/// The allocation tag type.
pub(crate) struct AllocTags;

/// A tag of an unregistered module whose allocations were still live: its
/// text is copied, its counters kept so that later frees still land.
pub(crate) struct Orphan {
    /// `file:line [module] func:function`.
    pub(crate) text: KVec<u8>,
    /// The counters its live allocations were charged to.
    pub(crate) counters: Detached,
    /// The row was marked ` accurate:no` before its module went.
    pub(crate) inaccurate: bool,
}

/// The per-module views, which belong to the files layer: the directory
/// they go in, and how one is made (with the registry locked) and removed
/// (unlocked).  Installed by [`set_views`].
pub(crate) struct Views {
    /// `/sys/kernel/allocprof/modules`.
    pub(crate) dir: Dir,
    /// Makes the view of the module named so in `dir`; `None` if it
    /// cannot be (said in the log).
    pub(crate) create: fn(&Dir, &[u8]) -> Option<File>,
    /// Removes a view.
    pub(crate) remove: fn(File),
}

/// A module's view; removed (by [`Views::remove`]) when dropped, which
/// must happen with the registry unlocked.
pub(crate) struct View {
    file: Option<File>,
    remove: fn(File),
}

impl Drop for View {
    fn drop(&mut self) {
        if let Some(f) = self.file.take() {
            (self.remove)(f);
        }
    }
}

/// What the allocation tag type keeps across modules.
pub(crate) struct State {
    /// Rows of unregistered modules with live allocations.
    pub(crate) orphans: KVec<Orphan>,
    /// How per-module views are made, while they can be.
    views: Option<Views>,
}

/// What the allocation tag type keeps for each registered module.
pub(crate) struct ModuleData {
    /// The module's tags and their counters.
    pub(crate) tags: ModuleCounters,
    /// Its per-module view, if it could be created.
    view: Option<View>,
    /// Registered through the drop-in header (objects in the pointer table).
    dropin: bool,
}

/// The registry of allocation tags, `Some` while allocprof is loaded.
static REGISTRY: Lock<AllocTags> = Mutex::new(&mutex::REGISTRY_LOCK, None);

impl TagType for AllocTags {
    type Tag = Tag;
    type State = State;
    type Module = ModuleData;
    /// Given for a drop-in module (its objects are in the pointer table).
    type LoadArgs = Option<NoRefs>;
    /// The module's view, removed once the registry is unlocked.
    type Unloaded = Option<View>;
    const SECTION: &'static str = "alloc_tags";

    fn registry() -> &'static Lock<Self> {
        &REGISTRY
    }

    fn module_load(
        state: &mut State,
        section: ModuleTags<Tag>,
        dropin: Option<NoRefs>,
    ) -> Result<ModuleData> {
        let is_dropin = dropin.is_some();
        let tags = ModuleCounters::attach(section, dropin)?;
        if is_dropin {
            hooks::module_added();
        }
        rows_changed();
        let view = state.views.as_ref().and_then(|v| {
            Some(View {
                file: Some((v.create)(&v.dir, tags.section().name())?),
                remove: v.remove,
            })
        });
        Ok(ModuleData {
            tags,
            view,
            dropin: is_dropin,
        })
    }

    fn section(m: &ModuleData) -> &ModuleTags<Tag> {
        m.tags.section()
    }

    fn module_unload(state: &mut State, m: ModuleData) -> Self::Unloaded {
        let ModuleData {
            mut tags,
            view,
            dropin,
        } = m;
        rows_changed();
        if dropin {
            // Pages the module freed while other references held them:
            // not its allocations any more, not reported.
            let (start, end) = tags.section().bounds();
            pages::settle_module(start, end);
        }
        // Every charge that loaded one of the module's counters pointers
        // has landed once this returns.
        let (section, detached) = tags.detach();
        let name = section.name();
        let debug = static_branch::debug_enabled();
        for (t, c) in detached {
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
            let (start, end) = section.bounds();
            hooks::drain(start, end);
            // Released pages' entries: the drain leaves them (one may
            // have been released since the first look).
            pages::settle_module(start, end);
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
                drop(kvec_ext::remove(&mut self.orphans, i));
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
    for m in reg.modules() {
        for (_, c) in m.tags.iter() {
            c.reset_cumulative();
        }
    }
    for o in reg.state().orphans.iter() {
        o.counters.reset_cumulative();
    }
}

/// Creates the registry of allocation tags.
pub(crate) fn new_registry() -> Result<codetag::RegistryHandle<AllocTags>> {
    codetag::RegistryHandle::new(State {
        orphans: KVec::new(),
        views: None,
    })
}

/// Installs how per-module views are made (`Some`: modules registering
/// from now on get one), or stops making them (`None`); what was
/// installed before, to drop once the registry is unlocked.
pub(crate) fn set_views(views: Option<Views>) -> Result<Option<Views>> {
    with_registry(|r| Ok(core::mem::replace(&mut r.state_mut().views, views)))
}

/// Runs `f` on the registry, locked.
pub(crate) fn with_registry<R>(f: impl FnOnce(&mut Registry<AllocTags>) -> Result<R>) -> Result<R> {
    codetag::with_registry(f)
}

/// Runs `f` on the registry if it is not locked, without sleeping.
pub(crate) fn try_with_registry<R>(f: impl FnOnce(&Registry<AllocTags>) -> R) -> Option<R> {
    codetag::try_with_registry(f)
}
