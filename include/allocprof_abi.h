/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allocprof: the code tag, the one structure every client compiles in.
 *
 * Only compiler built-in types and the annotations of compiler_types.h
 * (which kbuild includes first into every C file): this header is also
 * pulled in by allocprof_dropin.h, which is forced into a module's files
 * before any kernel header.  src/api/tag.rs mirrors it; src/glue.c
 * checks the layout.
 */
#ifndef _ALLOCPROF_ABI_H
#define _ALLOCPROF_ABI_H

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

extern struct allocprof_tag __start_alloc_tags[] __attribute__((__weak__));
extern struct allocprof_tag __stop_alloc_tags[] __attribute__((__weak__));

#endif /* _ALLOCPROF_ABI_H */
