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
#include <linux/version.h>
#include <linux/vmalloc.h>

#define SIZE_IS(expr, size)						\
	({								\
		void *__p = (expr);					\
		BUILD_BUG_ON(__builtin_object_size(__p, 0) != (size));	\
		__p;							\
	})

static void *p[24];

#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
struct obj73 { char b[100]; };
struct flex73 { u32 n; u64 x[]; };
#endif

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
	p[12] = SIZE_IS(devm_kcalloc(dev, 4, 6, GFP_KERNEL), 24);
	p[13] = SIZE_IS(devm_krealloc(dev, p[9], 90, GFP_KERNEL), 90);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
	/* 7.3's entry points: the sizes the kernel computes. */
	p[14] = SIZE_IS(kmalloc_obj(struct obj73, GFP_KERNEL), 100);
	p[15] = SIZE_IS(kzalloc_objs(struct obj73, 3, GFP_KERNEL), 300);
	p[16] = SIZE_IS(kmalloc_flex(struct flex73, x, 5, GFP_KERNEL), 48);
	p[17] = SIZE_IS(kvmalloc_objs(struct obj73, 2, GFP_KERNEL), 200);
	p[18] = SIZE_IS(krealloc_node_align(p[1], 120, 16, GFP_KERNEL, NUMA_NO_NODE), 120);
	p[19] = SIZE_IS(kvrealloc_node_align(p[6], 300, 1, GFP_KERNEL, NUMA_NO_NODE), 300);
	p[20] = SIZE_IS(vrealloc_node_align(p[7], 9000, 1, GFP_KERNEL, NUMA_NO_NODE), 9000);
	p[21] = SIZE_IS(kmalloc_array_node(3, 8, GFP_KERNEL, NUMA_NO_NODE), 24);
#endif
	return 0;
}

static int __init object_size_init(void)
{
	return object_size_probe(NULL) ?: -ENODEV;
}

module_init(object_size_init);
MODULE_DESCRIPTION("allocprof compile test: allocation sizes stay known");
MODULE_LICENSE("GPL");
