/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allocprof: the release of a drop-in devm tracker (src/dropin_devres.c),
 * in assembly so that it ends, by construction, in a jump to
 * module_put(): each live tracker holds a reference to allocprof, whose
 * code this is, and once that reference is dropped nothing of allocprof
 * may run (rmmod may free it).  A C function would end in a tail call only
 * where the compiler makes one, and the kernel builds with
 * -fno-optimize-sibling-calls under CONFIG_FRAME_POINTER: there it would
 * return through allocprof's code after module_put().
 *
 *	void allocprof_devm_tracker_release(struct device *dev, void *res)
 *	{
 *		allocprof_devm_tracker_forget(dev, res);
 *		module_put(THIS_MODULE);	// a jump: no return here
 *	}
 */
#include <linux/linkage.h>
#include <linux/cfi_types.h>

	.text
/* An indirect call target (devres): ENDBR, and the kCFI type of C's. */
SYM_TYPED_FUNC_START(allocprof_devm_tracker_release)
	push	%rbp
	mov	%rsp, %rbp
	call	allocprof_devm_tracker_forget
	pop	%rbp
	lea	__this_module(%rip), %rdi
	jmp	module_put
SYM_FUNC_END(allocprof_devm_tracker_release)
