// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof: the mempools of drop-in modules (C: the pool's alloc and free
 * functions are C callbacks of mm/mempool.c; the table's side is in
 * src/dropin/hooks.rs).
 */
#include <linux/jump_label.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "allocprof.h"
#include "dropin.h"

/*
 * Mempools of drop-in modules (include/allocprof_dropin.h calls these
 * exports out of line; the table's side is in src/dropin/hooks.rs).  A pool
 * whose alloc and free functions are the kernel's slab, kmalloc or page
 * helpers is created with allocprof's own functions and a wrapper (its
 * pool_data) holding the originals: an element made by the pool's alloc
 * function is recorded charged to allocprof_mempool_pending (counters:
 * the sink), then re-charged to the site upstream charges: the creation
 * site (the elements it preallocates) or the mempool_alloc() that made
 * it.  An element of the reserve is not pending: mempool_alloc() leaves
 * it where it is.  The free function forgets an element.  mempool_resize()'s
 * new elements are charged to nobody (allocprof_mempool_nobody), as
 * upstream charges them to no row of the module.  Other pools (the
 * module's own functions, or kvmalloc, which upstream charges to
 * mm/mempool.c's kvmalloc() line) are not wrapped.
 */
/* Kinds, as include/allocprof_dropin.h numbers them. */
#define ALLOCPROF_MP_KMALLOC	1
#define ALLOCPROF_MP_CACHE	2
#define ALLOCPROF_MP_PAGE	5

struct allocprof_mempool {
	mempool_alloc_t *alloc;
	mempool_free_t *free;
	void *pool_data;
	unsigned int kind;
	/* An element the table could not hold: rows may miss it. */
	bool lost;
};

/* The tags of elements not charged to a row (in allocprof's memory). */
static struct allocprof_tag allocprof_mempool_pending = {
	.modname = "allocprof", .function = "mempool pending",
	.filename = __FILE__, .lineno = __LINE__,
	.counters = (void *)&allocprof_sink,
};
static struct allocprof_tag allocprof_mempool_nobody = {
	.modname = "allocprof", .function = "mempool nobody",
	.filename = __FILE__, .lineno = __LINE__,
	.counters = (void *)&allocprof_sink,
};

static void *allocprof_mempool_alloc(gfp_t gfp, void *data)
{
	struct allocprof_mempool *w = data;
	void *e = w->alloc(gfp, w->pool_data);

	if (static_branch_unlikely(&allocprof_key) && e &&
	    allocprof_dropin_mempool_made(&allocprof_mempool_pending,
					  (unsigned long)e, w->kind,
					  (unsigned long)w->pool_data))
		WRITE_ONCE(w->lost, true);
	return e;
}

static void allocprof_mempool_free(void *e, void *data)
{
	struct allocprof_mempool *w = data;

	if (static_branch_unlikely(&allocprof_dropin_key)) {
		if (w->kind == ALLOCPROF_MP_PAGE)
			allocprof_dropin_free_page((unsigned long)e);
		else
			allocprof_dropin_free((unsigned long)e);
	}
	w->free(e, w->pool_data);
}

/* The wrapper of @pool, if allocprof wrapped it. */
static struct allocprof_mempool *allocprof_mempool_of(mempool_t *pool)
{
	return pool->alloc == allocprof_mempool_alloc ? pool->pool_data : NULL;
}

/* A wrapper for a pool of the core helpers (NULL: not wrapped). */
static struct allocprof_mempool *
allocprof_mempool_wrap(mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
		       void *pool_data, gfp_t gfp)
{
	struct allocprof_mempool *w;
	unsigned int kind;

	if (alloc_fn == mempool_alloc_slab && free_fn == mempool_free_slab)
		kind = ALLOCPROF_MP_CACHE;
	else if (alloc_fn == mempool_kmalloc && free_fn == mempool_kfree)
		kind = ALLOCPROF_MP_KMALLOC;
	else if (alloc_fn == mempool_alloc_pages && free_fn == mempool_free_pages)
		kind = ALLOCPROF_MP_PAGE;
	else
		return NULL;
	w = kmalloc(sizeof(*w), gfp);
	if (w)
		*w = (struct allocprof_mempool){ alloc_fn, free_fn, pool_data, kind, false };
	return w;
}

/* Re-charges the reserve of @pool (wrapped by @w) from pending to @to. */
static void allocprof_mempool_recharge_reserve(mempool_t *pool,
					       struct allocprof_mempool *w,
					       const struct allocprof_tag *to,
					       bool to_sink)
{
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	for (int i = 0; i < pool->curr_nr; i++)
		allocprof_dropin_mempool_recharge(&allocprof_mempool_pending, to,
						  (unsigned long)pool->elements[i],
						  w->kind == ALLOCPROF_MP_PAGE,
						  to_sink, READ_ONCE(w->lost));
	spin_unlock_irqrestore(&pool->lock, flags);
}

