// SPDX-License-Identifier: GPL-2.0

//! The facts of each kernel's `kernel` crate that the tool relies on: the
//! symbols it recognises (`ReallocFunc::call`, `Kmalloc::aligned_layout`,
//! the crate's shared instances of `kernel::alloc` generics, its
//! `<A as Allocator>::free`s in Module.symvers) and, per kernel version,
//! the signature of `ReallocFunc::call` ([`REALLOC_SIGNATURES`]: one
//! entry per kernel, the one place to add a kernel).
//!
//! Uses: no other module.

use anyhow::{anyhow, Result};
use std::collections::HashMap;

/// The function every allocation of `kernel::alloc` reaches (a private
/// method of a private struct: v0-mangled, with the kernel crate's hash).
pub fn is_realloc_call(name: &str) -> bool {
    name.starts_with("_R")
        && name.contains("6kernel5alloc9allocator")
        && name.ends_with("11ReallocFunc4call")
}

/// Kernel-crate symbols of `kernel::alloc` that a module may call only when
/// it was built with shared generics (the kernel crate's monomorphisations
/// of `KVec<u8>`, `<Kmalloc as Allocator>::free`, ...): their allocations
/// would happen inside the kernel, out of reach.
pub fn is_shared_alloc_generic(name: &str) -> bool {
    name.starts_with("_R")
        && name.contains("6kernel5alloc")
        && !is_realloc_call(name)
        && !name.ends_with("14aligned_layout")
        && !name.ends_with("8contains")
}

/// The kernels whose `kernel::alloc::allocator::ReallocFunc::call` this
/// tool rewrites calls of, each with that function's signature: the
/// thunks it writes pass a call's arguments on in that order (the
/// kernel's version comes from dropin.mk, `--kernel VERSION.PATCHLEVEL`).
/// A kernel not listed is refused: 6.18 added a NUMA node (`nid`), which
/// a thunk of 6.12's shape would not pass.
pub const REALLOC_SIGNATURES: &[(&str, &str)] = &[(
    "6.12",
    "fn call(&self, ptr: Option<NonNull<u8>>, layout: Layout, old_layout: Layout, flags: Flags)",
)];

/// The signature of `ReallocFunc::call` on Linux `kernel`, or why not.
pub fn realloc_signature(kernel: &str) -> Result<&'static str> {
    REALLOC_SIGNATURES
        .iter()
        .find(|(k, _)| *k == kernel)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            let known: Vec<_> = REALLOC_SIGNATURES.iter().map(|(k, _)| *k).collect();
            anyhow!(
                "Linux {kernel}: its kernel::alloc ReallocFunc::call is not one this tool \
                 knows how to call (it knows Linux {}): nothing rewritten",
                known.join(", ")
            )
        })
}

/// `raw` (a mangled function name) is `<A as kernel::alloc::Allocator>::free`:
/// `A`'s path.
pub fn free_allocator(raw: &str) -> Option<String> {
    let d = format!("{:#}", rustc_demangle::demangle(raw));
    d.strip_prefix('<')?
        .strip_suffix(" as kernel::alloc::Allocator>::free")
        .map(str::to_string)
}

/// `Kmalloc::aligned_layout` of the kernel crate.
pub fn is_aligned_layout(name: &str) -> bool {
    name.starts_with("_R")
        && name.contains("6kernel5alloc9allocator")
        && name.ends_with("7Kmalloc14aligned_layout")
}

/// The kernel crate's exported `<A as Allocator>::free` of each allocator
/// `A` (its path), from the kernel's Module.symvers: what a plainly built
/// module calls for a drop.
pub fn kernel_frees(symvers: &str) -> HashMap<String, String> {
    symvers
        .lines()
        .filter_map(|l| l.split('\t').nth(1))
        .filter(|n| n.starts_with("_R") && n.contains("9Allocator4free"))
        .filter_map(|n| Some((free_allocator(n)?, n.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_allocators() {
        assert_eq!(
            free_allocator(
                "_RNvYNtNtNtCs1EKtwoKEMO2_6kernel5alloc9allocator7KmallocNtB6_9Allocator4freeB8_"
            )
            .as_deref(),
            Some("kernel::alloc::allocator::Kmalloc")
        );
        assert_eq!(
            free_allocator("_RNvMNtNtCs1EKtwoKEMO2_6kernel5alloc9allocatorNtB2_11ReallocFunc4call"),
            None
        );
    }

    #[test]
    fn symbol_classes() {
        let call = "_RNvMNtNtCs1EKtwoKEMO2_6kernel5alloc9allocatorNtB2_11ReallocFunc4call";
        let layout =
            "_RNvMs_NtNtCs1EKtwoKEMO2_6kernel5alloc9allocatorNtB4_7Kmalloc14aligned_layout";
        let shared =
            "_RNvYNtNtNtCs1EKtwoKEMO2_6kernel5alloc9allocator7KmallocNtB6_9Allocator4freeB8_";
        assert!(is_realloc_call(call) && !is_realloc_call(layout));
        assert!(is_aligned_layout(layout) && !is_aligned_layout(call));
        assert!(is_shared_alloc_generic(shared));
        assert!(!is_shared_alloc_generic(call) && !is_shared_alloc_generic(layout));
    }

    #[test]
    fn kernel_frees_from_symvers() {
        let symvers = "0x12345678\t_RNvYNtNtNtCs1EKtwoKEMO2_6kernel5alloc9allocator7KmallocNtB6_9Allocator4freeB8_\tvmlinux\tEXPORT_SYMBOL_GPL\t\n\
                       0x9abcdef0\tkfree\tvmlinux\tEXPORT_SYMBOL\t\n";
        let m = kernel_frees(symvers);
        assert_eq!(m.len(), 1);
        assert!(m["kernel::alloc::allocator::Kmalloc"].ends_with("9Allocator4freeB8_"));
    }
}
