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

#include <linux/types.h>
#include <linux/compiler.h>

/* Per-CPU counters of one call site. */
struct allocprof_counters {
	u64 bytes;	/* read as signed: a free may land on another CPU */
	u64 calls;
};

/* tag->function is a callback returning the name (Rust call sites). */
#define ALLOCPROF_TAG_FUNCTION_CALLBACK	0x1u

/* One allocation call site; 40 bytes, like upstream's struct alloc_tag. */
struct allocprof_tag {
	u32 flags;
	u32 lineno;
	const char *modname;
	union {
		const char *function;
		/* Returns the name and stores its length in *len. */
		const char *(*function_fn)(size_t *len);
	};
	const char *filename;
	/* Set by allocprof when the module registers; NULL before. */
	struct allocprof_counters __percpu *counters;
} __aligned(8);

/*
 * The reference a live allocation keeps.  NULL: never seen by allocprof;
 * ALLOCPROF_REF_EMPTY: allocated while profiling was off (nothing to
 * subtract); anything else: the counters it was charged to.
 */
typedef struct allocprof_counters __percpu *allocprof_ref;
#define ALLOCPROF_REF_EMPTY ((allocprof_ref)1UL)

/* Register the tags [start, stop) of @mod; 0 or a negative errno. */
int allocprof_register_module(struct module *mod, struct allocprof_tag *start,
			      struct allocprof_tag *stop);
/* Undo allocprof_register_module(); reports tags with live bytes. */
void allocprof_unregister_module(struct module *mod);

#endif /* _ALLOCPROF_H */
