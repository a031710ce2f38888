// SPDX-License-Identifier: GPL-2.0
// expect: ok
/*
 * Built by scripts/compile-fail.sh with the drop-in header forced in,
 * never loaded: sizes and counts held in bit-fields, which the kernel's
 * own allocation macros accept (a bit-field is no __auto_type
 * initializer: the header's hooks must not declare their copies so), in
 * every hook that takes a size or a count.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

struct hdr {
	unsigned int len:12;
	unsigned int n:4;
	unsigned int order:2;
};

static void *p[24];
static void __percpu *pc;

static int __init bitfields_init(void)
{
	struct hdr h = { .len = 100, .n = 3, .order = 1 };
	static const char src[4096];

	p[0] = kmalloc(h.len, GFP_KERNEL);
	p[1] = kzalloc(h.len, GFP_KERNEL);
	p[2] = kmalloc_node(h.len, GFP_KERNEL, NUMA_NO_NODE);
	p[3] = kmalloc_array(h.n, h.len, GFP_KERNEL);
	p[4] = kcalloc(h.n, h.len, GFP_KERNEL);
	p[5] = kmalloc_array_node(h.n, h.len, GFP_KERNEL, NUMA_NO_NODE);
	p[6] = kmemdup(src, h.len, GFP_KERNEL);
	p[7] = krealloc(p[0], h.len, GFP_KERNEL);
	p[8] = krealloc_array(p[1], h.n, h.len, GFP_KERNEL);
	p[9] = kvmalloc(h.len, GFP_KERNEL);
	p[10] = kvzalloc(h.len, GFP_KERNEL);
	p[11] = kvmalloc_array(h.n, h.len, GFP_KERNEL);
	p[12] = kvcalloc(h.n, h.len, GFP_KERNEL);
	p[13] = kvrealloc(p[9], h.len, GFP_KERNEL);
	p[14] = vmalloc(h.len);
	p[15] = vzalloc(h.len);
	p[16] = vmalloc_array(h.n, h.len);
	p[17] = vcalloc(h.n, h.len);
	p[19] = alloc_pages_exact(h.len, GFP_KERNEL);
	p[20] = page_address(alloc_pages(GFP_KERNEL, h.order));
	p[21] = (void *)__get_free_pages(GFP_KERNEL, h.order);
	pc = __alloc_percpu(h.len, 8);
	return -ENODEV; /* never loaded: leaks are not a concern */
}

module_init(bitfields_init);
MODULE_DESCRIPTION("allocprof compile test: sizes in bit-fields");
MODULE_LICENSE("GPL");
