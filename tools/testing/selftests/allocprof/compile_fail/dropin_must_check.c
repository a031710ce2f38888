// SPDX-License-Identifier: GPL-2.0
// expect: ignoring return value of
/*
 * Built by scripts/compile-fail.sh with the drop-in header forced in, never
 * loaded: krealloc() is __must_check, and a module that ignores its value
 * is warned with the header as without it (the hook's value is a call of a
 * __must_check function, not a statement expression's, which carries no
 * attribute).  The warning is made an error here, so that the build fails
 * on it.
 */
#pragma GCC diagnostic error "-Wunused-result"

#include <linux/module.h>
#include <linux/slab.h>

static int __init must_check_init(void)
{
	void *p = kmalloc(8, GFP_KERNEL);

	krealloc(p, 16, GFP_KERNEL);
	kfree(p);
	return -ENODEV;
}

module_init(must_check_init);
MODULE_DESCRIPTION("allocprof compile test: krealloc's __must_check under the drop-in header");
MODULE_LICENSE("GPL");
