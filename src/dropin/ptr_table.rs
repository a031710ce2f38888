// SPDX-License-Identifier: GPL-2.0

//! The pointer table of the drop-in mode: for each live object a drop-in
//! module allocated while profiling was on, its address (the key), the tag
//! it was charged to and the bytes charged, so that its free, wherever it
//! happens, can uncharge the same figures.  Nothing is stored in the
//! object itself.
//!
//! Layout: two parallel arrays of `n` slots (`dropin_slots`, a power of
//! two): the key (8 bytes) beside the entry (the tag's address in 32 bits,
//! which sign-extend to it, as every x86_64 module address does, and the
//! bytes charged: 8 bytes), and the `jiffies` of each allocation (4
//! bytes): 20 bytes per slot.  A key hashes to a window of [`WINDOW`]
//! consecutive slots and lives in any of them: at the occupancies a
//! profiled module reaches, the first slot of the window, which the hot
//! paths try alone, in straight-line code.  The table is allocated once,
//! so its memory is bounded; a key whose window is full is not stored.
//!
//! The filter: a counter per 16-bit hash of the key of how many keys with
//! that hash the table holds (`allocprof_dropin_filter`, 128 KiB, exported
//! by src/dropin/dropin_exports.c), which the drop-in header tests inline
//! before calling
//! into allocprof: a free of an object the table does not hold (every
//! free of a module while profiling is off, but for the objects recorded
//! before) costs a multiply, a shift and a compare.  Insertion skips the
//! search for a stale entry of the same address when the counter is 0.
//!
//! Concurrency: no lock.  A slot's key is its state: `EMPTY`, `BUSY`
//! (being written or being removed), `PARKED` or `ORPHANED` (an entry of
//! another module held across a reallocation: src/dropin/rust.rs) or the
//! object's address.  These four states are addresses no free function
//! accepts (the first four of the kernel image's mapping, which maps
//! physical address 0), so that a
//! free's look-up needs no test of its argument: `NULL` or
//! `ZERO_SIZE_PTR` finds no slot.  Inserting
//! claims an `EMPTY` slot with a compare-and-swap, writes the entry, then
//! publishes the key with a release store and counts it in the filter.
//! Removing claims the slot by swapping the key for `BUSY`, reads, then
//! releases it as `EMPTY` and uncounts it.  An object's allocation and
//! its free are ordered by the hand-over of its pointer, so an insertion
//! (filter included) is complete before its key can be looked up for the
//! free.  Every operation is bounded ([`WINDOW`] slots) and safe from any
//! context the allocator allows, interrupts included.

use crate::allocprof::counters::NoPreempt;
use crate::allocprof::Tag;
use crate::ffi::helpers;
use core::sync::atomic::{AtomicPtr, AtomicU16, AtomicU32, AtomicUsize, Ordering};
use kernel::prelude::*;

/// Slots a key may live in.
pub(crate) const WINDOW: usize = 16;
/// A free slot: `__START_KERNEL_map`, an immediate of 32 bits that sign
/// extend, which no allocation returns and no free function accepts.
const EMPTY: usize = 0xffff_ffff_8000_0000;
/// A slot being written or removed (the same, plus one).
const BUSY: usize = EMPTY + 1;
/// A slot whose entry, of another module's tag, is held across a
/// reallocation that may sleep ([`Claimed::park`]): its key stays counted
/// in the filter, and [`PtrTable::drain`] sees it (it skips `BUSY` slots).
const PARKED: usize = EMPTY + 2;
/// A parked slot whose tag's module went meanwhile: the drain of its
/// entries marked it so; its parker releases it without reading the tag.
const ORPHANED: usize = EMPTY + 3;

/// The mark of a released page's key (src/dropin/pages.rs): the page's
/// address plus this.  Keys are addresses of objects, at least 2-aligned
/// (pages: 4096), so a marked key names no object: no free, insertion or
/// look-up of an address finds it; only [`PtrTable::released`] and
/// [`PtrTable::claim_released`] do.  It stays in the window of, and
/// counted in the filter of, the address.
pub(crate) const RELEASED: usize = 1;

