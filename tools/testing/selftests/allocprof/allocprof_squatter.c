// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof_squatter: registers a vm.mem_profiling of its own, as a kernel
 * built with CONFIG_MEM_ALLOC_PROFILING has, so that the kselftests can
 * check that allocprof then refuses to load.
 */
#include <linux/module.h>
#include <linux/sysctl.h>

static int value;
static struct ctl_table_header *header;

static struct ctl_table table[] = {
	{
		.procname = "mem_profiling",
		.data = &value,
		.maxlen = sizeof(value),
		.mode = 0644,
		.proc_handler = proc_dointvec,
	},
};

static int __init squatter_init(void)
{
	header = register_sysctl("vm", table);
	return header ? 0 : -ENOMEM;
}

static void __exit squatter_exit(void)
{
	unregister_sysctl_table(header);
}

module_init(squatter_init);
module_exit(squatter_exit);
MODULE_DESCRIPTION("Occupies vm.mem_profiling for the allocprof kselftests");
MODULE_LICENSE("GPL");
