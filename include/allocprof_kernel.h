/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allocprof: which of the kernels allocprof is tested on this one is, for
 * C and assembly (macros alone; Rust: kernels.mk's cfg).
 */
#ifndef _ALLOCPROF_KERNEL_H
#define _ALLOCPROF_KERNEL_H

#include <linux/version.h>	/* macros alone */

/*
 * Whether the kernel has the interfaces of 7.3 rather than 6.12's, the two
 * kernels allocprof is tested on: as kernels.mk chooses for Rust, a kernel
 * after 6.12 is built against 7.3's (Documentation/allocprof/design.rst,
 * "Kernel versions").
 */
#define ALLOCPROF_KERNEL_7_3 (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0))

#endif /* _ALLOCPROF_KERNEL_H */
