// SPDX-License-Identifier: GPL-2.0

//! The facts of each kernel's `kernel` crate that the tool relies on: the
//! symbols it recognises (`ReallocFunc::call`, `Kmalloc::aligned_layout`,
//! the crate's shared instances of `kernel::alloc` generics, its
//! `<A as Allocator>::free`s in Module.symvers) and, per kernel version,
//! its allocator's ABI ([`KERNELS`]: the signature of `ReallocFunc::call`,
//! what a module's code calls (6.12: it; 7.3, where it is `#[inline]`:
//! its C helpers), the result of `aligned_layout` that replaces its call
//! in a free, whether allocprof wraps the kernel crate's functions that
//! allocate; one entry per kernel, the one place to add a kernel).
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

/// One kernel's allocator, as the tool calls and replaces it: an entry
/// of [`KERNELS`].
pub struct Kernel {
    /// Its VERSION.PATCHLEVEL (dropin.mk's `--kernel`).
    pub version: &'static str,
    /// The signature of `kernel::alloc::allocator::ReallocFunc::call`: the
    /// thunks the tool writes pass a call's arguments on in that order.
    pub realloc_call: &'static str,
    /// What the module's code calls.
    pub abi: Abi,
    /// The result of `Kmalloc::aligned_layout(Layout::new::<()>())`, which
    /// replaces its call in a free ([`UnitLayout`]); none where the module
    /// holds `aligned_layout` itself (7.3: a call of it stops the build).
    pub unit_layout: Option<UnitLayout>,
    /// Whether allocprof wraps the kernel crate's non-generic functions
    /// that allocate for a module there (src/dropin/kcalls.rs: 6.12's);
    /// elsewhere their calls are marked `accurate:no`.
    pub wrappers: bool,
}

/// The result of `Kmalloc::aligned_layout(Layout::new::<()>())` (align 1,
/// size 0) as a kernel's `aligned_layout` returns it: the ABI of its
/// `Layout` result (rustc's, for that kernel's `Layout`), and the code
/// that writes it in place of the call (its five bytes: `e8` and the
/// relocated field).
pub struct UnitLayout {
    /// `aligned_layout`'s signature on that kernel.
    pub signature: &'static str,
    /// Where it returns its `Layout`: the registers `code` writes.
    pub returns: &'static str,
    /// The code, as many bytes as the call it replaces.
    pub code: [u8; 5],
}

/// The kernels whose `ReallocFunc::call` this tool rewrites calls of (the
/// kernel's version comes from dropin.mk, `--kernel VERSION.PATCHLEVEL`):
/// the one place that says what the tool relies on of each kernel's
/// allocator.  A kernel not listed is refused: 6.18 added a NUMA node
/// (`nid`), which a thunk of 6.12's shape would not pass; 7.3's
/// `ReallocFunc::call` is inlined into the module, which calls the C
/// helpers (every argument, the node and the alignment included, passed
/// on untouched by include/allocprof_rs_dropin.h's `ALLOCPROF_RS_C_*`).
pub const KERNELS: &[Kernel] = &[
    Kernel {
        version: "6.12",
        realloc_call: "fn call(&self, ptr: Option<NonNull<u8>>, layout: Layout, \
                       old_layout: Layout, flags: Flags)",
        abi: Abi::RustCall,
        unit_layout: Some(UnitLayout {
            signature: "fn aligned_layout(layout: Layout) -> Layout",
            // rustc's ABI of 6.12's `Layout` (two words), as the e2e tests
            // and 6.12's kselftests run it.
            returns: "align in %rax, size in %rdx",
            // xor %edx, %edx; lea 1(%rdx), %eax: size 0, align 1.
            code: [0x31, 0xd2, 0x8d, 0x42, 0x01],
        }),
        wrappers: true,
    },
    Kernel {
        version: "7.3",
        realloc_call: "#[inline] fn call(&self, ptr: Option<NonNull<u8>>, layout: Layout, \
                       old_layout: Layout, flags: Flags, nid: NumaNode), inlined: \
                       rust_helper_{k,v,kv}realloc_node_align(ptr, size, align, flags, nid)",
        abi: Abi::CHelpers,
        unit_layout: None,
        wrappers: false,
    },
];

/// The entry of Linux `version`, or why not.
pub fn kernel(version: &str) -> Result<&'static Kernel> {
    KERNELS
        .iter()
        .find(|k| k.version == version)
        .ok_or_else(|| {
            let known: Vec<_> = KERNELS.iter().map(|k| k.version).collect();
            anyhow!(
                "Linux {version}: its kernel::alloc ReallocFunc::call is not one this tool \
                 knows how to call (it knows Linux {}): nothing rewritten",
                known.join(", ")
            )
        })
}

/// The signature of `ReallocFunc::call` on Linux `version`, or why not.
pub fn realloc_signature(version: &str) -> Result<&'static str> {
    kernel(version).map(|k| k.realloc_call)
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
        assert_eq!(kernel("6.12").unwrap().abi, Abi::RustCall);
        assert_eq!(kernel("7.3").unwrap().abi, Abi::CHelpers);
        assert!(kernel("7.3").unwrap().unit_layout.is_none());
        assert!(kernel("6.18").is_err());
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
