// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof_bench_c: the raw loops of `make bench` in C, so that on a
 * kernel with CONFIG_MEM_ALLOC_PROFILING the kernel's own hooks apply
 * (kmalloc() and alloc_pages() are its tagged macros there).  Built
 * against both test kernels; needs no allocprof.
 *
 * Writing `NAME ITERATIONS` to /sys/kernel/allocprof_bench_c/run runs
 * NAME (kmalloc, pages0, pages3, kvmalloc; the loop bodies of
 * allocprof_bench's *_raw) and logs `allocprof_bench_c: NAME ops=N ns=T`.
 *
 * Writing 1 to /sys/kernel/allocprof_bench_c/hold allocates one
 * kmalloc(64) at a call site of its own (hold_store) and keeps it; 0 frees
 * it.  `make bench` reads that site's row of /proc/allocinfo around it to
 * prove the state a loop ran in: charged with upstream's profiling on,
 * not charged off (its loops free everything they allocate, so their own
 * rows read 0 0 after a run either way).  A file of its own: run_store,
 * into which the compiler inlines the loops, is left as it was.
 */
#include <linux/gfp.h>
#include <linux/kobject.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

static struct kobject *kobj;

static unsigned long bench_kmalloc(unsigned long iters)
{
	unsigned long i, s;

	void *p;

	for (i = 0; i < iters; i++)
		for (s = 8; s <= 240; s += 8) {
			p = kmalloc(s, GFP_KERNEL);
			if (p)
				kfree(p);
		}
	return iters * 30;
}

static unsigned long bench_pages(unsigned long iters, unsigned int order)
{
	unsigned long i, a;

	for (i = 0; i < iters; i++) {
		a = __get_free_pages(GFP_KERNEL, order);
		if (a)
			free_pages(a, order);
	}
	return iters;
}

static unsigned long bench_kvmalloc(unsigned long iters)
{
	unsigned long i;

	void *p;

	for (i = 0; i < iters; i++) {
		p = kvmalloc(64, GFP_KERNEL);
		if (p)
			kvfree(p);
		p = kvmalloc(8192, GFP_KERNEL);
		if (p)
			kvfree(p);
	}
	return iters * 2;
}

static ssize_t run_store(struct kobject *k, struct kobj_attribute *a,
			 const char *buf, size_t count)
{
	char name[16];
	unsigned long iters, ops;
	u64 start;

	if (sscanf(buf, "%15s %lu", name, &iters) != 2 || !iters || iters > 100000000)
		return -EINVAL;
	start = ktime_get_ns();
	if (!strcmp(name, "kmalloc"))
		ops = bench_kmalloc(iters);
	else if (!strcmp(name, "pages0"))
		ops = bench_pages(iters, 0);
	else if (!strcmp(name, "pages3"))
		ops = bench_pages(iters, 3);
	else if (!strcmp(name, "kvmalloc"))
		ops = bench_kvmalloc(iters);
	else
		return -EINVAL;
	pr_info("%s ops=%lu ns=%llu\n", name, ops, ktime_get_ns() - start);
	return count;
}

static struct kobj_attribute run_attr = __ATTR_WO(run);

static void *held;

static ssize_t hold_store(struct kobject *k, struct kobj_attribute *a,
			  const char *buf, size_t count)
{
	bool on;

	if (kstrtobool(buf, &on))
		return -EINVAL;
	if (on && !held) {
		held = kmalloc(64, GFP_KERNEL);
		if (!held)
			return -ENOMEM;
	} else if (!on) {
		kfree(held);
		held = NULL;
	}
	return count;
}

static struct kobj_attribute hold_attr = __ATTR_WO(hold);

static int __init bench_init(void)
{
	int ret;

	kobj = kobject_create_and_add("allocprof_bench_c", kernel_kobj);
	if (!kobj)
		return -ENOMEM;
	ret = sysfs_create_file(kobj, &run_attr.attr);
	if (!ret)
		ret = sysfs_create_file(kobj, &hold_attr.attr);
	if (ret)
		kobject_put(kobj);
	return ret;
}

static void __exit bench_exit(void)
{
	kobject_put(kobj);
	kfree(held);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("allocprof benchmark: raw allocation loops in C");
MODULE_LICENSE("GPL");