/// Whether `key` can name an object (is none of `EMPTY`, `BUSY`,
/// `PARKED`, `ORPHANED`; a released page's marked key is one).
#[inline(always)]
pub(crate) fn is_key(key: usize) -> bool {
    key.wrapping_sub(EMPTY) > 3
}

/// What [`Claimed::park`] returns, or-ed with the slot's place in its
/// window (the other tokens of a claim held across a call are that place
/// plus one: [`Claimed::into_token`]).
const PARKED_TOKEN: usize = 1 << 8;
/// Filter counters (one per 16-bit hash).
pub(crate) const FILTER_LEN: usize = 1 << 16;
// A filter counter never wraps: the keys of one counter (one 16-bit hash
// `f`) start their windows in `[f * starts >> 16, (f + 1) * starts >> 16]`
// (see `PtrTable::window`), so they fit in `starts / 65536 + WINDOW`
// slots, at most 1,040 for the largest table; a key is counted only while
// it holds a slot.
const _: () = assert!((1usize << 26) / FILTER_LEN + WINDOW < u16::MAX as usize);

/// The filter (exported for include/allocprof_dropin.h by
/// src/dropin/dropin_exports.c).
#[no_mangle]
static allocprof_dropin_filter: [AtomicU16; FILTER_LEN] = [const { AtomicU16::new(0) }; FILTER_LEN];

/// The filter counter of `key`: `(u32)key * 0x9e3779b1 >> 16`, exactly as
/// include/allocprof_dropin.h computes it (the high half of a 32-bit
/// Fibonacci hash of the address's low 32 bits).
#[inline(always)]
fn filter_of(key: usize) -> &'static AtomicU16 {
    // `i < 1 << 16 == FILTER_LEN`: no bounds check.
    let i = ((key as u32).wrapping_mul(0x9e37_79b1) >> 16) as usize;
    &allocprof_dropin_filter[i]
}

/// Whether the table may hold `key` (its filter counter is not 0).
#[inline(always)]
pub(crate) fn may_hold(key: usize) -> bool {
    filter_of(key).load(Ordering::Relaxed) != 0
}

/// `r`, as the compiler must keep it: an address computed into one
/// register, not kept as a base and an index to be added at each use.
#[inline(always)]
fn in_register<T>(r: &T) -> &T {
    let mut p = core::ptr::from_ref(r);
    // The block neither reads nor writes through the pointer (`nomem` is
    // true): it only hides its value from the compiler.
    #[allow(clippy::pointers_in_nomem_asm_block)]
    // SAFETY: an empty asm block.
    unsafe {
        core::arch::asm!("/* {0} */", inout(reg) p, options(pure, nomem, nostack, preserves_flags));
    }
    // SAFETY: `p` is `r`.
    unsafe { &*p }
}

/// What a slot holds besides its key.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    /// The tag charged.
    pub(crate) tag: *const Tag,
    /// The bytes charged.
    pub(crate) bytes: u32,
    /// `jiffies` (low 32 bits) at the allocation.
    pub(crate) stamp: u32,
}

/// What a slot's object was charged.
#[derive(Clone, Copy)]
pub(crate) struct Charge {
    /// The tag charged.
    pub(crate) tag: *const Tag,
    /// The bytes charged.
    pub(crate) bytes: u32,
}

impl Charge {
    /// The tag charged, inside the non-preemptible region `np` in which
    /// the entry was read.
    #[inline(always)]
    pub(crate) fn tag<'r>(&self, _np: &'r NoPreempt) -> &'r Tag {
        // SAFETY: an entry's tag is a tag of a module's section that passed
        // `keeps_tag` (a drop-in module's, or allocprof's own): of a
        // registered module, or of a going one, whose memory is freed after
        // a grace period (`free_module()`'s `synchronize_rcu()`) that waits
        // for the region `np`, in which the entry was read.
        unsafe { &*self.tag }
    }
}

