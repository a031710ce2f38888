// SPDX-License-Identifier: GPL-2.0

//! The pointer table of the drop-in mode: for each live object a drop-in
//! module allocated while profiling was on, its address (the key), the tag
//! it was charged to and the bytes charged, so that its free, wherever it
//! happens, can uncharge the same figures.  Nothing is stored in the
//! object itself.
//!
//! Layout: a power-of-two array of 192-byte buckets of 8 slots, keys,
//! tags and metadata each in their own 64-byte line (a miss reads one
//! line per bucket).  A key hashes to two buckets; an object lives in
//! either.  24 bytes per slot; the table is allocated once, with a fixed
//! number of slots (module parameter `dropin_slots`), so its memory is
//! bounded.
//!
//! Concurrency: no lock.  A slot's key is its state: `EMPTY`, `BUSY`
//! (being written or being removed) or the object's address.  Inserting
//! claims an `EMPTY` slot with a compare-and-swap, writes the tag and the
//! metadata, then publishes the key with a release store.  Removing
//! claims the slot by swapping the key for `BUSY`, reads, then releases it
//! as `EMPTY`.  An object's allocation and its free are ordered by the
//! hand-over of its pointer, so an insert is complete before its key can
//! be looked up for the free.  Every operation is bounded (16 slots) and
//! safe from any context the allocator allows, interrupts included.

use crate::allocprof::Tag;
use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use kernel::prelude::*;

/// Slots per bucket.
const SLOTS: usize = 8;
/// A free slot.
const EMPTY: usize = 0;
/// A slot being written or removed.
const BUSY: usize = 1;

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

impl Entry {
    fn pack(&self) -> u64 {
        u64::from(self.bytes) | (u64::from(self.stamp) << 32)
    }
}

#[repr(C, align(64))]
struct Bucket {
    keys: [AtomicUsize; SLOTS],
    tags: [AtomicPtr<Tag>; SLOTS],
    meta: [AtomicU64; SLOTS],
}

impl Bucket {
    /// An empty bucket.
    fn new() -> Bucket {
        Bucket {
            keys: [const { AtomicUsize::new(EMPTY) }; SLOTS],
            tags: [const { AtomicPtr::new(core::ptr::null_mut()) }; SLOTS],
            meta: [const { AtomicU64::new(0) }; SLOTS],
        }
    }

    /// Reads slot `i`'s entry (the caller owns the slot, or reads racily).
    fn entry(&self, i: usize) -> Entry {
        let m = self.meta[i].load(Ordering::Relaxed);
        Entry {
            tag: self.tags[i].load(Ordering::Relaxed),
            bytes: m as u32,
            stamp: (m >> 32) as u32,
        }
    }

    /// Writes `e` into slot `i`, owned (`BUSY`), and publishes `key`.
    fn publish(&self, i: usize, key: usize, e: &Entry) {
        self.tags[i].store(e.tag.cast_mut(), Ordering::Relaxed);
        self.meta[i].store(e.pack(), Ordering::Relaxed);
        self.keys[i].store(key, Ordering::Release);
    }
}

/// What an insertion did.
pub(crate) enum Inserted {
    /// Stored in a free slot.
    New,
    /// The address was in the table already: the object it named was
    /// freed without the table seeing it.  Its entry was replaced.
    Replaced(Entry),
    /// No free slot in either bucket: not stored.
    Full,
}

/// The table.
pub(crate) struct PtrTable {
    buckets: KVVec<Bucket>,
    mask: usize,
}

impl PtrTable {
    /// A table of at least `slots` slots (a power of two, 16 or more).
    pub(crate) fn new(slots: usize) -> Result<Self> {
        let n = slots.clamp(2 * SLOTS, 1 << 26).next_power_of_two() / SLOTS;
        let mut buckets = KVVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            buckets.push(Bucket::new(), GFP_KERNEL)?;
        }
        Ok(PtrTable {
            buckets,
            mask: n - 1,
        })
    }

    /// The number of slots.
    pub(crate) fn slots(&self) -> usize {
        self.buckets.len() * SLOTS
    }

    /// The bytes the table takes.
    pub(crate) fn bytes(&self) -> usize {
        self.buckets.len() * core::mem::size_of::<Bucket>()
    }

    /// The two buckets of `key`.
    fn buckets(&self, key: usize) -> [&Bucket; 2] {
        let h = (key as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let a = (h >> 32) as usize & self.mask;
        let h2 = (h ^ (h >> 29)).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
        let mut b = (h2 >> 32) as usize & self.mask;
        if b == a {
            b = (a + 1) & self.mask;
        }
        [&self.buckets[a], &self.buckets[b]]
    }

    /// Stores `e` for `key` (an address, never `EMPTY` or `BUSY`).
    pub(crate) fn insert(&self, key: usize, e: &Entry) -> Inserted {
        let bs = self.buckets(key);
        for b in bs {
            for i in 0..SLOTS {
                if b.keys[i].load(Ordering::Acquire) == key
                    && b.keys[i]
                        .compare_exchange(key, BUSY, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    let old = b.entry(i);
                    b.publish(i, key, e);
                    return Inserted::Replaced(old);
                }
            }
        }
        for b in bs {
            for i in 0..SLOTS {
                if b.keys[i].load(Ordering::Relaxed) == EMPTY
                    && b.keys[i]
                        .compare_exchange(EMPTY, BUSY, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    b.publish(i, key, e);
                    return Inserted::New;
                }
            }
        }
        Inserted::Full
    }

    /// Removes `key`'s entry, if it has one.
    pub(crate) fn remove(&self, key: usize) -> Option<Entry> {
        for b in self.buckets(key) {
            for i in 0..SLOTS {
                if b.keys[i].load(Ordering::Acquire) == key
                    && b.keys[i]
                        .compare_exchange(key, BUSY, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    let e = b.entry(i);
                    b.keys[i].store(EMPTY, Ordering::Release);
                    return Some(e);
                }
            }
        }
        None
    }

    /// Calls `f` with every live entry (a racy read: entries may come and
    /// go meanwhile).
    pub(crate) fn for_each(&self, mut f: impl FnMut(Entry)) {
        for b in self.buckets.iter() {
            for i in 0..SLOTS {
                if b.keys[i].load(Ordering::Acquire) > BUSY {
                    f(b.entry(i));
                }
            }
        }
    }

    /// Removes every entry whose tag `pred` accepts; returns how many.
    pub(crate) fn drain(&self, mut pred: impl FnMut(*const Tag) -> bool) -> usize {
        let mut n = 0;
        for b in self.buckets.iter() {
            for i in 0..SLOTS {
                let key = b.keys[i].load(Ordering::Acquire);
                if key > BUSY
                    && pred(b.tags[i].load(Ordering::Relaxed))
                    && b.keys[i]
                        .compare_exchange(key, BUSY, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    b.keys[i].store(EMPTY, Ordering::Release);
                    n += 1;
                }
            }
        }
        n
    }
}
