// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof's one-purpose C helpers: each wraps a kernel macro or inline
 * function that the Rust bindings cannot call, or a kernfs or procfs
 * detail Rust should not touch (each below says why).  Their Rust faces
 * are in src/ffi/ (helpers.rs, pcpu.rs, sysfs.rs); some are exported to
 * client modules, whose inline code calls them.
 */
#include <linux/build_bug.h>
#include <linux/delay.h>
#include <linux/jump_label.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>
#include <linux/vmalloc.h>
#include <linux/jiffies.h>
#include <linux/cpumask.h>
#include <asm/pgtable_types.h>

#include "allocprof.h"
#include "glue.h"

/*
 * [VMALLOC_START, VMALLOC_END]: set at load (with KASLR the start is
 * vmalloc_base, chosen at boot; the end depends on the paging levels), so
 * that the Rust wrappers tell a vmalloc address from a slab one inline, as
 * is_vmalloc_addr() does, without calling it.
 */
unsigned long allocprof_vmalloc_area[2];
EXPORT_SYMBOL_GPL(allocprof_vmalloc_area);

void allocprof_vmalloc_area_init(void)
{
	WRITE_ONCE(allocprof_vmalloc_area[0], VMALLOC_START);
	WRITE_ONCE(allocprof_vmalloc_area[1], VMALLOC_END);
}

/*
 * Sums the two u64 fields at @offset of per-CPU counters over every
 * possible CPU (for_each_possible_cpu() and per_cpu_ptr() are macros).
 * Racy reads of whole words, like upstream's alloc_tag_read().
 */
static void allocprof_sum_pair(const struct allocprof_counters __percpu *c,
			       size_t offset, u64 *first, u64 *second)
{
	u64 a = 0, b = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const u64 *p = (const void *)per_cpu_ptr(c, cpu) + offset;

		a += READ_ONCE(p[0]);
		b += READ_ONCE(p[1]);
	}
	*first = a;
	*second = b;
}

/* The live bytes and allocations of @c, summed. */
void allocprof_counters_sum(const struct allocprof_counters __percpu *c,
			    s64 *bytes, s64 *calls)
{
	allocprof_sum_pair(c, offsetof(struct allocprof_counters, bytes),
			   (u64 *)bytes, (u64 *)calls);
}

/* The cumulative counters of @c, summed. */
void allocprof_counters_sum_totals(const struct allocprof_counters __percpu *c,
				   u64 *bytes, u64 *calls)
{
	allocprof_sum_pair(c, offsetof(struct allocprof_counters, total_bytes),
			   bytes, calls);
}

/*
 * Zeroes the cumulative counters of @c on every possible CPU.  A charge
 * running on another CPU at that instant updates its CPU's totals with a
 * non-atomic read-modify-write (this_cpu_add()): it may survive the reset
 * or be lost with it, and it may undo the reset of that one CPU's word
 * (then what was counted there before the reset survives too).
 */
void allocprof_counters_reset_totals(struct allocprof_counters __percpu *c)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct allocprof_counters *p = per_cpu_ptr(c, cpu);

		WRITE_ONCE(p->total_bytes, 0);
		WRITE_ONCE(p->total_calls, 0);
	}
}

/*
 * Whether @path exists under /proc, looked up in a private mount of procfs
 * rather than through the caller's mounts (an insmod in a container
 * without /proc, or with something else mounted there, sees the same).
 * 1 if it exists, 0 if not, or a negative errno if it cannot be told.
 */
int allocprof_proc_exists(const char *path)
{
	struct file_system_type *proc = get_fs_type("proc");
	struct vfsmount *mnt;
	struct path p;
	int err;

	if (!proc)
		return -ENOENT;
	/* procfs is built in: get_fs_type() took no module reference. */
	mnt = kern_mount(proc);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	err = vfs_path_lookup(mnt->mnt_root, mnt, path, 0, &p);
	if (!err)
		path_put(&p);
	kern_unmount(mnt);
	if (err == -ENOENT)
		return 0;
	return err ? err : 1;
}

/* num_possible_cpus() is a macro. */
unsigned int allocprof_possible_cpus(void)
{
	return num_possible_cpus();
}

/* mdelay(): a busy wait, for a test hook in atomic context. */
void allocprof_mdelay(unsigned int ms)
{
	mdelay(ms);
}

/* msleep(), where sleeping is allowed at all (a test hook). */
void allocprof_test_msleep(unsigned int ms)
{
	if (!in_interrupt() && !irqs_disabled())
		msleep(ms);
}

/* jiffies_to_msecs() of a difference of jiffies. */
unsigned int allocprof_jiffies_to_msecs(unsigned long j)
{
	return jiffies_to_msecs(j);
}

/*
 * Whether allocprof's exit is running: its state is MODULE_STATE_GOING
 * (set before the exit function is called), when no module holds a
 * reference on allocprof, so no client is loaded.
 */
