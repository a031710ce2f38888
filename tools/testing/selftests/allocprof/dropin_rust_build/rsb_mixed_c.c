// SPDX-License-Identifier: GPL-2.0
/*
 * The C file of the composite module allocprof_rsb_mixed, called by its
 * Rust crate (rsb_mixed_main.rs): one kmalloc of 200 bytes, kept until the
 * module goes, at the line it logs.
 */
#include <linux/printk.h>
#include <linux/slab.h>

int rsb_mixed_c_alloc(void);
void rsb_mixed_c_free(void);

static void *rsb_mixed_obj;

int rsb_mixed_c_alloc(void)
{
	rsb_mixed_obj = kmalloc(200, GFP_KERNEL);
	pr_info("allocprof_rsb_mixed: lines: c=%d\n", __LINE__ - 1);
	return rsb_mixed_obj ? 0 : -1;
}

void rsb_mixed_c_free(void)
{
	kfree(rsb_mixed_obj);
}