/* Puts back the original functions of @pool and frees its wrapper. */
static void allocprof_mempool_unwrap(mempool_t *pool, struct allocprof_mempool *w)
{
	pool->alloc = w->alloc;
	pool->free = w->free;
	pool->pool_data = w->pool_data;
	kfree(w);
}

mempool_t *allocprof_dropin_mempool_create(struct allocprof_tag *tag, int min_nr,
					   mempool_alloc_t *alloc_fn,
					   mempool_free_t *free_fn,
					   void *pool_data, gfp_t gfp, int nid)
{
	struct allocprof_mempool *w = allocprof_mempool_wrap(alloc_fn, free_fn,
							     pool_data, gfp);
	mempool_t *pool;

	if (!w)
		pool = mempool_create_node_noprof(min_nr, alloc_fn, free_fn,
						  pool_data, gfp, nid);
	else
		pool = mempool_create_node_noprof(min_nr, allocprof_mempool_alloc,
						  allocprof_mempool_free, w, gfp,
						  nid);
	if (!pool) {
		kfree(w);
		return NULL;
	}
	if (static_branch_unlikely(&allocprof_key)) {
		/* The pool itself, kmalloc_node_noprof() at the caller's tag. */
		allocprof_dropin_kmalloc(tag, (unsigned long)pool, sizeof(*pool));
		if (w)
			allocprof_mempool_recharge_reserve(pool, w, tag, false);
	}
	return pool;
}
EXPORT_SYMBOL_GPL(allocprof_dropin_mempool_create);

int allocprof_dropin_mempool_init(struct allocprof_tag *tag, mempool_t *pool,
				  int min_nr, mempool_alloc_t *alloc_fn,
				  mempool_free_t *free_fn, void *pool_data)
{
	struct allocprof_mempool *w = allocprof_mempool_wrap(alloc_fn, free_fn,
							     pool_data, GFP_KERNEL);
	int ret;

	if (!w)
		return mempool_init_noprof(pool, min_nr, alloc_fn, free_fn,
					   pool_data);
	ret = mempool_init_noprof(pool, min_nr, allocprof_mempool_alloc,
				  allocprof_mempool_free, w);
	if (ret) {
		allocprof_mempool_unwrap(pool, w);
		return ret;
	}
	if (static_branch_unlikely(&allocprof_key))
		allocprof_mempool_recharge_reserve(pool, w, tag, false);
	return 0;
}
EXPORT_SYMBOL_GPL(allocprof_dropin_mempool_init);

void *allocprof_dropin_mempool_alloced(struct allocprof_tag *tag,
				       mempool_t *pool, void *element)
{
	struct allocprof_mempool *w = allocprof_mempool_of(pool);

	if (w)
		allocprof_dropin_mempool_recharge(&allocprof_mempool_pending, tag,
						  (unsigned long)element,
						  w->kind == ALLOCPROF_MP_PAGE,
						  false, READ_ONCE(w->lost));
	return element;
}
EXPORT_SYMBOL_GPL(allocprof_dropin_mempool_alloced);

void allocprof_dropin_mempool_destroy(mempool_t *pool)
{
	struct allocprof_mempool *w;

	if (!pool)
		return;
	w = allocprof_mempool_of(pool);
	allocprof_dropin_free((unsigned long)pool);
	mempool_destroy(pool);
	kfree(w);
}
EXPORT_SYMBOL_GPL(allocprof_dropin_mempool_destroy);

void allocprof_dropin_mempool_exit(mempool_t *pool)
{
	struct allocprof_mempool *w = allocprof_mempool_of(pool);

	mempool_exit(pool);
	if (w)
		allocprof_mempool_unwrap(pool, w);
}
EXPORT_SYMBOL_GPL(allocprof_dropin_mempool_exit);

int allocprof_dropin_mempool_resize(mempool_t *pool, int new_min_nr)
{
	struct allocprof_mempool *w = allocprof_mempool_of(pool);
	int ret = mempool_resize(pool, new_min_nr);

	/* Its new elements: charged to no row of the module, as upstream. */
	if (w)
		allocprof_mempool_recharge_reserve(pool, w,
						   &allocprof_mempool_nobody, true);
	return ret;
}
EXPORT_SYMBOL_GPL(allocprof_dropin_mempool_resize);
