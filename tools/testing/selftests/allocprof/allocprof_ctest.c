// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof_ctest: a C client of allocprof, through include/allocprof.h.
 * At load it makes @count kmalloc allocations of @size bytes at one call
 * site (row func:allocprof_ctest_fill) and holds them until unload.  With
 * @double_charge it charges the first allocation's reference a second
 * time (a debug check reports it; the extra charge is then undone).
 * With @no_unregister its exit frees its allocations but forgets to
 * unregister; with @fail_init its init fails after registering, freeing
 * its allocations but not unregistering (allocprof unregisters both when
 * the module goes).  With @unbounded it registers null section bounds,
 * which allocprof refuses (ENOEXEC): what a module for 7.3 linked
 * without alloc_tags.lds passes.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "allocprof.h"

static unsigned int count = 4;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "Allocations to hold (at most 1000)");
static unsigned int size = 100;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "Bytes per allocation (1 to 65536)");
static bool double_charge;
module_param(double_charge, bool, 0444);
MODULE_PARM_DESC(double_charge, "Charge one reference twice (debug check)");

static bool no_unregister;
module_param(no_unregister, bool, 0444);
MODULE_PARM_DESC(no_unregister, "Exit without unregistering");
static bool fail_init;
module_param(fail_init, bool, 0444);
MODULE_PARM_DESC(fail_init, "Fail init after registering, without unregistering");
static bool unbounded;
module_param(unbounded, bool, 0444);
MODULE_PARM_DESC(unbounded, "Register null section bounds, as a module for 7.3 linked without alloc_tags.lds");

struct held {
	void *p;
	allocprof_ref ref;
};
static struct held *held;

static noinline int allocprof_ctest_fill(void)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		held[i].p = allocprof_kmalloc(size, GFP_KERNEL, &held[i].ref);
		if (!held[i].p)
			return -ENOMEM;
	}
	return 0;
}

static void allocprof_ctest_free(void)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		allocprof_kfree(held[i].p, size, &held[i].ref);
}

static int __init allocprof_ctest_init(void)
{
	int ret;

	if (count > 1000 || !size || size > 65536)
		return -EINVAL;
	held = kcalloc(count, sizeof(*held), GFP_KERNEL);
	if (!held)
		return -ENOMEM;
	if (unbounded)
		ret = allocprof_register_module(THIS_MODULE, NULL, NULL);
	else
		ret = allocprof_register_this_module();
	if (ret)
		goto out_free;
	ret = allocprof_ctest_fill();
	if (ret)
		goto out_unregister;
	if (double_charge && count) {
		allocprof_ref extra = held[0].ref;

		allocprof_charge(&extra, ALLOCPROF_TAG(), 1);
		allocprof_uncharge(&extra, 1);
	}
	if (fail_init) {
		allocprof_ctest_free();
		kfree(held);
		return -EINVAL;
	}
	return 0;

out_unregister:
	allocprof_ctest_free();
	allocprof_unregister_module(THIS_MODULE);
out_free:
	kfree(held);
	return ret;
}

static void __exit allocprof_ctest_exit(void)
{
	allocprof_ctest_free();
	if (!no_unregister)
		allocprof_unregister_module(THIS_MODULE);
	kfree(held);
}

module_init(allocprof_ctest_init);
module_exit(allocprof_ctest_exit);
MODULE_DESCRIPTION("allocprof kselftest client written in C");
MODULE_LICENSE("GPL");