/// What [`PtrTable::recharge`] did.
pub(crate) enum Recharged {
    /// The entry was charged to `from`: now to `to`, of these bytes.
    Moved(u32),
    /// The entry is charged to another tag: unchanged.
    Kept,
    /// The table holds no entry of the key.
    Absent,
}

/// What an insertion did.
pub(crate) enum Inserted {
    /// Stored in a free slot.
    New,
    /// The address was in the table already: the object it named was
    /// freed without the table seeing it.  Its entry was replaced.
    Replaced(Charge),
    /// No free slot in the key's window: not stored.
    Full,
}

/// A slot's key and entry.  The entry's two halves are written and read
/// only by the owner of the slot (its key `BUSY`).
#[repr(C, align(16))]
struct Slot {
    /// `EMPTY`, `BUSY` or the object's address.
    key: AtomicUsize,
    /// The tag's address, sign-extended from these 32 bits.
    tag: AtomicU32,
    /// The bytes charged.
    bytes: AtomicU32,
}

/// Whether `tag` (a tag of a module's `alloc_tags` section) can be kept
/// in a slot: its address is the sign extension of its low 32 bits, as
/// every address of the x86_64 module area (the top 2 GiB) is.
pub(crate) fn keeps_tag(tag: *const Tag) -> bool {
    tag as usize == tag as usize as u32 as i32 as isize as usize
}

/// The table.
pub(crate) struct PtrTable {
    /// The first of the `n` slots.
    slots: *const Slot,
    /// `jiffies` at each slot's allocation (`n`).
    stamps: *const AtomicU32,
    /// Window starts: `n - WINDOW + 1`.
    starts: u64,
    /// `n`.
    n: usize,
    /// What owns the slots and stamps: nothing for [`NONE`].
    _owner: Option<(KVVec<Slot>, KVVec<AtomicU32>)>,
}

// SAFETY: the slots and stamps are atomics, shared by design; the owner
// is only dropped with the table.
unsafe impl Sync for PtrTable {}
// SAFETY: as above.
unsafe impl Send for PtrTable {}

/// The slots of [`NONE`]: one window, every slot `BUSY`.
static NONE_SLOTS: [Slot; WINDOW] = [const {
    Slot {
        key: AtomicUsize::new(BUSY),
        tag: AtomicU32::new(0),
        bytes: AtomicU32::new(0),
    }
}; WINDOW];
/// Their stamps (never written: no slot is ever claimed).
static NONE_STAMPS: [AtomicU32; WINDOW] = [const { AtomicU32::new(0) }; WINDOW];

/// The table that stands in while there is none (not yet allocated, or
/// its allocation failed): one window of `BUSY` slots, so that every
/// insertion fails (and goes to the slow path, which counts it untracked)
/// and every look-up finds nothing, with no test of the table's presence
/// on the hot paths.
pub(crate) static NONE: PtrTable = PtrTable {
    slots: core::ptr::from_ref(&NONE_SLOTS).cast::<Slot>(),
    stamps: core::ptr::from_ref(&NONE_STAMPS).cast::<AtomicU32>(),
    starts: 1,
    n: WINDOW,
    _owner: None,
};

/// The pointer table: [`NONE`] until a drop-in module first registers,
/// then the one allocated for it (if that succeeded), freed only at
/// allocprof's exit.
static TABLE: AtomicPtr<PtrTable> = AtomicPtr::new(core::ptr::from_ref(&NONE).cast_mut());

/// The table (perhaps [`NONE`]).
#[inline(always)]
pub(crate) fn table() -> &'static PtrTable {
    // SAFETY: a static, or a table published once fully built and freed
    // only by `uninstall()` at allocprof's exit, when no drop-in module is
    // left to call the hooks.
    unsafe { &*TABLE.load(Ordering::Acquire) }
}

