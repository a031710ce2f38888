/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Rust drop-in's entries in allocprof (Documentation/allocprof/
 * dropin-rust.rst): what the code of include/allocprof_rs_dropin.h,
 * assembled into each drop-in Rust module, calls with the arguments of
 * ReallocFunc::call live in its registers; and that code once more,
 * around a probe, for check_abi() (src/dropin/rust.rs).
 */
#include <linux/linkage.h>
#include <linux/export.h>
#include <asm/frame.h>
#include <linux/objtool.h>
#include <allocprof_rs_dropin.h>
#include <allocprof_kernel.h>

/*
 * The entries below that modules call (exported) are called directly,
 * never through a pointer: ANNOTATE_NOENDBR tells objtool that the
 * export's reference needs no ENDBR (7.3's SYM_FUNC_START has none,
 * 6.12's has one all the same).
 */

/* Saves and restores the argument registers around a C call. */
.macro SAVE_ARGS
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %r8
	pushq %r9
.endm
.macro RESTORE_ARGS
	popq %r9
	popq %r8
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
.endm

/*
 * allocprof_rs_forget: allocprof_dropin_free(%rsi), the free of a
 * module's object; every register but %rax, %r10 and %r11 kept.
 */
SYM_FUNC_START(allocprof_rs_forget)
	ANNOTATE_NOENDBR	/* exported, called directly alone */
	FRAME_BEGIN
	SAVE_ARGS
	movq %rsi, %rdi
	call allocprof_dropin_free
	RESTORE_ARGS
	FRAME_END
	RET
SYM_FUNC_END(allocprof_rs_forget)
EXPORT_SYMBOL_GPL(allocprof_rs_forget)

/*
 * allocprof_rs_claim: allocprof_rs_claim_slot(%rsi, %rax), the claim of
 * the old object of a reallocation by the site of tag %rax, into %rax;
 * every other register but %r10 and %r11 kept.
 */
SYM_FUNC_START(allocprof_rs_claim)
	ANNOTATE_NOENDBR	/* exported, called directly alone */
	FRAME_BEGIN
	SAVE_ARGS
	movq %rsi, %rdi
	movq %rax, %rsi
	call allocprof_rs_claim_slot
	RESTORE_ARGS
	FRAME_END
	RET
SYM_FUNC_END(allocprof_rs_claim)
EXPORT_SYMBOL_GPL(allocprof_rs_claim)

/*
 * allocprof_rs_mark: allocprof_rs_mark_tag(%rax), the row of a call of a
 * kernel-crate function the tool does not know marked; every register but
 * %rax, %r10 and %r11 kept.
 */
SYM_FUNC_START(allocprof_rs_mark)
	ANNOTATE_NOENDBR	/* exported, called directly alone */
	FRAME_BEGIN
	SAVE_ARGS
	movq %rax, %rdi
	call allocprof_rs_mark_tag
	RESTORE_ARGS
	FRAME_END
	RET
SYM_FUNC_END(allocprof_rs_mark)
EXPORT_SYMBOL_GPL(allocprof_rs_mark)

EXPORT_SYMBOL_GPL(allocprof_rs_alloc_done)
EXPORT_SYMBOL_GPL(allocprof_rs_realloc_done)

/*
 * The probe (check_abi()): a module's code of include/allocprof_rs_dropin.h
 * around allocprof_rs_abi_probe_real, a Rust function of ReallocFunc::call's
 * signature, entered without the static branch: an allocation site of
 * the probe's tag, and a free site.
 */
#if ALLOCPROF_KERNEL_7_3
/*
 * 7.3's: the C ABI sites' code (ALLOCPROF_RS_C_*) around
 * allocprof_rs_abi_probe_real_c, of the C helpers' signature.
 */
ALLOCPROF_RS_C_MODULE allocprof_rs_abi_probe_real_c

	.pushsection .text.allocprof_rs, "ax"
SYM_FUNC_START(allocprof_rs_abi_probe_alloc)
	movq $allocprof_rs_abi_probe_tag, %rax
	jmp __allocprof_rs_calloc_allocprof_rs_abi_probe_real_c
SYM_FUNC_END(allocprof_rs_abi_probe_alloc)

