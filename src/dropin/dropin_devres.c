// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof: the devres trackers of the drop-in mode's devm_ objects (C:
 * devres' API is C's; the table's side is in src/dropin/hooks.rs).
 */
#include <linux/device/devres.h>
#include <linux/version.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "allocprof.h"
#include "dropin.h"

/*
 * devm_ allocations of drop-in modules (src/dropin/hooks.rs): a tracker
 * devres per recorded object, holding its address.  Added to the device after
 * the object, so released before it at detach (devres releases LIFO);
 * its release uncharges the object.  Each live tracker holds a reference
 * to allocprof, whose code its release is: allocprof cannot be unloaded
 * while a device holds one.
 */
unsigned int allocprof_param_test_devm_fail;
module_param_named(test_devm_fail, allocprof_param_test_devm_fail, uint, 0444);
MODULE_PARM_DESC(test_devm_fail, "Test only: the first N devm trackers cannot be allocated (default: 0)");

/* Whether this tracker allocation is one test_devm_fail makes fail. */
static bool allocprof_devm_fail_now(void)
{
	unsigned int n = READ_ONCE(allocprof_param_test_devm_fail);

	while (n) {
		unsigned int old = cmpxchg(&allocprof_param_test_devm_fail, n, n - 1);

		if (old == n)
			return true;
		n = old;
	}
	return false;
}

/*
 * A tracker's release: forgets its object, then drops the tracker's
 * reference to allocprof, as its last act: a jump to module_put(), in
 * src/dropin/dropin_devres_release.S, so that no code of allocprof runs
 * after it whatever the compiler's options.
 */
void allocprof_devm_tracker_release(struct device *dev, void *res);

void allocprof_devm_tracker_forget(struct device *dev, void *res)
{
	allocprof_dropin_devm_released(READ_ONCE(*(unsigned long *)res));
}

static int allocprof_devm_tracker_match(struct device *dev, void *res, void *data)
{
	return READ_ONCE(*(unsigned long *)res) == (unsigned long)data;
}

bool allocprof_devm_track(struct device *dev, unsigned long object, gfp_t gfp)
{
	unsigned long *tr;

	if (unlikely(allocprof_param_test_devm_fail) && allocprof_devm_fail_now())
		return false;
	tr = __devres_alloc_node(allocprof_devm_tracker_release, sizeof(*tr),
				 gfp | __GFP_NOWARN, NUMA_NO_NODE, "allocprof");
	if (!tr)
		return false;
	*tr = object;
	__module_get(THIS_MODULE);
	devres_add(dev, tr);
	return true;
}

/* Releases @object's tracker, if @dev has one (its release uncharges). */
void allocprof_devm_untrack(struct device *dev, unsigned long object)
{
	devres_release(dev, allocprof_devm_tracker_release,
		       allocprof_devm_tracker_match, (void *)object);
}

/*
 * Points @old's tracker, if @dev has one, at @object (which devres put in
 * @old's place in the list): whether it had one.
 */
bool allocprof_devm_retrack(struct device *dev, unsigned long old,
			    unsigned long object)
{
	unsigned long *tr = devres_find(dev, allocprof_devm_tracker_release,
					allocprof_devm_tracker_match, (void *)old);

	if (tr)
		WRITE_ONCE(*tr, object);
	return tr;
}

/*
 * drivers/base/devres.c's struct devres, private there: the node and the
 * data, aligned to ARCH_DMA_MINALIGN (8 on x86_64).  alloc_dr()
 * allocates kmalloc_size_roundup(sizeof(struct devres) + size), which
 * upstream's profiler charges to its kmalloc_node_track_caller() line,
 * func:alloc_dr.  Its layout differs by kernel (the one place of that
 * difference):
 * - 6.12: the node (list head, release, name, size), then the data: 40
 *   bytes in all;
 * - 7.3: the node of drivers/base/base.h (list head, its release, its
 *   free_node, name, size), then the devres's own release, then the data:
 *   56 bytes in all (the differential test against 7.3's own profiler
 *   found the 6.12 layout's figures 192 bytes short on 12 objects).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
struct allocprof_devres {
	struct {
		struct list_head entry;
		void *release;
		void *free_node;
		const char *name;
		size_t size;
	} node;
	dr_release_t release;
	u8 __aligned(ARCH_DMA_MINALIGN) data[];
};
static_assert(!IS_ENABLED(CONFIG_X86_64) || sizeof(struct allocprof_devres) == 56);
#else
struct allocprof_devres {
	struct {
		struct list_head entry;
		dr_release_t release;
		const char *name;
		size_t size;
	} node;
	u8 __aligned(ARCH_DMA_MINALIGN) data[];
};
static_assert(!IS_ENABLED(CONFIG_X86_64) || sizeof(struct allocprof_devres) == 40);
#endif

/* What devres allocates for a devm object of @size bytes. */
size_t allocprof_devres_bytes(size_t size)
{
	size_t total;

	if (check_add_overflow(sizeof(struct allocprof_devres), size, &total))
		return SIZE_MAX;
	return kmalloc_size_roundup(total);
}

EXPORT_SYMBOL_GPL(allocprof_dropin_devm_alloc);
EXPORT_SYMBOL_GPL(allocprof_dropin_devm_realloc);
EXPORT_SYMBOL_GPL(allocprof_dropin_devm_free);
