// SPDX-License-Identifier: GPL-2.0

//! A plain Rust module (no allocprof in its source) that allocates through
//! every owner type of 6.12's kernel::alloc, for the Rust drop-in.

use core::pin::Pin;
use kernel::prelude::*;
use kernel::sync::{Arc, UniqueArc};

module! {
    type: DropinRustTest,
    name: "allocprof_dropin_rust_test",
    license: "GPL",
}

#[pin_data]
struct Pinned {
    a: u64,
    b: [u8; 40],
}

struct DropinRustTest {
    kbox: KBox<[u64; 3]>,
    grown: KVec<u32>,
    cap: KVec<u8>,
    arc: Arc<[u64; 8]>,
    unique: UniqueArc<u64>,
    pinned: Pin<KBox<Pinned>>,
    vbox: VBox<[u8; 5000]>,
    kvbox: KVBox<[u8; 100]>,
    vvec: VVec<u8>,
    kvvec: KVVec<u16>,
    shrunk: KVec<u64>,
}

fn make_pinned() -> Result<Pin<KBox<Pinned>>> {
    KBox::try_pin_init(
        try_pin_init!(Pinned { a: 1, b: [0; 40] }? Error),
        GFP_KERNEL,
    )
}

impl kernel::Module for DropinRustTest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let kbox = KBox::new([1u64, 2, 3], GFP_KERNEL)?;
        let dropped = KBox::new([0u8; 200], GFP_KERNEL)?;
        drop(dropped);
        let mut grown = KVec::new();
        for i in 0..100u32 {
            grown.push(i, GFP_KERNEL)?;
        }
        let cap = KVec::with_capacity(1000, GFP_KERNEL)?;
        let arc = Arc::new([7u64; 8], GFP_KERNEL)?;
        let arc2 = arc.clone();
        drop(arc2);
        let unique = UniqueArc::new(5u64, GFP_KERNEL)?;
        let pinned = make_pinned()?;
        let vbox = VBox::new([0u8; 5000], GFP_KERNEL)?;
        let kvbox = KVBox::new([0u8; 100], GFP_KERNEL)?;
        let mut vvec = VVec::new();
        vvec.extend_from_slice(&[1u8; 10000], GFP_KERNEL)?;
        let mut kvvec = KVVec::new();
        for i in 0..300u16 {
            kvvec.push(i, GFP_KERNEL)?;
        }
        let mut big = KVec::with_capacity(64, GFP_KERNEL)?;
        for i in 0..10u64 {
            big.push(i, GFP_KERNEL)?;
        }
        let mut it = big.into_iter();
        it.next();
        let shrunk = it.collect(GFP_KERNEL);
        pr_info!("loaded: {} {}\n", grown.len(), shrunk.len());
        Ok(DropinRustTest {
            kbox,
            grown,
            cap,
            arc,
            unique,
            pinned,
            vbox,
            kvbox,
            vvec,
            kvvec,
            shrunk,
        })
    }
}

impl Drop for DropinRustTest {
    fn drop(&mut self) {
        pr_info!(
            "unloading: {} {} {} {} {} {} {} {} {} {}\n",
            self.kbox[0],
            self.cap.capacity(),
            self.arc[0],
            *self.unique,
            self.pinned.a + self.pinned.b[0] as u64,
            self.vbox[0],
            self.kvbox[0],
            self.vvec.len(),
            self.kvvec.len(),
            self.shrunk.len()
        );
    }
}
