// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof_dropin_cmdline: a plain C module whose Kbuild says nothing of
 * allocprof: the drop-in header comes from make's command line
 * (KCFLAGS="-include .../allocprof_dropin.h", the top-level Makefile's
 * `modules`), so that kbuild forces it into every C file of the build,
 * the generated allocprof_dropin_cmdline.mod.c included.  Its init
 * allocates 200 bytes (a row of 256 bytes, 1 call, func:cmdline_init),
 * held until unload.
 */
#include <linux/module.h>
#include <linux/slab.h>

static void *buf;

static int __init cmdline_init(void)
{
	buf = kmalloc(200, GFP_KERNEL);
	return buf ? 0 : -ENOMEM;
}

static void __exit cmdline_exit(void)
{
	kfree(buf);
}

module_init(cmdline_init);
module_exit(cmdline_exit);
MODULE_DESCRIPTION("allocprof drop-in test: the header given on make's command line");
MODULE_LICENSE("GPL");
