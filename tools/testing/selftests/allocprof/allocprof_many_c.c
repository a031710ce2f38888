// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof_many_c: 2,000 distinct kmalloc() call sites in C, for
 * `make bench`'s read cost of upstream's /proc/allocinfo per row: built
 * plainly against the kernel with CONFIG_MEM_ALLOC_PROFILING, where each
 * kmalloc() is a tag of the module's alloc_tags section, a row of
 * /proc/allocinfo (allocprof_many's 10,000 tags are the peer on allocprof's
 * side).  2,000 because Linux 6.12 keeps a module's tag counters in its
 * per-CPU section (16 bytes a tag), which one allocation of at most 32 KiB
 * (PCPU_MIN_UNIT_SIZE) must hold: a module of 10,000 tags is refused
 * ("illegal size (160000) or align (8) for percpu allocation").  The
 * sites allocate nothing unless loaded with alloc=1: the module parameter
 * keeps the compiler from dropping them.  Built by scripts/bench.sh for
 * that kernel only (not by this directory's Kbuild).
 */
#include <linux/module.h>
#include <linux/slab.h>

static bool alloc;
module_param(alloc, bool, 0444);
MODULE_PARM_DESC(alloc, "run every call site once at load (kmalloc(8) and kfree)");

#define SITE					\
	do {					\
		if (alloc)			\
			kfree(kmalloc(8, GFP_KERNEL)); \
		n++;				\
	} while (0)
#define SITES10 SITE; SITE; SITE; SITE; SITE; SITE; SITE; SITE; SITE; SITE
#define SITES100 SITES10; SITES10; SITES10; SITES10; SITES10; \
	SITES10; SITES10; SITES10; SITES10; SITES10
#define SITES1000 SITES100; SITES100; SITES100; SITES100; SITES100; \
	SITES100; SITES100; SITES100; SITES100; SITES100

/* 1,000 call sites a function, two functions. */
#define SITES_FN(name)				\
	static noinline int name(void)		\
	{					\
		int n = 0;			\
						\
		SITES1000;			\
		return n;			\
	}
SITES_FN(sites0) SITES_FN(sites1)

static int __init many_init(void)
{
	int n = sites0() + sites1();

	pr_info("%d call sites\n", n);
	return 0;
}

static void __exit many_exit(void)
{
}

module_init(many_init);
module_exit(many_exit);
MODULE_DESCRIPTION("allocprof benchmark: 2,000 kmalloc call sites in C");
MODULE_LICENSE("GPL");
