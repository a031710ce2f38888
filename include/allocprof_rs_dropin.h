/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allocprof's Rust drop-in: the code between a Rust module's calls of
 * kernel::alloc's ReallocFunc::call and allocprof, as assembler macros
 * (Documentation/allocprof/dropin-rust.rst).  Included by the assembly
 * tools/allocprof-rs-dropin writes for each module (X.allocprof.S) and by
 * src/dropin/dropin_rust_entry.S, which runs the same code at allocprof's load
 * against a probe of the same Rust signature (check_abi() in
 * src/dropin/rust.rs): one text for both, so that what the check
 * verifies is what the modules run.  Needs <linux/linkage.h> and
 * <asm/frame.h>.
 *
 * ReallocFunc::call(&self, ptr: Option<NonNull<u8>>, layout: Layout,
 * old_layout: Layout, flags: Flags) -> Result<NonNull<[u8]>, AllocError>
 * in rustc's ABI on x86_64: &self in %rdi, ptr in %rsi (0: None), layout
 * in %rdx (align) and %rcx (size), old_layout in %r8 and %r9, flags the
 * one stack argument (8(%rsp) at entry); the result in %rax (0: Err) and
 * %rdx (the length).  What it passes to the C function as the old object
 * is ptr if old_layout's size is not 0, else NULL.  That is 6.12's.
 *
 * 7.3's ReallocFunc::call (flags, then a NumaNode, after old_layout; the
 * C function takes the alignment and the node) is #[inline]: a module's
 * own code holds it, inlined, and calls the C function, one of the
 * helpers rust_helper_krealloc_node_align, rust_helper_vrealloc_node_align,
 * rust_helper_kvrealloc_node_align (rust/helpers/), itself, in the C ABI:
 * the old object in %rdi (NULL: none, or old_layout's size 0), the size
 * in %rsi (0: a free), the alignment in %rdx, the flags in %ecx, the node
 * in %r8d; the object in %rax.  Its sites are the ALLOCPROF_RS_C_* macros,
 * \real that helper: the tool retargets the calls of the helpers.
 *
 * Each call site of the module calls a site of its own (its relocation
 * retargeted by the tool), which starts with a static branch on
 * allocprof_dropin_key: a JMP, in the "likely" form (key + 1, as
 * include/allocprof_dropin.h), while the key is off, patched into a NOP
 * when it is on.  While off, a site costs that JMP and goes where the
 * plain module would.
 */
#ifndef _ALLOCPROF_RS_DROPIN_H
#define _ALLOCPROF_RS_DROPIN_H

#ifdef __ASSEMBLY__

/*
 * The static branches of the sites are their first instruction, \name
 * (a function of its own, a sibling call), and a __jump_table entry of
 * its own: the tool's assembly is assembled twice, the second time with
 * ALLOCPROF_RS_JUMP_TABLE defined for the entries alone, linked into the
 * module after objtool, which cannot follow an entry to another
 * object's code.  The rest of a site (\name_on, reached through the NOP)
 * is a function of its own too, for objtool.
 */
/*
 * ALLOCPROF_RS_OFF_STUBS (an object of a composite module, which kbuild's
 * objtool may check whole, after the module's objects are linked, the
 * sites' entries included: it must find each entry's target there, and
 * follows the NOP into the rest of the site): each site is one function
 * with its entry, assembled once (the ALLOCPROF_RS_JUMP_TABLE pass is
 * empty), and a branch that would go to \real (ReallocFunc::call, in
 * another object) goes to a stub at the site's end, a JMP to \real: one
 * more JMP while off.
 */
/* A site's __jump_table entry: the branch at \name, its target while off. */
.macro ALLOCPROF_RS_JUMP name, target
	.pushsection __jump_table, "aw"
	.balign 8
	.long \name - .
	.long \target - .
	.quad allocprof_dropin_key + 1 - .
	.popsection
.endm

#if defined(ALLOCPROF_RS_JUMP_TABLE) && defined(ALLOCPROF_RS_OFF_STUBS)
.macro ALLOCPROF_RS_MODULE real
.endm
.macro ALLOCPROF_RS_ALLOC_SITE name, real, tag
.endm
.macro ALLOCPROF_RS_FREE_SITE name, real
.endm
.macro ALLOCPROF_RS_KFREE_SITE name, free
.endm
.macro ALLOCPROF_RS_KCALL_SITE name, real, wrap, tag
.endm
.macro ALLOCPROF_RS_KPAGE_FREE_SITE name, real
.endm
.macro ALLOCPROF_RS_KMARK_SITE name, real, tag
.endm
.macro ALLOCPROF_RS_C_MODULE real
.endm
.macro ALLOCPROF_RS_C_ALLOC_SITE name, real, tag
.endm
.macro ALLOCPROF_RS_C_FREE_SITE name, real
.endm
#elif defined(ALLOCPROF_RS_JUMP_TABLE)
.macro ALLOCPROF_RS_MODULE real
.endm
.macro ALLOCPROF_RS_C_MODULE real
.endm
.macro ALLOCPROF_RS_C_ALLOC_SITE name, real, tag
	ALLOCPROF_RS_JUMP \name, \real
.endm
.macro ALLOCPROF_RS_C_FREE_SITE name, real
	ALLOCPROF_RS_JUMP \name, \real
.endm
.macro ALLOCPROF_RS_ALLOC_SITE name, real, tag
	ALLOCPROF_RS_JUMP \name, \real
.endm
.macro ALLOCPROF_RS_FREE_SITE name, real
	ALLOCPROF_RS_JUMP \name, \real
.endm
.macro ALLOCPROF_RS_KFREE_SITE name, free
	ALLOCPROF_RS_JUMP \name, \name\()_off
.endm
.macro ALLOCPROF_RS_KCALL_SITE name, real, wrap, tag
	ALLOCPROF_RS_JUMP \name, \real
.endm
.macro ALLOCPROF_RS_KPAGE_FREE_SITE name, real
	ALLOCPROF_RS_JUMP \name, \real
.endm
.macro ALLOCPROF_RS_KMARK_SITE name, real, tag
	ALLOCPROF_RS_JUMP \name, \real
.endm
#else /* !ALLOCPROF_RS_JUMP_TABLE */

/*
 * The start of a site: its branch, a JMP to \target (with
 * ALLOCPROF_RS_OFF_STUBS: its __jump_table entry too, and the site one
 * function).
 */
.macro ALLOCPROF_RS_SITE_START name, target
	.pushsection .text.allocprof_rs, "ax"
	.globl \name
	.hidden \name
	.type \name, @function
\name:
	jmp \target
#ifdef ALLOCPROF_RS_OFF_STUBS
	ALLOCPROF_RS_JUMP \name, \target
#else
	.size \name, . - \name
	.type \name\()_on, @function
\name\()_on:
#endif
.endm
/* Its end; with ALLOCPROF_RS_OFF_STUBS, the stub, a JMP to \real. */
.macro ALLOCPROF_RS_SITE_END name, real
#ifdef ALLOCPROF_RS_OFF_STUBS
.L\name\()_off:
	jmp \real
	.size \name, . - \name
#else
	.size \name\()_on, . - \name\()_on
#endif
	.popsection
.endm
/* Where a site's branch goes while off: \real, or its stub. */
#ifdef ALLOCPROF_RS_OFF_STUBS
#define ALLOCPROF_RS_OFF(n, r) .L\name\()_off
#else
#define ALLOCPROF_RS_OFF(n, r) r
#endif

/*
 * The module's two shared paths, \real its ReallocFunc::call.
 *
 * __allocprof_rs_alloc: a site that allocates or reallocates, its tag in
 * %rax.  A frame of 56 bytes: 0 flags (the stack argument of \real),
 * 8 the tag, 16 &self, 24 the old object, 32 the size, 40 the claim, 48
 * the result's length.  An old object is first claimed in allocprof's
 * table (allocprof_rs_claim(): every register but %rax, %r10 and %r11
 * kept), so that no other CPU's record of its address, once \real has
 * freed it, is taken for it; after \real, allocprof_rs_alloc_done() or
 * allocprof_rs_realloc_done() records (C functions).
 */
.macro ALLOCPROF_RS_MODULE real
	.pushsection .text.allocprof_rs, "ax"
	.type __allocprof_rs_alloc, @function
__allocprof_rs_alloc:
	FRAME_BEGIN
	subq $56, %rsp
	movq %rax, 8(%rsp)
	movq %rdi, 16(%rsp)
	movq %rcx, 32(%rsp)
	movq 64+FRAME_OFFSET(%rsp), %rax
	movq %rax, 0(%rsp)
	xorl %eax, %eax
	testq %r9, %r9
	cmovnzq %rsi, %rax
	movq %rax, 24(%rsp)
	testq %rax, %rax
	jnz .Lallocprof_rs_realloc
	call \real
	movq %rax, 40(%rsp)
	movq %rdx, 48(%rsp)
	movq 8(%rsp), %rdi
	movq 16(%rsp), %rsi
	movq %rax, %rdx
	movq 32(%rsp), %rcx
	call allocprof_rs_alloc_done
	movq 40(%rsp), %rax
	movq 48(%rsp), %rdx
	addq $56, %rsp
	FRAME_END
	RET
.Lallocprof_rs_realloc:
	movq 8(%rsp), %rax
	call allocprof_rs_claim
	movq %rax, 40(%rsp)
	call \real
	movq %rax, 0(%rsp)
	movq %rdx, 48(%rsp)
	movq 8(%rsp), %rdi
	movq 16(%rsp), %rsi
	movq 24(%rsp), %rdx
	movq 32(%rsp), %rcx
	movq %rax, %r8
	movq 40(%rsp), %r9
	call allocprof_rs_realloc_done
	movq 0(%rsp), %rax
	movq 48(%rsp), %rdx
	addq $56, %rsp
	FRAME_END
	RET
	.size __allocprof_rs_alloc, . - __allocprof_rs_alloc
	.popsection
.endm

/*
 * 7.3's: the module's shared path of the C function \real (one of the
 * three helpers), __allocprof_rs_calloc_\real, as __allocprof_rs_alloc
 * in the C ABI: a site's tag in %rax, \real's arguments in their
 * registers.  A frame of 48 bytes: 0 the tag, 8 the size, 16 the old
 * object, 24 the result, 32 the claim.  The record functions are 6.12's:
 * their ReallocFn (&self, which they read for the allocator's kind) is
 * __allocprof_rs_this_\real, a word holding \real's address.  An old
 * object is claimed first (allocprof_rs_claim, which takes it in %rsi).
 */
.macro ALLOCPROF_RS_C_MODULE real
	.pushsection .rodata.allocprof_rs, "a"
	.balign 8
	.type __allocprof_rs_this_\real, @object
__allocprof_rs_this_\real:
	.quad \real
	.size __allocprof_rs_this_\real, 8
	.popsection
	.pushsection .text.allocprof_rs, "ax"
	.type __allocprof_rs_calloc_\real, @function
__allocprof_rs_calloc_\real:
	FRAME_BEGIN
	subq $48, %rsp
	movq %rax, 0(%rsp)
	movq %rsi, 8(%rsp)
	movq %rdi, 16(%rsp)
	testq %rdi, %rdi
	jnz .Lallocprof_rs_crealloc_\real
	call \real
	movq %rax, 24(%rsp)
	movq 0(%rsp), %rdi
	movq $__allocprof_rs_this_\real, %rsi
	movq %rax, %rdx
	movq 8(%rsp), %rcx
	call allocprof_rs_alloc_done
	movq 24(%rsp), %rax
	addq $48, %rsp
	FRAME_END
	RET
.Lallocprof_rs_crealloc_\real:
	movq %rdi, %rsi
	call allocprof_rs_claim
	movq %rax, 32(%rsp)
	movq 8(%rsp), %rsi
	call \real
	movq %rax, 24(%rsp)
	movq 0(%rsp), %rdi
	movq $__allocprof_rs_this_\real, %rsi
	movq 16(%rsp), %rdx
	movq 8(%rsp), %rcx
	movq %rax, %r8
	movq 32(%rsp), %r9
	call allocprof_rs_realloc_done
	movq 24(%rsp), %rax
	addq $48, %rsp
	FRAME_END
	RET
	.size __allocprof_rs_calloc_\real, . - __allocprof_rs_calloc_\real
	.popsection
.endm

/* 7.3's call site that allocates or reallocates, charged to \tag. */
.macro ALLOCPROF_RS_C_ALLOC_SITE name, real, tag
	ALLOCPROF_RS_SITE_START \name, ALLOCPROF_RS_OFF(\name, \real)
	movq $\tag, %rax
	jmp __allocprof_rs_calloc_\real
	ALLOCPROF_RS_SITE_END \name, \real
.endm

/*
 * 7.3's forget of the object in %rdi (allocprof_rs_forget takes it in
 * %rsi): every register but %rax, %r10 and %r11 kept.
 */
.macro ALLOCPROF_RS_C_FORGET
	FRAME_BEGIN
	pushq %rsi
	movq %rdi, %rsi
	call allocprof_rs_forget
	popq %rsi
	FRAME_END
.endm

/*
 * 7.3's free (a frame <A as Allocator>::free: the size, %rsi, 0): the
 * filter test on the object (%rdi), its forget, then \real, which frees.
 */
.macro ALLOCPROF_RS_C_FREE_SITE name, real
	ALLOCPROF_RS_SITE_START \name, ALLOCPROF_RS_OFF(\name, \real)
	imull $0x9e3779b1, %edi, %r11d
	shrl $16, %r11d
	cmpw $0, allocprof_dropin_filter(,%r11,2)
	jne .Lallocprof_rs_forget_\@
	jmp \real
.Lallocprof_rs_forget_\@:
	ALLOCPROF_RS_C_FORGET
	jmp \real
	ALLOCPROF_RS_SITE_END \name, \real
.endm

/*
 * A call site that allocates or reallocates, charged to \tag: while the
 * key is off, a JMP to \real.
 */
.macro ALLOCPROF_RS_ALLOC_SITE name, real, tag
	ALLOCPROF_RS_SITE_START \name, ALLOCPROF_RS_OFF(\name, \real)
	movq $\tag, %rax
	jmp __allocprof_rs_alloc
	ALLOCPROF_RS_SITE_END \name, \real
.endm

/*
 * A free (size 0, a drop): the filter test of include/allocprof_dropin.h
 * on the object (%rsi), and allocprof_rs_forget() if the table may hold
 * it (every register but %rax, %r10 and %r11 kept), then \real.
 */
.macro ALLOCPROF_RS_FREE_SITE name, real
	ALLOCPROF_RS_SITE_START \name, ALLOCPROF_RS_OFF(\name, \real)
	imull $0x9e3779b1, %esi, %r11d
	shrl $16, %r11d
	cmpw $0, allocprof_dropin_filter(,%r11,2)
	jne .Lallocprof_rs_forget_\@
	jmp \real
.Lallocprof_rs_forget_\@:
	FRAME_BEGIN
	call allocprof_rs_forget
	FRAME_END
	jmp \real
	ALLOCPROF_RS_SITE_END \name, \real
.endm

/*
 * A free of an allocator whose free the kernel crate exports, \free
 * (<Kmalloc as Allocator>::free(ptr, layout): what a plainly built
 * module calls for the same drop, and which calls the C function
 * itself): as ALLOCPROF_RS_FREE_SITE, then \free of the object and
 * old_layout instead of \real (its result, which a free drops, is not
 * ReallocFunc::call's).
 */
#ifdef ALLOCPROF_RS_OFF_STUBS
/* One function, its free path a local label. */
.macro ALLOCPROF_RS_KFREE_SITE name, free
	ALLOCPROF_RS_SITE_START \name, .L\name\()_off
	imull $0x9e3779b1, %esi, %r11d
	shrl $16, %r11d
	cmpw $0, allocprof_dropin_filter(,%r11,2)
	jne .Lallocprof_rs_forget_\@
	jmp .L\name\()_off
.Lallocprof_rs_forget_\@:
	FRAME_BEGIN
	call allocprof_rs_forget
	FRAME_END
.L\name\()_off:
	movq %rsi, %rdi
	movq %r8, %rsi
	movq %r9, %rdx
	jmp \free
	.size \name, . - \name
	.popsection
.endm
#else
.macro ALLOCPROF_RS_KFREE_SITE name, free
	ALLOCPROF_RS_SITE_START \name, \name\()_off
	imull $0x9e3779b1, %esi, %r11d
	shrl $16, %r11d
	cmpw $0, allocprof_dropin_filter(,%r11,2)
	jne .Lallocprof_rs_forget_\@
	jmp \name\()_off
.Lallocprof_rs_forget_\@:
	FRAME_BEGIN
	call allocprof_rs_forget
	FRAME_END
	jmp \name\()_off
	.size \name\()_on, . - \name\()_on
	.globl \name\()_off
	.hidden \name\()_off
	.type \name\()_off, @function
\name\()_off:
	movq %rsi, %rdi
	movq %r8, %rsi
	movq %r9, %rdx
	jmp \free
	.size \name\()_off, . - \name\()_off
	.popsection
.endm
#endif

/*
 * A call of a non-generic function of the kernel crate that allocates or
 * reallocates a module's object with the kernel crate's own calls of
 * ReallocFunc::call (read_all() of a KVec<u8>, a new CString: the tool's
 * table of them, KNOWN_CALLS), \real, charged to \tag: while the key is
 * off, a JMP to \real; on, the tag in the argument register after
 * \real's own arguments (ALLOCPROF_RS_TAG_\wrap, below) and a JMP to
 * allocprof's wrapper \wrap, of the same Rust signature plus the tag,
 * which calls \real and records (src/dropin/kcalls.rs).
 */
.macro ALLOCPROF_RS_KCALL_SITE name, real, wrap, tag
	ALLOCPROF_RS_SITE_START \name, ALLOCPROF_RS_OFF(\name, \real)
	ALLOCPROF_RS_TAG_\wrap \tag
	jmp \wrap
	ALLOCPROF_RS_SITE_END \name, \real
.endm

/*
 * A page the kernel crate allocated for the module freed,
 * <Page as Drop>::drop(&mut self), \real: while the key is off, a JMP to
 * \real; on, the page (the Page's one field, at (%rdi): its size is a
 * pointer's, checked at allocprof's build) forgotten first
 * (allocprof_dropin_free_page(), %rdi kept).
 */
.macro ALLOCPROF_RS_KPAGE_FREE_SITE name, real
	ALLOCPROF_RS_SITE_START \name, ALLOCPROF_RS_OFF(\name, \real)
	FRAME_BEGIN
	pushq %rdi
	movq (%rdi), %rdi
	call allocprof_dropin_free_page
	popq %rdi
	FRAME_END
	jmp \real
	ALLOCPROF_RS_SITE_END \name, \real
.endm

/*
 * A call of a function of the kernel crate's kernel::alloc, str, uaccess
 * or page that the tool's table does not know (another kernel's), \real:
 * what it does for the module is unknown, so its row, \tag, is marked
 * accurate:no when it runs (allocprof_rs_mark: every register but %rax,
 * %r10 and %r11 kept), then a JMP to \real; while the key is off, a JMP
 * to \real.
 */
.macro ALLOCPROF_RS_KMARK_SITE name, real, tag
	ALLOCPROF_RS_SITE_START \name, ALLOCPROF_RS_OFF(\name, \real)
	movq $\tag, %rax
	FRAME_BEGIN
	call allocprof_rs_mark
	FRAME_END
	jmp \real
	ALLOCPROF_RS_SITE_END \name, \real
.endm

/*
 * The tag's register of each wrapper, in rustc's ABI on x86_64: after a
 * UserSlice or UserSliceReader (a register pair), the &mut KVec<u8> and
 * the Flags of read_all(), %r8; after the sret pointer of a
 * Result<CString, _> and a fmt::Arguments (a register pair from rustc
 * 1.93, whose format_args!() makes a template and an argument pointer;
 * before, 48 bytes passed by reference), %rcx (%rdx); after the sret
 * pointer and a &CStr (a pair), %rcx; after the Flags of
 * Page::alloc_page() (its result, a pointer, in %rax), %rsi.  check_abi() of
 * src/dropin/kcalls.rs runs each at allocprof's load around a probe of
 * the wrapper's signature (allocprof is built by the kernel's rustc, as
 * its modules are).
 */
#if CONFIG_RUSTC_VERSION >= 109300
#define ALLOCPROF_RS_FMT_TAG %rcx
#else
#define ALLOCPROF_RS_FMT_TAG %rdx
#endif
.macro ALLOCPROF_RS_TAG_allocprof_rs_k_slice_read_all tag
	movq $\tag, %r8
.endm
.macro ALLOCPROF_RS_TAG_allocprof_rs_k_reader_read_all tag
	movq $\tag, %r8
.endm
.macro ALLOCPROF_RS_TAG_allocprof_rs_k_cstring_try_from_fmt tag
	movq $\tag, ALLOCPROF_RS_FMT_TAG
.endm
.macro ALLOCPROF_RS_TAG_allocprof_rs_k_cstring_try_from tag
	movq $\tag, %rcx
.endm
.macro ALLOCPROF_RS_TAG_allocprof_rs_k_to_cstring tag
	movq $\tag, %rcx
.endm
.macro ALLOCPROF_RS_TAG_allocprof_rs_k_to_ascii_lowercase tag
	movq $\tag, %rcx
.endm
.macro ALLOCPROF_RS_TAG_allocprof_rs_k_to_ascii_uppercase tag
	movq $\tag, %rcx
.endm
.macro ALLOCPROF_RS_TAG_allocprof_rs_k_page_alloc tag
	movq $\tag, %rsi
.endm

#endif /* ALLOCPROF_RS_JUMP_TABLE */

#endif /* __ASSEMBLY__ */
#endif /* _ALLOCPROF_RS_DROPIN_H */
