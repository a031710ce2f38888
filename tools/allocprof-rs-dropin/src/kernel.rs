// SPDX-License-Identifier: GPL-2.0

//! The facts of each kernel's `kernel` crate that the tool relies on: the
//! symbols it recognises (`ReallocFunc::call`, `Kmalloc::aligned_layout`,
//! the crate's shared instances of `kernel::alloc` generics, its
//! `<A as Allocator>::free`s in Module.symvers) and, per kernel version,
//! the signature of `ReallocFunc::call` and what a module calls
//! ([`KERNELS`]: one entry per kernel, the one place to add a kernel).
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

/// How a kernel's modules reach the allocator, so what the tool retargets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Abi {
    /// Calls of the kernel crate's `ReallocFunc::call` (not `#[inline]`),
    /// in rustc's ABI (`ALLOCPROF_RS_ALLOC_SITE`, ...).
    RustCall,
    /// `ReallocFunc::call` is `#[inline]`: the module holds it and calls
    /// its C function itself, one of [`C_HELPERS`], in the C ABI
    /// (`ALLOCPROF_RS_C_ALLOC_SITE`, ...).
    CHelpers,
}

/// The C functions of 7.3's `ReallocFunc` (rust/helpers/slab.c,
/// vmalloc.c): `(ptr, size, align, flags, nid)`.
pub const C_HELPERS: &[&str] = &[
    "rust_helper_krealloc_node_align",
    "rust_helper_vrealloc_node_align",
    "rust_helper_kvrealloc_node_align",
];

/// What the tool knows of one kernel's `kernel::alloc`.
pub struct KernelAbi {
    /// VERSION.PATCHLEVEL.
    pub kernel: &'static str,
    /// `ReallocFunc::call`'s signature there.
    pub signature: &'static str,
    /// What the module's code calls.
    pub abi: Abi,
    /// Whether allocprof wraps the kernel crate's non-generic functions
    /// that allocate for a module there (src/dropin/kcalls.rs: 6.12's);
    /// elsewhere their calls are marked `accurate:no`.
    pub wrappers: bool,
}

/// The kernels whose `kernel::alloc` this tool rewrites calls of (the
/// kernel's version comes from dropin.mk, `--kernel VERSION.PATCHLEVEL`),
/// the one place to add a kernel.  A kernel not listed is refused: 6.18
/// added a NUMA node (`nid`), which a thunk of 6.12's shape would not
/// pass; 7.3's `ReallocFunc::call` is inlined into the module, which calls
/// the C helpers (every argument, the node and the alignment included,
/// passed on untouched by include/allocprof_rs_dropin.h's `ALLOCPROF_RS_C_*`).
pub const KERNELS: &[KernelAbi] = &[
    KernelAbi {
        kernel: "6.12",
        signature: "fn call(&self, ptr: Option<NonNull<u8>>, layout: Layout, old_layout: Layout, \
                    flags: Flags)",
        abi: Abi::RustCall,
        wrappers: true,
    },
    KernelAbi {
        kernel: "7.3",
        signature: "#[inline] fn call(&self, ptr: Option<NonNull<u8>>, layout: Layout, \
                    old_layout: Layout, flags: Flags, nid: NumaNode), inlined: \
                    rust_helper_{k,v,kv}realloc_node_align(ptr, size, align, flags, nid)",
        abi: Abi::CHelpers,
        wrappers: false,
    },
];

/// What the tool knows of Linux `kernel`, or why not.
pub fn kernel_abi(kernel: &str) -> Result<&'static KernelAbi> {
    KERNELS.iter().find(|k| k.kernel == kernel).ok_or_else(|| {
        let known: Vec<_> = KERNELS.iter().map(|k| k.kernel).collect();
        anyhow!(
            "Linux {kernel}: its kernel::alloc ReallocFunc::call is not one this tool \
             knows how to call (it knows Linux {}): nothing rewritten",
            known.join(", ")
        )
    })
}

/// The signature of `ReallocFunc::call` on Linux `kernel`, or why not.
pub fn realloc_signature(kernel: &str) -> Result<&'static str> {
    kernel_abi(kernel).map(|k| k.signature)
}

impl Abi {
    /// Whether the undefined symbol `name` is what the module's
    /// allocations call on a kernel of this ABI.
    pub fn is_target(self, name: &str) -> bool {
        match self {
            Abi::RustCall => is_realloc_call(name),
            Abi::CHelpers => C_HELPERS.contains(&name),
        }
    }
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
    fn kernels() {
        assert_eq!(kernel_abi("6.12").unwrap().abi, Abi::RustCall);
        assert_eq!(kernel_abi("7.3").unwrap().abi, Abi::CHelpers);
        assert!(kernel_abi("6.18").is_err());
        let call = "_RNvMNtNtCs1EKtwoKEMO2_6kernel5alloc9allocatorNtB2_11ReallocFunc4call";
        assert!(Abi::RustCall.is_target(call) && !Abi::CHelpers.is_target(call));
        assert!(Abi::CHelpers.is_target("rust_helper_vrealloc_node_align"));
        assert!(!Abi::CHelpers.is_target("rust_helper_krealloc"));
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