SYM_FUNC_START(allocprof_rs_abi_probe_free)
	ALLOCPROF_RS_C_FORGET
	jmp allocprof_rs_abi_probe_real_c
SYM_FUNC_END(allocprof_rs_abi_probe_free)
	.popsection
#else
ALLOCPROF_RS_MODULE allocprof_rs_abi_probe_real

	.pushsection .text.allocprof_rs, "ax"
SYM_FUNC_START(allocprof_rs_abi_probe_alloc)
	movq $allocprof_rs_abi_probe_tag, %rax
	jmp __allocprof_rs_alloc
SYM_FUNC_END(allocprof_rs_abi_probe_alloc)

SYM_FUNC_START(allocprof_rs_abi_probe_free)
	FRAME_BEGIN
	call allocprof_rs_forget
	FRAME_END
	jmp allocprof_rs_abi_probe_real
SYM_FUNC_END(allocprof_rs_abi_probe_free)
	.popsection
#endif

/*
 * The wrappers of the kernel crate's functions (src/dropin/kcalls.rs),
 * and their probes (its check_abi()): each wrapper's tag register of
 * include/allocprof_rs_dropin.h, entered with the real function's
 * arguments, then a probe of the wrapper's signature.  6.12's alone
 * (src/dropin/mod.rs: kcalls_none.rs elsewhere).
 */
#if !ALLOCPROF_KERNEL_7_3
EXPORT_SYMBOL_GPL(allocprof_rs_k_slice_read_all)
EXPORT_SYMBOL_GPL(allocprof_rs_k_reader_read_all)
EXPORT_SYMBOL_GPL(allocprof_rs_k_cstring_try_from_fmt)
EXPORT_SYMBOL_GPL(allocprof_rs_k_cstring_try_from)
EXPORT_SYMBOL_GPL(allocprof_rs_k_to_cstring)
EXPORT_SYMBOL_GPL(allocprof_rs_k_to_ascii_lowercase)
EXPORT_SYMBOL_GPL(allocprof_rs_k_to_ascii_uppercase)
EXPORT_SYMBOL_GPL(allocprof_rs_k_page_alloc)

.macro ALLOCPROF_RS_KPROBE wrap, probe, real
SYM_FUNC_START(\probe)
	ALLOCPROF_RS_TAG_\wrap allocprof_rs_abi_probe_tag
	jmp \real
SYM_FUNC_END(\probe)
.endm

	.pushsection .text.allocprof_rs, "ax"
ALLOCPROF_RS_KPROBE allocprof_rs_k_slice_read_all, allocprof_rs_abi_kprobe_slice_read_all, allocprof_rs_abi_kprobe_slice_read_all_real
ALLOCPROF_RS_KPROBE allocprof_rs_k_reader_read_all, allocprof_rs_abi_kprobe_reader_read_all, allocprof_rs_abi_kprobe_reader_read_all_real
ALLOCPROF_RS_KPROBE allocprof_rs_k_cstring_try_from_fmt, allocprof_rs_abi_kprobe_cstring_try_from_fmt, allocprof_rs_abi_kprobe_cstring_try_from_fmt_real
ALLOCPROF_RS_KPROBE allocprof_rs_k_cstring_try_from, allocprof_rs_abi_kprobe_cstring_try_from, allocprof_rs_abi_kprobe_cstr_real
ALLOCPROF_RS_KPROBE allocprof_rs_k_to_cstring, allocprof_rs_abi_kprobe_to_cstring, allocprof_rs_abi_kprobe_cstr_real
ALLOCPROF_RS_KPROBE allocprof_rs_k_to_ascii_lowercase, allocprof_rs_abi_kprobe_to_ascii_lowercase, allocprof_rs_abi_kprobe_cstr_real
ALLOCPROF_RS_KPROBE allocprof_rs_k_to_ascii_uppercase, allocprof_rs_abi_kprobe_to_ascii_uppercase, allocprof_rs_abi_kprobe_cstr_real
ALLOCPROF_RS_KPROBE allocprof_rs_k_page_alloc, allocprof_rs_abi_kprobe_page_alloc, allocprof_rs_abi_kprobe_page_alloc_real
	.popsection
#endif /* !ALLOCPROF_KERNEL_7_3 */