/// Makes `t` the table (callers are serialized: registrations, under the
/// registry's lock), once: `t` is given back if there is one already.
pub(crate) fn install(t: KBox<PtrTable>) -> core::result::Result<(), KBox<PtrTable>> {
    if !table().is_none() {
        return Err(t);
    }
    TABLE.store(KBox::into_raw(t), Ordering::Release);
    Ok(())
}

/// Puts [`NONE`] back; the table is freed if allocprof's exit is running
/// (no drop-in module is left: each holds a reference on allocprof), and
/// leaked otherwise.
pub(crate) fn uninstall() {
    let none = core::ptr::from_ref(&NONE).cast_mut();
    let t = TABLE.swap(none, Ordering::AcqRel);
    if t != none && helpers::exiting() {
        // SAFETY: from `KBox::into_raw` in `install`; no user is left.
        drop(unsafe { KBox::from_raw(t) });
    }
}

impl PtrTable {
    /// Whether this is [`NONE`].
    pub(crate) fn is_none(&self) -> bool {
        core::ptr::eq(self.slots, core::ptr::from_ref(&NONE_SLOTS).cast::<Slot>())
    }

    /// A table of `slots` slots, rounded up to a power of two, at least
    /// [`WINDOW`].
    pub(crate) fn new(slots: usize) -> Result<Self> {
        let n = slots.clamp(WINDOW, 1 << 26).next_power_of_two();
        let mut table = KVVec::with_capacity(n, GFP_KERNEL)?;
        let mut stamps = KVVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            table.push(
                Slot {
                    key: AtomicUsize::new(EMPTY),
                    tag: AtomicU32::new(0),
                    bytes: AtomicU32::new(0),
                },
                GFP_KERNEL,
            )?;
            stamps.push(AtomicU32::new(0), GFP_KERNEL)?;
        }
        Ok(PtrTable {
            slots: table.as_ptr(),
            stamps: stamps.as_ptr(),
            starts: (n - WINDOW + 1) as u64,
            n,
            _owner: Some((table, stamps)),
        })
    }

    /// The number of slots.
    pub(crate) fn slots(&self) -> usize {
        self.n
    }

    /// The bytes the table takes, its filter (a static) included.
    pub(crate) fn bytes(&self) -> usize {
        self.slots() * (core::mem::size_of::<Slot>() + core::mem::size_of::<AtomicU32>())
            + core::mem::size_of::<[AtomicU16; FILTER_LEN]>()
    }

    /// The window of `key`.  Its first slot is the filter's hash of the
    /// key (see [`filter_of`]) scaled to the window starts (multiply-shift,
    /// no division).
    #[inline(always)]
    fn window(&self, key: usize) -> Window<'_> {
        let h = u64::from((key as u32).wrapping_mul(0x9e37_79b1));
        let i = (h.wrapping_mul(self.starts) >> 32) as usize;
        Window {
            // SAFETY: `i < starts`, so `i + WINDOW <= n`: in bounds.
            slots: unsafe { &*self.slots.add(i).cast() },
            table: self,
            i,
        }
    }

    /// Slot `s` alone (the scans of the whole table).
    fn slot(&self, s: usize) -> SlotRef<'_> {
        assert!(s < self.n);
        // SAFETY: `s < n`: in bounds.
        unsafe {
            SlotRef {
                slot: &*self.slots.add(s),
                stamp: &*self.stamps.add(s),
            }
        }
    }

    /// Stores the entry of `key` (an address that passed [`is_key`]):
    /// `tag` (which passed [`keeps_tag`]), `bytes`, and the current
    /// `jiffies`.
    #[inline(always)]
    pub(crate) fn insert(&self, key: usize, tag: *const Tag, bytes: u32) -> Inserted {
        let f = filter_of(key);
        let w = self.window(key);
        if f.load(Ordering::Relaxed) != 0 {
            if let Some(j) = (0..WINDOW).find(|&j| w.claim(j, key)) {
                let old = w.charge(j);
                w.publish(j, key, tag, bytes);
                return Inserted::Replaced(old);
            }
        }
        let Some(j) = (0..WINDOW).find(|&j| w.claim(j, EMPTY)) else {
            return Inserted::Full;
        };
        w.publish(j, key, tag, bytes);
        f.fetch_add(1, Ordering::Relaxed);
        Inserted::New
    }

    /// [`insert`](Self::insert)'s common case alone, straight-line code
    /// for the callers' hot paths: stores the entry in the first slot of
    /// its window if the table holds no key of the same filter counter
    /// (so no stale entry of this address) and that slot is free, with no
    /// look before the compare-and-swap.  Whether it did; if not, nothing
    /// changed and [`insert`](Self::insert) does the rest.
    #[inline(always)]
    pub(crate) fn insert_first(&self, key: usize, tag: *const Tag, bytes: u32) -> bool {
        let f = filter_of(key);
        if f.load(Ordering::Relaxed) != 0 {
            return false;
        }
        let w = self.window(key);
        // The addresses of the slot and of its stamp, each in one
        // register (not a base and an index kept apart): fewer registers
        // live across the claim, none to save.
        let slot = in_register(&w.slots[0]);
        let stamp = in_register(w.stamp(0));
        if slot
            .key
            .compare_exchange(EMPTY, BUSY, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        slot.tag.store(tag as usize as u32, Ordering::Relaxed);
        slot.bytes.store(bytes, Ordering::Relaxed);
        stamp.store(helpers::jiffies() as u32, Ordering::Relaxed);
        slot.key.store(key, Ordering::Release);
        f.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Whether the table holds nothing (every filter counter is 0): a scan
    /// of the filter, 128 KiB.
    pub(crate) fn is_empty() -> bool {
        allocprof_dropin_filter
            .iter()
            .all(|f| f.load(Ordering::Relaxed) == 0)
    }

    /// Claims `key`'s slot, if the table holds it: the entry is the
    /// caller's to read, change and put back or remove, while the key
    /// stays counted in its filter (the table is not empty meanwhile).
    /// `key` passed [`is_key`].
    #[inline(always)]
    pub(crate) fn claim(&self, key: usize) -> Option<Claimed<'_>> {
        debug_assert!(is_key(key));
        let w = self.window(key);
        let j = (0..WINDOW).find(|&j| w.claim(j, key))?;
        Some(Claimed {
            w,
            j,
            key,
            counted: key,
        })
    }

    /// A claim of `key` held across a call, from its token: what
    /// [`Claimed::into_token`] (a claim still `BUSY`) or [`Claimed::park`]
    /// (a parked slot) returned; `None` for the token 0 (nothing held).
    ///
    /// # Safety
    ///
    /// `token` is 0, or what one of those returned for a claim of `key` in
    /// this table, not taken back since.
    #[inline(always)]
    pub(crate) unsafe fn held(&self, key: usize, token: usize) -> Option<Held<'_>> {
        let claim = |j| Claimed {
            w: self.window(key),
            j,
            key,
            counted: key,
        };
        match token {
            0 => None,
            t if t & PARKED_TOKEN != 0 => Some(Held::Parked(Parked(claim(t & !PARKED_TOKEN)))),
            t => Some(Held::Busy(claim(t - 1))),
        }
    }

    /// Removes `key`'s entry, if it has one: what it was charged.  `key`
    /// passed [`is_key`].
    #[inline(always)]
    pub(crate) fn remove(&self, key: usize) -> Option<Charge> {
        self.claim(key).map(Claimed::remove)
    }

    /// [`remove`](Self::remove)'s common case alone (see
    /// [`insert_first`](Self::insert_first)): removes `key`'s entry if it
    /// is in the first slot of its window.  If not, nothing changed.
    /// `key` need not pass [`is_key`] if it is what a free function
    /// accepts (`NULL`, `ZERO_SIZE_PTR`: no slot holds them).
    #[inline(always)]
    pub(crate) fn remove_first(&self, key: usize) -> Option<Charge> {
        self.claim_first(key).map(Claimed::remove)
    }

    /// [`claim`](Self::claim)'s common case alone (see
    /// [`remove_first`](Self::remove_first)): claims `key`'s slot if it is
    /// the first of its window.  `key` as for `remove_first`.
    #[inline(always)]
    pub(crate) fn claim_first(&self, key: usize) -> Option<Claimed<'_>> {
        let w = self.window(key);
        if !w.claim_now(0, key) {
            return None;
        }
        Some(Claimed {
            w,
            j: 0,
            key,
            counted: key,
        })
    }

    /// Calls `f` with the address and the tag of every released page's
    /// entry (a racy read: [`claim_released`](Self::claim_released) tells
    /// whether one is still there).
    pub(crate) fn released(&self, mut f: impl FnMut(usize, *const Tag)) {
        for s in 0..self.slots() {
            let w = self.slot(s);
            let key = w.key();
            if is_key(key) && key & RELEASED != 0 {
                f(key - RELEASED, w.entry().tag);
            }
        }
    }

    /// Claims the entry of the released page at `addr`, if the table
    /// holds one (see [`Claimed::put_back_released`]).
    pub(crate) fn claim_released(&self, addr: usize) -> Option<Claimed<'_>> {
        let w = self.window(addr);
        let key = addr | RELEASED;
        let j = (0..WINDOW).find(|&j| w.claim(j, key))?;
        Some(Claimed {
            w,
            j,
            key,
            counted: addr,
        })
    }

    /// Re-charges `key`'s entry from the tag `from` to the tag `to`
    /// (which passed [`keeps_tag`]): claims the slot holding `key`, and if
    /// its tag is `from` writes `to`, then publishes the key back (the
    /// bytes and the stamp unchanged).  What it found.
    pub(crate) fn recharge(&self, key: usize, from: *const Tag, to: *const Tag) -> Recharged {
        let Some(c) = self.claim(key) else {
            return Recharged::Absent;
        };
        let charge = c.charge();
        if core::ptr::eq(charge.tag, from) {
            c.set_tag(to);
            c.put_back();
            Recharged::Moved(charge.bytes)
        } else {
            c.put_back();
            Recharged::Kept
        }
    }

    /// Calls `f` with every live entry (a racy read: entries may come and
    /// go meanwhile).
    pub(crate) fn for_each(&self, mut f: impl FnMut(Entry)) {
        for s in 0..self.slots() {
            let w = self.slot(s);
            if is_key(w.key()) {
                f(w.entry());
            }
        }
    }

    /// Removes every entry whose tag `pred` accepts, but released pages'
    /// (whose reference their owner must drop: [`PtrTable::released`]); a
    /// parked one (held across another module's reallocation) is marked
    /// `ORPHANED` for its parker, which releases it without reading its
    /// tag.
    pub(crate) fn drain(&self, mut pred: impl FnMut(*const Tag) -> bool) {
        for s in 0..self.slots() {
            let w = self.slot(s);
            let key = w.key();
            if key == PARKED {
                // Claimed (`BUSY`) for a moment, not preempted meanwhile:
                // its parker waits for it.
                let _np = NoPreempt::enter();
                if w.claim(PARKED) {
                    let to = if pred(w.entry().tag) {
                        ORPHANED
                    } else {
                        PARKED
                    };
                    w.unclaim(to);
                }
                continue;
            }
            if is_key(key) && key & RELEASED == 0 && pred(w.entry().tag) && w.claim(key) {
                // Read again, owned: the slot may have been emptied and
                // refilled with the same address between the reads.
                if pred(w.entry().tag) {
                    w.release(key);
                } else {
                    w.unclaim(key);
                }
            }
        }
    }
}

