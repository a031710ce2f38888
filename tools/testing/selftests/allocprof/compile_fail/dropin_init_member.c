// SPDX-License-Identifier: GPL-2.0
// expect: ok
/*
 * Built by scripts/compile-fail.sh with the drop-in header forced in,
 * never loaded: the header renames the module's own init function only.
 * A member named init_module, called as o->init_module(d) and set as
 * s.init_module = f (or in an initializer), is the driver's business: it
 * must compile and mean what it means in a plain build (before the fix
 * the header's function-like init_module macro rewrote the call into a
 * member allocprof_dropin_module_init that the struct does not have).
 */
#include <linux/module.h>

struct dev_ops {
	int (*init_module)(void *d);
	int init_count;
};

static int demo_init_module(void *d)
{
	return d ? 0 : -EINVAL;
}

static struct dev_ops demo_ops = { .init_module = demo_init_module };

static int call_init(struct dev_ops *o, void *d)
{
	return o->init_module(d);
}

static int __init member_init(void)
{
	struct dev_ops s;
	int d = 0;

	s.init_module = demo_init_module;
	s.init_count = 1;
	if (s.init_module != demo_ops.init_module)
		return -EINVAL;
	return call_init(&s, &d) ?: (&demo_ops)->init_module(&d);
}

static void __exit member_exit(void)
{
}

module_init(member_init);
module_exit(member_exit);
MODULE_DESCRIPTION("allocprof compile test: a member named init_module");
MODULE_LICENSE("GPL");
