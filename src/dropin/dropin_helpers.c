// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof: the drop-in mode's one-purpose C helpers (src/dropin/hooks.rs
 * calls them): the bytes of a slab cache's object, from a mirror of the
 * private struct kmem_cache, the check of the frees key, a delayed
 * work item (DECLARE_DELAYED_WORK() is a C initializer), and the kind of a
 * Rust allocation (src/dropin/rust.rs), by the helper it goes through.
 */
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#include "allocprof_abi.h"
#include "dropin.h"

/*
 * The bytes a slab object of @s takes, what upstream charges (s->size:
 * the object with its alignment and metadata).  struct kmem_cache is
 * private to mm/ (mm/slab.h, absent from kernel header packages); its
 * first fields' layout per kernel (6.12, 7.3) below.  The mirror is checked
 * against kmem_cache_size() (s->object_size): on a mismatch the object
 * size is returned and *@exact cleared.
 */
struct allocprof_kmem_cache_head {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
	/*
	 * 7.3: the per-CPU sheaves, no lock_class_key (it was an empty
	 * struct but with lockdep: the debug kernel's check-debug found the
	 * 6.12 mirror off there, every cache row charged its object size
	 * and marked accurate:no).
	 */
	void __percpu *cpu_sheaves;
#elif !defined(CONFIG_SLUB_TINY)
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
	/* Released pages left: looked at again a second later. */
	if (allocprof_dropin_settle_pages())
		allocprof_dropin_schedule_check();
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

/*
 * The helpers of rust/helpers/ that kernel::alloc's Kmalloc, Vmalloc and
 * KVmalloc reallocate through (ReallocFunc's function; exported for Rust
 * modules, declared in no C header).  7.3's take a NUMA node and an
 * alignment and are named *_node_align (the Rust drop-in on 7.3 is issue
 * 27): here only their addresses are compared.
 */
#if ALLOCPROF_KERNEL_7_3
void *rust_helper_krealloc_node_align(const void *objp, size_t new_size, unsigned long align,
				      gfp_t flags, int node);
void *rust_helper_vrealloc_node_align(const void *p, size_t size, unsigned long align,
				      gfp_t flags, int node);
void *rust_helper_kvrealloc_node_align(const void *p, size_t size, unsigned long align,
				       gfp_t flags, int node);
#define rust_helper_krealloc rust_helper_krealloc_node_align
#define rust_helper_vrealloc rust_helper_vrealloc_node_align
#define rust_helper_kvrealloc rust_helper_kvrealloc_node_align
#else
void *rust_helper_krealloc(const void *objp, size_t new_size, gfp_t flags);
void *rust_helper_vrealloc(const void *p, size_t size, gfp_t flags);
void *rust_helper_kvrealloc(const void *p, size_t size, gfp_t flags);
#endif

/*
 * What a Rust drop-in allocation through @fn is, as include/allocprof_dropin.h
 * numbers the kinds: 1 kmalloc, 4 vmalloc, 3 kvmalloc, 0 none of them.
 * Compares addresses only: @fn is not called.
 */
unsigned int allocprof_rs_realloc_kind(const void *fn)
{
	if (fn == rust_helper_krealloc)
		return 1;
	if (fn == rust_helper_vrealloc)
		return 4;
	if (fn == rust_helper_kvrealloc)
		return 3;
	return 0;
}