/// A key's window: [`WINDOW`] consecutive slots, from slot `i`.
struct Window<'a> {
    slots: &'a [Slot; WINDOW],
    table: &'a PtrTable,
    i: usize,
}

impl Window<'_> {
    /// Slot `j`'s stamp (its address computed only when it is used).
    #[inline(always)]
    fn stamp(&self, j: usize) -> &AtomicU32 {
        debug_assert!(j < WINDOW && self.i + WINDOW <= self.table.n);
        // SAFETY: `i + WINDOW <= n` (see `PtrTable::window`) and
        // `j < WINDOW`: in bounds.
        unsafe { &*self.table.stamps.add(self.i.wrapping_add(j)) }
    }

    /// Claims slot `j` (makes it `BUSY`) if its key is `key`, with no
    /// read before the compare-and-swap.
    #[inline(always)]
    fn claim_now(&self, j: usize, key: usize) -> bool {
        self.slots[j]
            .key
            .compare_exchange(key, BUSY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Claims slot `j` (makes it `BUSY`) if its key is `key`.
    #[inline(always)]
    fn claim(&self, j: usize, key: usize) -> bool {
        let k = &self.slots[j].key;
        k.load(Ordering::Relaxed) == key
            && k.compare_exchange(key, BUSY, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    /// Reads what slot `j`'s object was charged (the slot owned).
    #[inline(always)]
    fn charge(&self, j: usize) -> Charge {
        self.slots[j].charge_owned()
    }

    /// Writes the entry (`tag`, `bytes`, now) into slot `j`, owned, and
    /// publishes `key`.
    #[inline(always)]
    fn publish(&self, j: usize, key: usize, tag: *const Tag, bytes: u32) {
        let s = &self.slots[j];
        s.tag.store(tag as usize as u32, Ordering::Relaxed);
        s.bytes.store(bytes, Ordering::Relaxed);
        self.stamp(j)
            .store(helpers::jiffies() as u32, Ordering::Relaxed);
        self.slots[j].key.store(key, Ordering::Release);
    }

    /// Releases slot `j`, owned, of `key`: empty, and uncounted.
    #[inline(always)]
    fn release(&self, j: usize, key: usize) {
        self.slots[j].key.store(EMPTY, Ordering::Release);
        filter_of(key).fetch_sub(1, Ordering::Relaxed);
    }
}

/// A slot claimed by [`PtrTable::claim`] (its key `BUSY`): its entry is
/// its owner's until [`put_back`](Self::put_back) or
/// [`remove`](Self::remove).  Dropped otherwise, the slot would stay
/// `BUSY`: both consume it.
#[must_use]
pub(crate) struct Claimed<'a> {
    w: Window<'a>,
    j: usize,
    /// The key the slot held, put back by [`put_back`](Self::put_back).
    key: usize,
    /// The key counted in the filter: `key`, or of a released page's
    /// entry its address.
    counted: usize,
}

impl Claimed<'_> {
    /// What the entry was charged.
    #[inline(always)]
    pub(crate) fn charge(&self) -> Charge {
        self.w.charge(self.j)
    }

    /// Charges the entry to `tag` (which passed [`keeps_tag`]).
    pub(crate) fn set_tag(&self, tag: *const Tag) {
        self.w.slots[self.j]
            .tag
            .store(tag as usize as u32, Ordering::Relaxed);
    }

    /// Sets the bytes the entry is charged.
    pub(crate) fn set_bytes(&self, bytes: u32) {
        self.w.slots[self.j].bytes.store(bytes, Ordering::Relaxed);
    }

    /// Publishes the key again, with the entry as it now is (its stamp
    /// unchanged).
    #[inline(always)]
    pub(crate) fn put_back(self) {
        self.w.slots[self.j].key.store(self.key, Ordering::Release);
    }

    /// Publishes the entry again as a released page's (its key marked
    /// [`RELEASED`]): the module has let the page at the key go, and
    /// allocprof holds the module's reference to it until it settles it.
    /// `self` is a claim of the page's address.
    pub(crate) fn put_back_released(self) {
        self.w.slots[self.j]
            .key
            .store(self.counted | RELEASED, Ordering::Release);
    }

    /// The claim as a token (its place in the key's window, plus one), to
    /// be taken back with [`PtrTable::held`]: the slot stays claimed
    /// (`BUSY`) meanwhile, which [`PtrTable::drain`] skips: for an entry of
    /// a module that cannot go meanwhile.
    #[inline(always)]
    pub(crate) fn into_token(self) -> usize {
        self.j + 1
    }

    /// Parks the slot (`PARKED`): held, across a call that may sleep, for
    /// an entry of a module that may go meanwhile; its drain then marks
    /// the slot `ORPHANED`.  A token for [`PtrTable::held`].
    #[inline(always)]
    pub(crate) fn park(self) -> usize {
        self.w.slots[self.j].key.store(PARKED, Ordering::Release);
        self.j | PARKED_TOKEN
    }

    /// Removes the entry: what it was charged.
    #[inline(always)]
    pub(crate) fn remove(self) -> Charge {
        let c = self.charge();
        self.w.release(self.j, self.counted);
        c
    }
}

/// A claim held across a call: [`PtrTable::held`].
pub(crate) enum Held<'a> {
    /// Claimed (`BUSY`) all along: the entry is the caller's.
    Busy(Claimed<'a>),
    /// Parked: [`Parked::unpark`] takes it back.
    Parked(Parked<'a>),
}

/// A parked slot ([`Claimed::park`]).
pub(crate) struct Parked<'a>(Claimed<'a>);

impl<'a> Parked<'a> {
    /// Claims the parked slot again, inside the region `_np`: its entry,
    /// whose tag is valid inside that region (its module's drain, which
    /// would have marked the slot, has not reached it, and its memory is
    /// freed after a grace period that waits for the region); `None` if
    /// the module went (the slot was marked `ORPHANED`): the slot is
    /// released, its tag not read.  Waits while the drain looks at it.
    #[inline(always)]
    pub(crate) fn unpark(self, _np: &NoPreempt) -> Option<Claimed<'a>> {
        let c = self.0;
        let k = &c.w.slots[c.j].key;
        loop {
            match k.compare_exchange(PARKED, BUSY, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => return Some(c),
                Err(BUSY) => core::hint::spin_loop(),
                Err(_) => {
                    // `ORPHANED`: only the parker changes it.
                    c.w.release(c.j, c.key);
                    return None;
                }
            }
        }
    }
}

