// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof C glue: only what Rust cannot express in this kernel.
 *
 * - the static key (DEFINE_STATIC_KEY_FALSE is a C initializer macro);
 * - module parameters (the 6.12 Rust module! macro has none);
 * - symbol exports for client modules (EXPORT_SYMBOL is a C macro);
 * - build-time checks that src/api/tag.rs matches include/allocprof.h;
 * - one-purpose helpers around kernel macros and inline functions that
 *   Rust cannot call (each below says why).
 */
#include <linux/build_bug.h>
#include <linux/delay.h>
#include <linux/jump_label.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/mutex.h>
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
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <linux/jiffies.h>
#include <linux/cpumask.h>
#include <asm/pgtable_types.h>

#include "allocprof.h"
#include "glue.h"

#ifndef CONFIG_JUMP_LABEL
#error "allocprof needs CONFIG_JUMP_LABEL: its call sites are static branches"
#endif

#ifdef CONFIG_MEM_ALLOC_PROFILING
#error "this kernel has its own allocation profiler (CONFIG_MEM_ALLOC_PROFILING): it owns vm.mem_profiling and parses every module's alloc_tags section"
#endif

/* On: call sites charge their counters.  Flipped by vm.mem_profiling. */
DEFINE_STATIC_KEY_FALSE(allocprof_key);
EXPORT_SYMBOL_GPL(allocprof_key);

/*
 * On: frees of drop-in modules look their objects up in the pointer table
 * (src/dropin.rs says when).
 */
DEFINE_STATIC_KEY_FALSE(allocprof_dropin_key);
EXPORT_SYMBOL_GPL(allocprof_dropin_key);

/* On: the debug checks of the charge and free paths run. */
DEFINE_STATIC_KEY_FALSE(allocprof_debug_key);
EXPORT_SYMBOL_GPL(allocprof_debug_key);

/*
 * On: charges also add to the cumulative counters (total_bytes,
 * total_calls).  Tested only inside allocprof_key's branch.  Flipped by
 * /sys/kernel/allocprof/cumulative.
 */
DEFINE_STATIC_KEY_FALSE(allocprof_cumulative_key);
EXPORT_SYMBOL_GPL(allocprof_cumulative_key);

/*
 * The counters of every tag whose module has not registered (yet): a
 * charge needs no NULL test, and this row is never shown.
 */
DEFINE_PER_CPU(struct allocprof_counters, allocprof_sink);
EXPORT_PER_CPU_SYMBOL_GPL(allocprof_sink);

bool allocprof_param_enabled = true;
module_param_named(enabled, allocprof_param_enabled, bool, 0444);
MODULE_PARM_DESC(enabled, "Profile from load on (default: 1)");

bool allocprof_param_debug;
module_param_named(debug, allocprof_param_debug, bool, 0444);
MODULE_PARM_DESC(debug, "Debug checks on, vm.mem_profiling read-only (default: 0)");

/* Test hook (kselftests only): milliseconds to sleep inside setup windows. */
unsigned int allocprof_param_test_delay_ms;
module_param_named(test_delay_ms, allocprof_param_test_delay_ms, uint, 0444);
MODULE_PARM_DESC(test_delay_ms, "Test only: widen setup race windows by this many ms (default: 0)");

/*
 * The drop-in pointer table's filter (src/ptr_table.rs): per 16-bit hash
 * of an address, how many recorded objects have it.  Tested inline by
 * include/allocprof_dropin.h before a free calls into allocprof.
 */
u16 allocprof_dropin_filter[1 << 16];
EXPORT_SYMBOL_GPL(allocprof_dropin_filter);

/*
 * Test hook: milliseconds a drop-in record on its general path (every kind
 * but kmalloc and pages by address, e.g. vmalloc) busy-waits inside its
 * non-preemptible region before storing its object.
 */
unsigned int allocprof_param_test_record_delay_ms;
module_param_named(test_record_delay_ms, allocprof_param_test_record_delay_ms, uint, 0444);
MODULE_PARM_DESC(test_record_delay_ms, "Test only: delay a drop-in record (general path) by this many ms before it stores its object (default: 0)");

/*
 * Test hook: milliseconds a drop-in record on its general path sleeps
 * before its non-preemptible region (in process context only), as a task
 * preempted between its call site's branch and allocprof would.
 */
unsigned int allocprof_param_test_realloc_sleep_ms;
module_param_named(test_realloc_sleep_ms, allocprof_param_test_realloc_sleep_ms, uint, 0444);
MODULE_PARM_DESC(test_realloc_sleep_ms, "Test only: a Rust drop-in reallocation that moved (process context) sleeps this many ms before it records (default: 0)");

unsigned int allocprof_param_test_record_sleep_ms;
module_param_named(test_record_sleep_ms, allocprof_param_test_record_sleep_ms, uint, 0444);
MODULE_PARM_DESC(test_record_sleep_ms, "Test only: a drop-in record (general path, process context) sleeps this many ms before it enters allocprof's non-preemptible region (default: 0)");

unsigned int allocprof_param_dropin_slots = 65536;
module_param_named(dropin_slots, allocprof_param_dropin_slots, uint, 0444);
MODULE_PARM_DESC(dropin_slots, "Objects the drop-in pointer table can hold (rounded up to a power of two; default: 65536)");
/*
 * Test hook: milliseconds to sleep before creating a per-module view (with
 * the registry locked) and before removing one (unlocked).
 */
unsigned int allocprof_param_test_view_delay_ms;
module_param_named(test_view_delay_ms, allocprof_param_test_view_delay_ms, uint, 0444);
MODULE_PARM_DESC(test_view_delay_ms, "Test only: delay the creation and the removal of a per-module view by this many ms (default: 0)");

