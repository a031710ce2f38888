// SPDX-License-Identifier: GPL-2.0
// expect: detected write beyond size of object
// needs: CONFIG_FORTIFY_SOURCE
/*
 * Built by scripts/compile-fail.sh with the drop-in header forced in,
 * never loaded: a heap overflow that FORTIFY_SOURCE stops at compile time
 * in a plain build (a strcpy() of 32 bytes into a kmalloc(16): an error;
 * a memset() would only warn, of the field) must stop the build with the
 * header too.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static int __init fortify_init(void)
{
	char *p = kmalloc(16, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	strcpy(p, "thirty-one characters and a NUL");
	kfree(p);
	return -ENODEV;
}

module_init(fortify_init);
MODULE_DESCRIPTION("allocprof compile test: FORTIFY_SOURCE sees drop-in allocations");
MODULE_LICENSE("GPL");