impl Slot {
    /// What its object was charged, read by its owner (the slot claimed):
    /// plain reads, as no one else writes the entry meanwhile (one
    /// sign-extending load for the tag).
    #[inline(always)]
    fn charge_owned(&self) -> Charge {
        // SAFETY: the entry is written only by the slot's owner, the
        // caller: no write races these reads (racy readers only read).
        unsafe {
            Charge {
                tag: self.tag.as_ptr().cast::<i32>().read() as isize as *const Tag,
                bytes: self.bytes.as_ptr().read(),
            }
        }
    }

    /// What its object was charged, read racily (a scan of the table).
    #[inline(always)]
    fn charge(&self) -> Charge {
        Charge {
            tag: self.tag.load(Ordering::Relaxed) as i32 as isize as *const Tag,
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

/// One slot and its stamp, for the scans of the whole table.
struct SlotRef<'a> {
    slot: &'a Slot,
    stamp: &'a AtomicU32,
}

impl SlotRef<'_> {
    /// Its key.
    fn key(&self) -> usize {
        self.slot.key.load(Ordering::Acquire)
    }

    /// Claims the slot if its key is still `key`.
    fn claim(&self, key: usize) -> bool {
        self.slot
            .key
            .compare_exchange(key, BUSY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Reads its entry.
    fn entry(&self) -> Entry {
        let c = self.slot.charge();
        Entry {
            tag: c.tag,
            bytes: c.bytes,
            stamp: self.stamp.load(Ordering::Relaxed),
        }
    }

    /// Publishes `key` again (the one it held, or a parked slot's state),
    /// the entry unchanged.
    fn unclaim(&self, key: usize) {
        self.slot.key.store(key, Ordering::Release);
    }

    /// Releases it, owned, of `key`.
    fn release(&self, key: usize) {
        self.slot.key.store(EMPTY, Ordering::Release);
        filter_of(key).fetch_sub(1, Ordering::Relaxed);
    }
}