EXPORT_SYMBOL_GPL(allocprof_register_module);
EXPORT_SYMBOL_GPL(allocprof_dropin_register);
EXPORT_SYMBOL_GPL(allocprof_dropin_alloc);
EXPORT_SYMBOL_GPL(allocprof_dropin_kmalloc);
EXPORT_SYMBOL_GPL(allocprof_dropin_bytes);
EXPORT_SYMBOL_GPL(allocprof_dropin_free);
EXPORT_SYMBOL_GPL(allocprof_dropin_free_page);
EXPORT_SYMBOL_GPL(allocprof_dropin_pg_free);
EXPORT_SYMBOL_GPL(allocprof_dropin_pg_free_addr);
EXPORT_SYMBOL_GPL(allocprof_dropin_pg_free_exact);
EXPORT_SYMBOL_GPL(allocprof_dropin_pg_split);
EXPORT_SYMBOL_GPL(allocprof_unregister_module);
EXPORT_SYMBOL_GPL(allocprof_kmalloc_sizes);

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
	allocprof_vmalloc_area[0] = VMALLOC_START;
	allocprof_vmalloc_area[1] = VMALLOC_END;
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
 * The bytes a slab object of @s takes, what upstream charges (s->size:
 * the object with its alignment and metadata).  struct kmem_cache is
 * private to mm/ (mm/slab.h, absent from kernel header packages); its
 * first fields have kept this layout through 6.x.  The mirror is checked
 * against kmem_cache_size() (s->object_size): on a mismatch the object
 * size is returned and *@exact cleared.
 */
struct allocprof_kmem_cache_head {
#ifndef CONFIG_SLUB_TINY
	void __percpu *cpu_slab;
	struct lock_class_key lock_key;
#endif
	slab_flags_t flags;
	unsigned long min_partial;
	unsigned int size;
	unsigned int object_size;
};

unsigned int allocprof_cache_bytes(struct kmem_cache *s, bool *exact)
{
	const struct allocprof_kmem_cache_head *h = (const void *)s;
	unsigned int object = kmem_cache_size(s);

	*exact = h->object_size == object && h->size >= object;
	return *exact ? h->size : object;
}

/*
 * The drop-in key check, a second from now, in process context (it may
 * sleep): while profiling is off and objects are recorded, it looks once
 * a second whether the table is empty (no free looks).
 */
static void allocprof_dropin_check_fn(struct work_struct *work)
{
	allocprof_dropin_check_keys();
}
static DECLARE_DELAYED_WORK(allocprof_dropin_check, allocprof_dropin_check_fn);

void allocprof_dropin_schedule_check(void)
{
	schedule_delayed_work(&allocprof_dropin_check, HZ);
}

void allocprof_dropin_flush_check(void)
{
	cancel_delayed_work_sync(&allocprof_dropin_check);
}

/* Serializes the switching of the drop-in frees key. */
static DEFINE_MUTEX(allocprof_dropin_keys);

void allocprof_dropin_keys_lock(void)
{
	mutex_lock(&allocprof_dropin_keys);
}

void allocprof_dropin_keys_unlock(void)
{
	mutex_unlock(&allocprof_dropin_keys);
}

/* mutex_init() is a macro (it defines the lock class). */
void allocprof_mutex_init(struct mutex *m)
{
	mutex_init(m);
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
 * Creates @attr in @kobj with the kernfs operations @ops in place of
 * sysfs's (a 6.12 bin_attribute has no open/release), and no reader can
 * open it before they are: the file is created with mode 0, which sysfs'
 * extra open check (KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK) refuses to every
 * opener, root included; then @ops and KERNFS_HAS_RELEASE are set as
 * __kernfs_create_file() (not exported) would have; then the mode becomes
 * @mode.  An open needs the permission check, which reads the mode under
 * the lock that sysfs_chmod_file() takes after the operations are set.
 */
static int create_file(struct kobject *kobj, struct bin_attribute *attr,
		       const struct kernfs_ops *ops, umode_t mode,
		       unsigned int delay_ms)
{
	struct kernfs_node *kn;
	int ret;

	attr->attr.mode = 0;
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

int allocprof_create_file(struct kobject *kobj, struct bin_attribute *attr,
			  const struct kernfs_ops *ops, umode_t mode)
{
	return create_file(kobj, attr, ops, mode, allocprof_param_test_delay_ms);
}

/*
 * allocprof_create_file() for the per-module views, without the test
 * delay (test_delay_ms races the main file's setup only).
 */
int allocprof_create_view_file(struct kobject *kobj, struct bin_attribute *attr,
			       const struct kernfs_ops *ops, umode_t mode)
{
	return create_file(kobj, attr, ops, mode, 0);
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

/* The Rust mirror (src/api/tag.rs) relies on exactly this layout. */
static_assert(sizeof(struct allocprof_counters) == 32);
static_assert(offsetof(struct allocprof_counters, calls) == 8);
static_assert(offsetof(struct allocprof_counters, total_bytes) == 16);
static_assert(offsetof(struct allocprof_counters, total_calls) == 24);
static_assert(sizeof(struct allocprof_tag) == 40);
static_assert(offsetof(struct allocprof_tag, lineno) == 4);
static_assert(offsetof(struct allocprof_tag, modname) == 8);
static_assert(offsetof(struct allocprof_tag, function) == 16);
static_assert(offsetof(struct allocprof_tag, filename) == 24);
static_assert(offsetof(struct allocprof_tag, counters) == 32);