bool allocprof_exiting(void)
{
	return READ_ONCE(THIS_MODULE->state) == MODULE_STATE_GOING;
}

/*
 * Whether the OOM report may print now: once every 5 s (one OOM kill calls
 * out_of_memory(), and the notifier, several times).  __ratelimit() is a
 * macro; it only try-locks, never sleeps.
 */
bool allocprof_oom_ratelimit(void)
{
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 1);

	return __ratelimit(&rs);
}

/* cond_resched() is a macro. */
void allocprof_cond_resched(void)
{
	cond_resched();
}

/*
 * kvmalloc_node_noprof() is a macro whose expansion depends on
 * CONFIG_SLAB_BUCKETS (__kvmalloc_node_noprof() takes a bucket argument
 * there); this is the kernel's own expansion.  Exported for clients.
 */
void *allocprof_kvmalloc_node(size_t size, gfp_t flags, int node)
{
	return kvmalloc_node_noprof(size, flags, node);
}
EXPORT_SYMBOL_GPL(allocprof_kvmalloc_node);

/*
 * krealloc_noprof() as this kernel defines it: a function on 6.12, a
 * macro over krealloc_node_align_noprof() on 7.3 (whose arguments depend
 * on CONFIG_KMALLOC_PARTITION_CACHES).  Exported for clients (KBuf's
 * realloc()).
 */
void *allocprof_krealloc(const void *p, size_t size, gfp_t flags)
{
	return krealloc_noprof(p, size, flags);
}
EXPORT_SYMBOL_GPL(allocprof_krealloc);

/*
 * The bytes a vmalloc area maps for a request of @size bytes at @addr:
 * 2 MiB multiples when vmalloc mapped it with PMDs (kvmalloc asks for huge
 * mappings from 2 MiB per node on), whole pages otherwise.  find_vm_area()
 * is not exported; the mapping level of the area's first page tells the
 * same, as the whole area is mapped with one page size.
 */
size_t allocprof_vmalloc_bytes(const void *addr, size_t size)
{
#ifdef CONFIG_X86
	unsigned int level;

	if (lookup_address((unsigned long)addr, &level) && level == PG_LEVEL_2M)
		return ALIGN(size, PMD_SIZE);
#endif
	return PAGE_ALIGN(size);
}
EXPORT_SYMBOL_GPL(allocprof_vmalloc_bytes);

/*
 * Creates @attr in @kobj with the kernfs operations @attr->private points
 * at in place of sysfs's (a 6.12 bin_attribute has no open/release;
 * src/ffi/sysfs.rs), and no reader can open it before they are: @attr's
 * mode is 0, which sysfs' extra open check
 * (KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK) refuses to every opener, root
 * included; then the operations and KERNFS_HAS_RELEASE are set as
 * __kernfs_create_file() (not exported) would have; then the mode becomes
 * @mode.  An open needs the permission check, which reads the mode under
 * the lock that sysfs_chmod_file() takes after the operations are set.
 * Sleeps @delay_ms between the creation and the operations (a test hook,
 * test_delay_ms, for the test that races an open with the setup).
 */
int allocprof_create_file(struct kobject *kobj, const struct bin_attribute *attr,
			  umode_t mode, unsigned int delay_ms)
{
	const struct kernfs_ops *ops = attr->private;
	struct kernfs_node *kn;
	int ret;

	if (WARN_ON_ONCE(attr->attr.mode || !ops))
		return -EINVAL;
	ret = sysfs_create_bin_file(kobj, attr);
	if (ret)
		return ret;
	if (delay_ms)
		msleep(delay_ms);
	kn = kernfs_find_and_get(kobj->sd, attr->attr.name);
	if (!kn) {
		ret = -ENOENT;
		goto remove;
	}
	kn->attr.ops = ops;
	kn->flags |= KERNFS_HAS_RELEASE;
	kernfs_put(kn);
	ret = sysfs_chmod_file(kobj, &attr->attr, mode);
	if (!ret)
		return 0;
remove:
	sysfs_remove_bin_file(kobj, attr);
	return ret;
}

#ifndef CONFIG_X86_64
/* The counter update for architectures without the Rust inline version. */
void allocprof_this_cpu_add(u64 __percpu *pcp, u64 val)
{
	this_cpu_add(*pcp, val);
}
EXPORT_SYMBOL_GPL(allocprof_this_cpu_add);

#ifdef CONFIG_PREEMPTION
void allocprof_preempt_disable(void)
{
	preempt_disable_notrace();
}
EXPORT_SYMBOL_GPL(allocprof_preempt_disable);

void allocprof_preempt_enable(void)
{
	preempt_enable_notrace();
}
EXPORT_SYMBOL_GPL(allocprof_preempt_enable);
#endif
#endif
