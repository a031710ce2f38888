/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allocprof: the code tag, the one structure every client compiles in.
 *
 * Only compiler built-in types and the annotations of compiler_types.h
 * (which kbuild includes first into every C file): this header is also
 * pulled in by allocprof_dropin.h, which is forced into a module's files
 * before any kernel header.  src/api/tag.rs mirrors it; src/ffi/keys.c
 * checks the layout.
 */
#ifndef _ALLOCPROF_ABI_H
#define _ALLOCPROF_ABI_H

#include "allocprof_kernel.h"

struct allocprof_counters;

/* tag->function is a callback returning the name (Rust call sites). */
#define ALLOCPROF_TAG_FUNCTION_CALLBACK	0x1u
/* The row's figures may be wrong (" accurate:no"); set by allocprof. */
#define ALLOCPROF_TAG_INACCURATE	0x2u

/* One allocation call site; 40 bytes, like upstream's struct alloc_tag. */
struct allocprof_tag {
	unsigned int flags;
	unsigned int lineno;
	const char *modname;
	union {
		const char *function;
		/* Returns the name and stores its length in *len. */
		const char *(*function_fn)(unsigned long *len);
	};
	const char *filename;
	/*
	 * &allocprof_sink until the module registers (C and Rust tags
	 * alike), then the tag's own counters until it unregisters, then
	 * &allocprof_sink again: never NULL, so a charge needs no test.
	 */
	struct allocprof_counters __percpu *counters;
} __attribute__((__aligned__(8)));

/* Register the tags [start, stop) of @mod; 0 or a negative errno. */
struct module;
int allocprof_register_module(struct module *mod, struct allocprof_tag *start,
			      struct allocprof_tag *stop);
/* Undo allocprof_register_module(); reports tags with live bytes. */
void allocprof_unregister_module(struct module *mod);

/*
 * The drop-in mode's exports (src/dropin/hooks.rs), called by allocprof_dropin.h.
 * The records and the frees return @object, so that the call site's value
 * stays in the return register on both sides of its static branch (no
 * register saved for it).  A null @object records nothing.  kmalloc and
 * objects of bytes known at the call (pages by address), the common
 * kinds, have records of their own (no dispatch on the kind), which
 * allocprof_dropin.h calls from inline asm (the callee-saved registers and
 * %rax are preserved, nothing else).
 */
unsigned long allocprof_dropin_alloc(struct allocprof_tag *tag,
				     unsigned long object, unsigned int kind,
				     unsigned long arg);
unsigned long allocprof_dropin_kmalloc(struct allocprof_tag *tag,
				       unsigned long object, unsigned long size);
/* @bytes: what @object is charged, at most 0xffffffff. */
unsigned long allocprof_dropin_bytes(struct allocprof_tag *tag,
				     unsigned long object, unsigned long bytes);
unsigned long allocprof_dropin_free(unsigned long object);
unsigned long allocprof_dropin_free_page(unsigned long page);
/*
 * Pages (src/dropin/pages.rs): allocprof makes these frees itself, as the
 * kernel's __free_pages(), free_pages() and free_pages_exact() (the charge
 * goes with the last reference); allocprof_dropin_pg_split() follows the
 * kernel's split_page() of the block.
 */
struct page;
void allocprof_dropin_pg_free(struct page *page, unsigned int order);
void allocprof_dropin_pg_free_addr(unsigned long addr, unsigned int order);
void allocprof_dropin_pg_free_exact(void *addr, unsigned long size);
void allocprof_dropin_pg_split(struct page *page, unsigned int order);
int allocprof_dropin_register(struct module *mod, struct allocprof_tag *start,
			      struct allocprof_tag *stop);
/*
 * devm_ allocations (the end of allocprof_dropin.h; src/dropin/hooks.rs).
 * @gfp is the call's gfp_t, for the tracker devres allocprof adds to
 * @dev.  allocprof_dropin_devm_alloc() records @object (profiling on) of
 * @size bytes requested, or a string (ALLOCPROF_DI_DEVM_STRLEN: a devm
 * request of 0 bytes returns ZERO_SIZE_PTR, which records nothing),
 * charged what devres allocates for it; returns @object.
 * allocprof_dropin_devm_realloc(): @old moved to @object (frees key on);
 * returns @object.  allocprof_dropin_devm_free(): the module's
 * devm_kfree(@dev, @object) is about to run (frees key on).
 */
#define ALLOCPROF_DI_DEVM_STRLEN	0
struct device;
unsigned long allocprof_dropin_devm_alloc(struct allocprof_tag *tag,
					  struct device *dev,
					  unsigned long object,
					  unsigned long size, unsigned int gfp);
unsigned long allocprof_dropin_devm_realloc(struct allocprof_tag *tag,
					    struct device *dev,
					    unsigned long old,
					    unsigned long object,
					    unsigned long size,
					    unsigned int gfp);
void allocprof_dropin_devm_free(struct device *dev, const void *object);
/*
 * Mempools (include/allocprof_dropin.h; src/dropin/dropin_mempool.c).  Creation passes the
 * call site's tag and the pool's functions: a pool of the kernel's slab,
 * kmalloc or page helpers is created with allocprof's own (profiling on
 * or off), which record its elements; the creation site is charged the
 * pool and the elements it preallocates (profiling on).
 * allocprof_dropin_mempool_alloced(): mempool_alloc() at @tag returned
 * @element (profiling on): charged there if the pool's alloc function
 * made it; returns @element.  mempool_destroy(), mempool_exit() and
 * mempool_resize() of a drop-in module are renamed to these.
 */
#if ALLOCPROF_KERNEL_7_3
/* mempool_t's struct tag: struct mempool on 7.3, struct mempool_s on 6.12. */
#define mempool_s mempool
#endif
struct mempool_s;
struct mempool_s *allocprof_dropin_mempool_create(struct allocprof_tag *tag,
						  int min_nr,
						  void *(*alloc_fn)(unsigned int, void *),
						  void (*free_fn)(void *, void *),
						  void *pool_data, unsigned int gfp,
						  int nid);
int allocprof_dropin_mempool_init(struct allocprof_tag *tag,
				  struct mempool_s *pool, int min_nr,
				  void *(*alloc_fn)(unsigned int, void *),
				  void (*free_fn)(void *, void *),
				  void *pool_data);
void *allocprof_dropin_mempool_alloced(struct allocprof_tag *tag,
				       struct mempool_s *pool, void *element);
void allocprof_dropin_mempool_destroy(struct mempool_s *pool);
void allocprof_dropin_mempool_exit(struct mempool_s *pool);
int allocprof_dropin_mempool_resize(struct mempool_s *pool, int new_min_nr);
/*
 * The pointer table's filter (src/dropin/ptr_table.rs): per 16-bit hash of an
 * address, the number of recorded objects with that hash.  A free calls
 * into allocprof only when its address's counter is not 0.
 */
extern unsigned short allocprof_dropin_filter[1 << 16];

extern struct allocprof_tag __start_alloc_tags[] __attribute__((__weak__));
extern struct allocprof_tag __stop_alloc_tags[] __attribute__((__weak__));

#endif /* _ALLOCPROF_ABI_H */
