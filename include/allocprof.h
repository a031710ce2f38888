/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allocprof: the C ABI shared by allocprof's C glue, its Rust code
 * (src/api/tag.rs mirrors these structures; the glue checks the layout at
 * build time) and C client modules.
 *
 * A code tag describes one allocation call site.  It lives in the ELF section
 * "alloc_tags" of the module that contains the call site; the module
 * registers the section with allocprof, which then gives every tag its
 * per-CPU counters.  A live allocation keeps an allocprof_ref: the per-CPU
 * counters it was charged to, so that freeing it subtracts from the right
 * row even if profiling has been switched off (or on) since.
 */
#ifndef _ALLOCPROF_H
#define _ALLOCPROF_H

#include <linux/compiler.h>
#include <linux/jump_label.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "allocprof_abi.h"

/* Per-CPU counters of one call site. */
struct allocprof_counters {
	u64 bytes;	/* read as signed: a free may land on another CPU */
	u64 calls;
	/* Cumulative: charged since the last reset; frees never touch them. */
	u64 total_bytes;
	u64 total_calls;
};

/*
 * The reference a live allocation keeps (Rust: allocprof::Ref).  NULL: no
 * live charge (never seen by allocprof, or already uncharged);
 * ALLOCPROF_REF_EMPTY: allocated while profiling was off (nothing to
 * subtract); anything else: the counters it was charged to.
 */
typedef struct allocprof_counters __percpu *allocprof_ref;
#define ALLOCPROF_REF_EMPTY ((allocprof_ref)1UL)

/*
 * kmalloc_size_roundup(8 * i) for 8 * i <= KMALLOC_MAX_CACHE_SIZE (filled
 * at load).  Entries are 8 bytes: a size's entry is at byte offset
 * ALIGN(size, 8).
 */
extern u64 allocprof_kmalloc_sizes[];

/*
 * What kmalloc_size_roundup(@size) returns, without a call: the object
 * size of the kmalloc cache, or above the largest cache the power-of-two
 * number of pages a large kmalloc gets.
 */
static __always_inline size_t allocprof_kmalloc_bytes(size_t size)
{
	if (size <= KMALLOC_MAX_CACHE_SIZE)
		return allocprof_kmalloc_sizes[DIV_ROUND_UP(size, 8)];
	if (size <= KMALLOC_MAX_SIZE)
		return roundup_pow_of_two(size);
	return size;
}

/* [VMALLOC_START, VMALLOC_END], set at load (for the Rust wrappers). */
extern unsigned long allocprof_vmalloc_area[2];

/*
 * kvmalloc_node_noprof() as this kernel expands it (its arguments depend on
 * CONFIG_SLAB_BUCKETS), for Rust callers.
 */
void *allocprof_kvmalloc_node(size_t size, gfp_t flags, int node);
/* krealloc_noprof() as this kernel defines it (a macro on 7.3). */
void *allocprof_krealloc(const void *p, size_t size, gfp_t flags);
/*
 * The bytes the vmalloc area at @addr, allocated for @size bytes, maps:
 * whole pages, or 2 MiB multiples for a huge mapping.
 */
size_t allocprof_vmalloc_bytes(const void *addr, size_t size);

/* On: call sites charge their counters (vm.mem_profiling). */
DECLARE_STATIC_KEY_FALSE(allocprof_key);
/* On: debug checks run (module parameter debug=1). */
DECLARE_STATIC_KEY_FALSE(allocprof_debug_key);
/* On: charges add to the cumulative counters (sysfs "cumulative"). */
DECLARE_STATIC_KEY_FALSE(allocprof_cumulative_key);
/* The counters of tags whose module has not registered (never shown). */
DECLARE_PER_CPU(struct allocprof_counters, allocprof_sink);

/*
 * For C client modules.  A tag for this call site, in the alloc_tags
 * section of the module being built:
 *
 *	allocprof_ref ref = NULL;
 *	void *p = allocprof_kmalloc(size, GFP_KERNEL, &ref);
 *	...
 *	allocprof_kfree(p, size, &ref);
 */
#define ALLOCPROF_TAG()							\
({									\
	static struct allocprof_tag __used __section("alloc_tags")	\
		__aligned(8) _allocprof_tag = {				\
		.lineno = __LINE__,					\
		.modname = KBUILD_MODNAME,				\
		.function = __func__,					\
		.filename = __FILE__,					\
		.counters = &allocprof_sink,				\
	};								\
	&_allocprof_tag;						\
})

/* Charge @bytes and a call to @tag into *@ref (which must be NULL). */
static __always_inline void allocprof_charge(allocprof_ref *ref,
					     struct allocprof_tag *tag,
					     size_t bytes)
{
	struct allocprof_counters __percpu *c;

	if (static_branch_unlikely(&allocprof_debug_key) && *ref)
		pr_warn_once("allocprof debug: an allocation accounted twice\n");
	*ref = ALLOCPROF_REF_EMPTY;
	if (!static_branch_unlikely(&allocprof_key))
		return;
	/*
	 * From the load of the tag's counters to their update, no
	 * preemption: an unregistration swaps the tag to the sink, then
	 * synchronize_rcu() waits for this region before it frees them.
	 */
	preempt_disable_notrace();
	c = READ_ONCE(tag->counters);
	__this_cpu_add(c->bytes, bytes);
	__this_cpu_inc(c->calls);
	if (static_branch_unlikely(&allocprof_cumulative_key)) {
		__this_cpu_add(c->total_bytes, bytes);
		__this_cpu_inc(c->total_calls);
	}
	preempt_enable_notrace();
	*ref = c;
}

/*
 * Subtract what allocprof_charge() charged into *@ref, and reset *@ref to
 * NULL: the slot can be charged again, and a second uncharge is reported
 * by the debug checks as a free of something never accounted.
 */
static __always_inline void allocprof_uncharge(allocprof_ref *ref, size_t bytes)
{
	allocprof_ref c = *ref;

	*ref = NULL;
	if ((unsigned long)c > (unsigned long)ALLOCPROF_REF_EMPTY) {
		this_cpu_sub(c->bytes, bytes);
		this_cpu_dec(c->calls);
	} else if (!c && static_branch_unlikely(&allocprof_debug_key)) {
		pr_warn_once("allocprof debug: a free of something never accounted\n");
	}
}

/* kmalloc() charged to this call site; *@ref keeps the charge. */
#define allocprof_kmalloc(size, gfp, ref)				\
({									\
	size_t _s = (size);						\
	void *_p = kmalloc_noprof(_s, gfp);				\
	if (_p)								\
		allocprof_charge(ref, ALLOCPROF_TAG(),			\
				 allocprof_kmalloc_bytes(_s));		\
	_p;								\
})

/* kfree() of an allocprof_kmalloc() of @size bytes. */
static inline void allocprof_kfree(const void *p, size_t size, allocprof_ref *ref)
{
	if (!p)
		return;
	allocprof_uncharge(ref, allocprof_kmalloc_bytes(size));
	kfree(p);
}

/* Register the calling module's tags (call from its init). */
static inline int allocprof_register_this_module(void)
{
	return allocprof_register_module(THIS_MODULE, __start_alloc_tags,
					 __stop_alloc_tags);
}

#endif /* _ALLOCPROF_H */
