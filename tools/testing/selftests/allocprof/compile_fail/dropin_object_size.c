// SPDX-License-Identifier: GPL-2.0
// expect: ok
/*
 * Built by scripts/compile-fail.sh with the drop-in header forced in,
 * never loaded: the compiler still knows the size of what an allocation
 * returns (its __alloc_size), which FORTIFY_SOURCE and the compiler's
 * overflow warnings check, exactly as in a plain build.  Each
 * BUILD_BUG_ON() stops the build if __builtin_object_size() does not
 * fold to the requested size (it is (size_t)-1 when the size is lost).
 */
#include <linux/build_bug.h>
#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#define SIZE_IS(expr, size)						\
	({								\
		void *__p = (expr);					\
		BUILD_BUG_ON(__builtin_object_size(__p, 0) != (size));	\
		__p;							\
	})

static void *p[16];

static noinline int object_size_probe(struct device *dev)
{
	static const char src[64];

	p[0] = SIZE_IS(kmalloc(64, GFP_KERNEL), 64);
	p[1] = SIZE_IS(kzalloc(48, GFP_KERNEL), 48);
	p[2] = SIZE_IS(kmalloc_array(4, 16, GFP_KERNEL), 64);
	p[3] = SIZE_IS(kcalloc(3, 10, GFP_KERNEL), 30);
	p[4] = SIZE_IS(kmemdup(src, 40, GFP_KERNEL), 40);
	p[5] = SIZE_IS(krealloc(p[0], 100, GFP_KERNEL), 100);
	p[6] = SIZE_IS(kvmalloc(200, GFP_KERNEL), 200);
	p[7] = SIZE_IS(vmalloc(5000), 5000);
	p[8] = SIZE_IS(kmalloc_node(24, GFP_KERNEL, NUMA_NO_NODE), 24);
	p[9] = SIZE_IS(devm_kmalloc(dev, 72, GFP_KERNEL), 72);
	p[10] = SIZE_IS(devm_kzalloc(dev, 80, GFP_KERNEL), 80);
	p[11] = SIZE_IS(alloc_pages_exact(8192, GFP_KERNEL), 8192);
	return 0;
}

static int __init object_size_init(void)
{
	return object_size_probe(NULL) ?: -ENODEV;
}

module_init(object_size_init);
MODULE_DESCRIPTION("allocprof compile test: allocation sizes stay known");
MODULE_LICENSE("GPL");
