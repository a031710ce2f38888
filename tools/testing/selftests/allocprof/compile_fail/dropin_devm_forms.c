// SPDX-License-Identifier: GPL-2.0
// expect: ok
/*
 * Built by scripts/compile-fail.sh with the drop-in header forced in, never
 * loaded: the forms a driver's devm_ calls take must compile, without a
 * warning, with the header's devm_ macros, and the driver's pr_fmt, defined
 * before its first include, must not clash with anything the header
 * included (<linux/device/devres.h> does not pull in printk.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

/* The name alone is the function (a function-like macro needs a '('). */
static void (*free_fn)(struct device *, const void *) = devm_kfree;

/* A void function returning devm_kfree()'s void value. */
static void forms_free(struct device *dev, void *p)
{
	return devm_kfree(dev, p);
}

static int forms_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	char *s = devm_kasprintf(dev, GFP_KERNEL, "no arguments");
	const char *c = devm_kstrdup_const(dev, s, GFP_KERNEL);
	u32 *a = devm_kcalloc(dev, 2, sizeof(*a), GFP_KERNEL);
	void *p = devm_kzalloc(dev, 4 * sizeof(*a), GFP_KERNEL | __GFP_NOWARN);
	const u8 *m = devm_kmemdup_array(dev, a, 2, sizeof(*a), GFP_KERNEL);

	if (!s || !c || !a || !p || !m)
		return -ENOMEM;
	a = devm_krealloc_array(dev, a, 4, sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	pr_info("%s %s %u\n", s, c, m[0]);
	devm_kfree(dev, c), devm_kfree(dev, s);
	forms_free(dev, p);
	free_fn(dev, a);
	return 0;
}

static struct platform_driver forms_driver = {
	.probe = forms_probe,
	.driver = { .name = "allocprof_devm_forms" },
};
module_platform_driver(forms_driver);
MODULE_DESCRIPTION("allocprof: devm_ call forms under the drop-in header (built, never loaded)");
MODULE_LICENSE("GPL");
