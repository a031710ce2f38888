// SPDX-License-Identifier: GPL-2.0
// expect: ok
/*
 * Built by scripts/compile-fail.sh with the drop-in header forced in,
 * never loaded: alloc_hooks() of a name the header has no hook for (a
 * driver's own, as lib/slub_kunit.c writes, or one a later kernel adds)
 * passes through, unrecorded, instead of failing to build.
 */
#include <linux/alloc_tag.h>
#include <linux/module.h>
#include <linux/slab.h>

static void *driver_alloc_noprof(size_t size, gfp_t gfp)
{
	return kmalloc_noprof(size, gfp);
}
#define driver_alloc(...)	alloc_hooks(driver_alloc_noprof(__VA_ARGS__))

/* A name that is itself a macro, as some _noprof names of the kernel are. */
#define driver_zalloc_noprof(size)	driver_alloc_noprof(size, GFP_KERNEL | __GFP_ZERO)
#define driver_zalloc(...)	alloc_hooks(driver_zalloc_noprof(__VA_ARGS__))

static int __init unknown_hook_init(void)
{
	void *a = driver_alloc(32, GFP_KERNEL);
	void *b = driver_zalloc(64);

	kfree(a);
	kfree(b);
	return -ENODEV;
}

module_init(unknown_hook_init);
MODULE_DESCRIPTION("allocprof compile test: alloc_hooks() of unknown names");
MODULE_LICENSE("GPL");
