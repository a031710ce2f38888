// SPDX-License-Identifier: GPL-2.0

//! The hashers of the crate's maps: [`FxHasher`] (FxHash's mixing: fast on
//! short keys such as a table's strings) and [`IdHasher`] (keys that are
//! hashes already), with their `BuildHasher`s.
//!
//! Layer: types.  Uses: no other module.

/// A small, fast hasher for the grouping map (FxHash's mixing).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap());
        if n >= 8 {
            let mut chunks = bytes.chunks_exact(8);
            for c in &mut chunks {
                self.add(word(c));
            }
            // The rest as the last 8 bytes (overlapping), not byte by byte.
            if !chunks.remainder().is_empty() {
                self.add(word(&bytes[n - 8..]));
            }
        } else {
            let mut tail = 0u64;
            let mut i = 0;
            if n >= 4 {
                tail = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as u64;
                i = 4;
            }
            if n - i >= 2 {
                tail |= (u16::from_le_bytes(bytes[i..i + 2].try_into().unwrap()) as u64) << (8 * i);
                i += 2;
            }
            if i < n {
                tail |= (bytes[i] as u64) << (8 * i);
            }
            self.add(tail);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// FxHasher's `BuildHasher`.
pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// The identity hasher of already-hashed u64 keys.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | *b as u64;
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
    /// A 32-bit hash in both halves: the table's slot comes from the low
    /// bits, its tag from the top ones.
    fn write_u32(&mut self, i: u32) {
        self.0 = u64::from(i) << 32 | u64::from(i);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type IdBuild = std::hash::BuildHasherDefault<IdHasher>;
