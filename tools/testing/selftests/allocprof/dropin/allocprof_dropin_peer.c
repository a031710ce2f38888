// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof_dropin_peer: a second plain C module built with the drop-in
 * header, loaded and unloaded in a loop by allocprof_dropin_mttcg.sh while
 * allocprof_dropin_test allocates and frees on other CPUs: its
 * registration and unregistration (tags to the sink, a grace period, its
 * entries drained from the pointer table) meet the table's concurrent
 * inserts and removes.  Its init allocates 4 kmalloc(100), one page and
 * one vmalloc(5000); its exit frees them.
 *
 * With handoff=1 its page is handed to another module instead: its
 * address is the parameter page_addr (read only), and its exit leaves it
 * alone (allocprof_dropin.sh: allocprof_dropin_test's "free_addr" frees
 * it, with free_page(), while this module unloads).
 *
 * allocprof_dropin_peer_give() (for allocprof_dropin_rust_test's
 * foreign_grow, through symbol_get: no dependency) returns a kmalloc(64)
 * charged to this module's row, which the caller owns from then on.
 */
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static void *obj[4];
static unsigned long page;
static void *area;

static bool handoff;
module_param(handoff, bool, 0444);
MODULE_PARM_DESC(handoff, "Hand the page allocated at init to another module (page_addr): the exit does not free it");
static unsigned long page_addr;
module_param(page_addr, ulong, 0444);
MODULE_PARM_DESC(page_addr, "With handoff=1: the address of the page handed over");

static int __init peer_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(obj); i++)
		obj[i] = kmalloc(100, GFP_KERNEL);
	page = __get_free_page(GFP_KERNEL);
	if (handoff) {
		page_addr = page;
		page = 0;
	}
	area = vmalloc(5000);
	return 0;
}

static void __exit peer_exit(void)
{
	int i;

	vfree(area);
	free_page(page);
	for (i = 0; i < ARRAY_SIZE(obj); i++)
		kfree(obj[i]);
}

void *allocprof_dropin_peer_give(void);
noinline void *allocprof_dropin_peer_give(void)
{
	return kmalloc(64, GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(allocprof_dropin_peer_give);

module_init(peer_init);
module_exit(peer_exit);
MODULE_DESCRIPTION("allocprof drop-in test: a second plain C module, loaded in a loop");
MODULE_LICENSE("GPL");
