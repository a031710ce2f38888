/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allocprof drop-in: profiles an unmodified C module.  Forced into every
 * C file of the module, before any kernel header, by one Kbuild line:
 *
 *	ccflags-y += -include /path/to/allocprof/include/allocprof_dropin.h
 *
 * (build with KBUILD_EXTRA_SYMBOLS=/path/to/allocprof/Module.symvers).
 *
 * At that point no kernel header but kbuild's own forced ones is in
 * (MODULE and KBUILD_MODNAME are defined: the compiler reads -D options
 * before -include ones; THIS_MODULE is not), and a driver may still
 * #define pr_fmt: so this header includes no kernel header that reaches
 * printk.h (only devres.h, at its end).  It defines macros, which expand
 * at their use in the module's code, and inline functions of compiler
 * built-in types only.  See Documentation/allocprof/dropin.rst.
 *
 * - Allocations: every allocation API of 6.12 and 7.3 is a macro around
 *   alloc_hooks(X_noprof(...)).  This header takes the place of
 *   <linux/alloc_tag.h> (whose non-profiling content it provides) and
 *   defines alloc_hooks() to dispatch on X: allocprof_dropin_hook_X_noprof
 *   allocates through X_noprof and, when profiling is on, records the
 *   object in allocprof's pointer table, charged to a tag of this call
 *   site in the module's alloc_tags section.
 * - Frees: each free function (kfree, vfree, free_pages, ...) is renamed
 *   to an inline function of this header, so that the kernel header's own
 *   declaration of it declares that function; it finds and uncharges the
 *   object (a static branch: a NOP while nothing can be tracked), then
 *   frees it through the real symbol.
 * - Registration: init_module() becomes a wrapper that registers the
 *   module's tags before the module's own init runs; allocprof
 *   unregisters them when the module goes (its module notifier).
 * - devm_ helpers: function-like macros of their names, defined after
 *   <linux/device/devres.h> has declared them, at the end.
 */
#ifndef _ALLOCPROF_DROPIN_H
#define _ALLOCPROF_DROPIN_H

#ifndef __ASSEMBLY__

#ifdef CONFIG_MEM_ALLOC_PROFILING
#error "this kernel has its own allocation profiler (CONFIG_MEM_ALLOC_PROFILING): allocprof's drop-in mode is not for it"
#endif
#ifndef __x86_64__
#error "allocprof's drop-in mode is x86_64 only (its static branches are x86 asm)"
#endif
#include "allocprof_kernel.h"
/*
 * The kernels the C drop-in is tested on (kernels.mk's
 * allocprof_dropin_kernels): 6.12 and 7.3.  Their allocation entry points
 * differ (7.3: kmalloc tokens, kmalloc_nolock, the _node_align forms,
 * sheaves, kvfree_call_rcu's struct kvfree_rcu_head): each difference is
 * in the one section "Kernel versions" below, keyed by
 * ALLOCPROF_DI_KERNEL.  A build against any other kernel stops here
 * rather than hooking its entry points wrongly.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define ALLOCPROF_DI_KERNEL	612
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(7, 4, 0)
#define ALLOCPROF_DI_KERNEL	703
#else
#error "allocprof's C drop-in is tested on Linux 6.12 7.3 only (kernels.mk's allocprof_dropin_kernels); this kernel's allocation API may differ: build the module without the drop-in, or against 7.3"
#endif

#include "allocprof_abi.h"

/* What an allocation is, for allocprof_dropin_alloc()'s @arg. */
#define ALLOCPROF_DI_KMALLOC	1	/* arg: requested size */
#define ALLOCPROF_DI_CACHE	2	/* arg: struct kmem_cache * */
#define ALLOCPROF_DI_KVMALLOC	3	/* arg: requested size */
#define ALLOCPROF_DI_VMALLOC	4	/* arg: requested size */
#define ALLOCPROF_DI_PAGE	5	/* object: struct page *; arg: order */
#define ALLOCPROF_DI_PAGEADDR	6	/* object: its address; arg: order */
#define ALLOCPROF_DI_EXACT	7	/* arg: requested size (whole pages) */
#define ALLOCPROF_DI_PERCPU	8	/* arg: size per CPU */

/* Frees, for allocprof_di_forget(): the object is an address, or a page. */
#define ALLOCPROF_DI_FREE_ADDR	0
#define ALLOCPROF_DI_FREE_PAGE	1

struct page;
struct folio;
struct kmem_cache;
struct callback_head;

/* Where an unregistered tag's counters point (src/ffi/keys.c). */
extern struct allocprof_counters __percpu allocprof_sink
	__attribute__((__section__(".data..percpu")));

/*
 * A static branch on one of allocprof's keys (x86's arch_static_branch()
 * with a literal NOP5): the NOP becomes a jump when the key is enabled.
 */
#define ALLOCPROF_DI_BRANCH(key)					\
	asm goto("1: .byte 0x0f,0x1f,0x44,0x00,0x00\n\t"		\
		 ".pushsection __jump_table, \"aw\"\n\t"		\
		 ".balign 8\n\t"					\
		 ".long 1b - .\n\t"					\
		 ".long %l[yes] - .\n\t"				\
		 ".quad " #key " - .\n\t"				\
		 ".popsection\n\t" : : : : yes)

/* Profiling on (vm.mem_profiling): allocations are recorded. */
static __attribute__((__always_inline__)) inline _Bool allocprof_di_on(void)
{
	ALLOCPROF_DI_BRANCH(allocprof_key);
	return 0;
yes:
	return 1;
}

/* Something may be recorded: frees must look. */
static __attribute__((__always_inline__)) inline _Bool allocprof_di_frees_on(void)
{
	ALLOCPROF_DI_BRANCH(allocprof_dropin_key);
	return 0;
yes:
	return 1;
}

/*
 * Whether a free of the address @object must look it up: the frees key is
 * on and the filter counter of @object is not 0.  One asm block: a JMP
 * past the test while the key is off (the "likely" form of a static
 * branch, x86's arch_static_branch_jump() with the branch bit set in the
 * key's entry), patched into a NOP when the key is on; the test is the
 * multiply, shift and compare of src/dropin/ptr_table.rs's filter_of().  The
 * JMP's target is a label of the asm, not of C: the compiler gives it no
 * ENDBR, which every pass through would execute.  %r11 is the scratch
 * (call-clobbered: a free function's call follows anyway); the "m"
 * operand tells the compiler that the filter is read.
 */
static __attribute__((__always_inline__)) inline _Bool
allocprof_di_must_look(unsigned long object)
{
	asm goto("1: jmp 2f\n\t"
		 "imul $0x9e3779b1, %k0, %%r11d\n\t"
		 "shr $16, %%r11d\n\t"
		 "cmpw $0, allocprof_dropin_filter(,%%r11,2)\n\t"
		 "jne %l[look]\n"
		 "2:\n\t"
		 ".pushsection __jump_table, \"aw\"\n\t"
		 ".balign 8\n\t"
		 ".long 1b - .\n\t"
		 ".long 2b - .\n\t"
		 ".quad allocprof_dropin_key + 1 - .\n\t"
		 ".popsection\n\t"
		 : : "r" (object),
		     "m" (*(const unsigned short (*)[1 << 16])allocprof_dropin_filter)
		 : "cc", "r11" : look);
	return 0;
look:
	return 1;
}

/*
 * What a free does first: uncharge @object if the table may hold it.
 * Returns @object, which the caller passes on to the real free function.
 * A page's key (its address) is computed by allocprof: a free of a
 * struct page calls whenever the frees key is on.
 */
static __attribute__((__always_inline__)) inline unsigned long
allocprof_di_forget(unsigned long object, unsigned int kind)
{
	if (kind == ALLOCPROF_DI_FREE_ADDR) {
		if (__builtin_expect(allocprof_di_must_look(object), 0))
			object = allocprof_dropin_free(object);
	} else if (__builtin_expect(allocprof_di_frees_on(), 0)) {
		object = allocprof_dropin_free_page(object);
	}
	return object;
}

/*
 * The stack pointer, for the frame constraint of the asm blocks that call:
 * the kernel's own ASM_CALL_CONSTRAINT variable, declared here as
 * <asm/asm.h> declares it (6.12 and 7.3), which declares it again later:
 * the same declaration twice, where a second global register variable of
 * %rsp would make GCC warn ("register of 'current_stack_pointer' used for
 * multiple global register variables").
 */
register unsigned long current_stack_pointer __asm__("rsp");

/*
 * An asm block that makes @call (setting up arguments and calling a
 * record function of allocprof, which returns @object in %rax again)
 * when profiling is on: one instruction when it is off.  Like the free's
 * filter test, a JMP past the call in the "likely" form of a static
 * branch (allocprof_key + 1), patched into a NOP when the key is on, and
 * a target inside the asm: no ENDBR, no jump back.  The record functions
 * preserve what the C ABI lets a callee clobber, so the clobbers are the
 * caller-saved registers; the object (the allocation's return value) is
 * in %rax already, an input only: the record functions return it there,
 * unchanged, so that the compiler keeps the allocation's own value, and
 * what it knows of it (the object size of __alloc_size, which
 * FORTIFY_SOURCE and -Wstringop-overflow check), on both sides.
 */
#define ALLOCPROF_DI_RECORD_ASM(call, ...)				\
	asm volatile("1: jmp 2f\n\t"					\
		     call						\
		     "2:\n\t"						\
		     ".pushsection __jump_table, \"aw\"\n\t"		\
		     ".balign 8\n\t"					\
		     ".long 1b - .\n\t"					\
		     ".long 2b - .\n\t"					\
		     ".quad allocprof_key + 1 - .\n\t"			\
		     ".popsection"					\
		     : "+r" (current_stack_pointer)			\
		     : "a" (object), __VA_ARGS__			\
		     : "rdi", "rsi", "rdx", "rcx", "r8", "r9", "r10",	\
		       "r11", "memory", "cc")

/*
 * Records @object, of @kind, charged to @tag (when profiling is on).
 * kmalloc, and whole pages by address (their bytes, 4096 << order, below
 * 4 GiB: the call sites assert that the page allocator's largest order is
 * below 20), have records of their own.
 */
static __attribute__((__always_inline__)) inline void
allocprof_di_record(struct allocprof_tag *tag, unsigned long object,
		    unsigned int kind, unsigned long arg)
{
	if (kind == ALLOCPROF_DI_KMALLOC)
		ALLOCPROF_DI_RECORD_ASM("mov %[t], %%rdi\n\t"
					"mov %%rax, %%rsi\n\t"
					"mov %[a], %%rdx\n\t"
					"call allocprof_dropin_kmalloc\n",
					[t] "i" (tag), [a] "ri" (arg));
	else if (kind == ALLOCPROF_DI_PAGEADDR && __builtin_constant_p(arg))
		ALLOCPROF_DI_RECORD_ASM("mov %[t], %%rdi\n\t"
					"mov %%rax, %%rsi\n\t"
					"mov %[a], %%edx\n\t"
					"call allocprof_dropin_bytes\n",
					[t] "i" (tag), [a] "i" (4096UL << arg));
	else if (kind == ALLOCPROF_DI_PAGEADDR)
		/* 4096 << order, computed only when profiling is on. */
		ALLOCPROF_DI_RECORD_ASM("mov %[t], %%rdi\n\t"
					"mov %%rax, %%rsi\n\t"
					"mov %k[a], %%ecx\n\t"
					"mov $4096, %%edx\n\t"
					"shl %%cl, %%rdx\n\t"
					"call allocprof_dropin_bytes\n",
					[t] "i" (tag), [a] "r" ((unsigned int)arg));
	else
		ALLOCPROF_DI_RECORD_ASM("mov %[t], %%rdi\n\t"
					"mov %%rax, %%rsi\n\t"
					"mov %[k], %%edx\n\t"
					"mov %[a], %%rcx\n\t"
					"call allocprof_dropin_alloc\n",
					[t] "i" (tag), [k] "i" (kind),
					[a] "ri" (arg));
}

/* The tag of this call site. */
#define ALLOCPROF_DI_TAG()						\
({									\
	static struct allocprof_tag __attribute__((__used__,		\
		__section__("alloc_tags"), __aligned__(8))) __ap_tag = {\
		.lineno = __LINE__,					\
		.modname = KBUILD_MODNAME,				\
		.function = __func__,					\
		.filename = __FILE__,					\
		.counters = &allocprof_sink,				\
	};								\
	&__ap_tag;							\
})

/*
 * Records what @_call returns (when profiling is on); its value, as the
 * call returned it (the record does not hide it from the compiler).
 */
#define ALLOCPROF_DI_ALLOC(_call, _kind, _arg)				\
({									\
	__auto_type __ap_p = (_call);					\
	allocprof_di_record(ALLOCPROF_DI_TAG(),				\
			    (__force unsigned long)__ap_p,		\
			    (_kind), (unsigned long)(_arg));		\
	__ap_p;								\
})

/*
 * A reallocation of @_old to @_s bytes: @_old is forgotten if the object
 * moved, or was freed (a size of 0: kvrealloc() and vrealloc() then free
 * it and return NULL; krealloc() returns ZERO_SIZE_PTR), and the new one
 * recorded.  A NULL of a size that is not 0 is a failure: @_old lives on.
 */
#define ALLOCPROF_DI_REALLOC(_old, _call, _kind, _s)			\
({									\
	const void *__ap_old = (_old);					\
	__auto_type __ap_q = (_call);					\
	if ((const void *)__ap_q != __ap_old) {				\
		if (__ap_q || !(_s))					\
			allocprof_di_forget((__force unsigned long)__ap_old, \
					    ALLOCPROF_DI_FREE_ADDR);	\
		if (__ap_q)						\
			allocprof_di_record(ALLOCPROF_DI_TAG(),		\
					    (__force unsigned long)__ap_q, \
					    (_kind), (unsigned long)(_s)); \
	}								\
	__ap_q;								\
})

/*
 * The value of an entry point the kernel declares __must_check (krealloc,
 * krealloc_array, vrealloc, devm_krealloc): a call of a function of that
 * attribute, as the hook's whole expression, so that a module ignoring it
 * is warned, as in a plain build (the value of a statement expression
 * carries no attribute).  The object size of the value is kept.
 */
static __attribute__((__always_inline__, __warn_unused_result__)) inline void *
allocprof_di_must_check(void *p)
{
	return p;
}

/*
 * alloc_hooks(X_noprof(args)) becomes allocprof_dropin_hook_X_noprof(args),
 * pasted from X_noprof as written, not from its expansion (some _noprof
 * names are macros themselves).  In `, ## __VA_ARGS__` the arguments are
 * an operand of ## and so are not expanded.  A name without a hook
 * (ALLOCPROF_DI_K_<name> below is not defined for it) passes through
 * unrecorded, as does an argument that starts with '('
 * (mempool_alloc_noreserve(): a call through a pool's function pointer),
 * which cannot be pasted.
 */
#define ALLOCPROF_DI_CAT(a, b)		a ## b
#define ALLOCPROF_DI_SECOND(a, b, ...)	b
#define ALLOCPROF_DI_CHECK(...)		ALLOCPROF_DI_SECOND(__VA_ARGS__, 0, )
#define ALLOCPROF_DI_PAREN_PROBE(...)	~, 1,
#define ALLOCPROF_DI_IS_PAREN(...)	ALLOCPROF_DI_CHECK(ALLOCPROF_DI_PAREN_PROBE __VA_ARGS__)
#define ALLOCPROF_DI_SEL(c, z, ...)	ALLOCPROF_DI_CAT(ALLOCPROF_DI_SEL_, c)(z, ## __VA_ARGS__)
#define ALLOCPROF_DI_SEL_0(z, ...)					\
	ALLOCPROF_DI_SEL_K(ALLOCPROF_DI_CHECK(ALLOCPROF_DI_K_ ## __VA_ARGS__), z, ## __VA_ARGS__)
#define ALLOCPROF_DI_SEL_1(z, ...)	(__VA_ARGS__)
#define ALLOCPROF_DI_SEL_K(c, z, ...)	ALLOCPROF_DI_CAT(ALLOCPROF_DI_SEL_K_, c)(z, ## __VA_ARGS__)
#define ALLOCPROF_DI_SEL_K_1(z, ...)	allocprof_dropin_hook_ ## __VA_ARGS__
#define ALLOCPROF_DI_SEL_K_0(z, ...)	(__VA_ARGS__)

/* What <linux/alloc_tag.h> defines without CONFIG_MEM_ALLOC_PROFILING. */
#define _LINUX_ALLOC_TAG_H
#define DEFINE_ALLOC_TAG(_alloc_tag)
#define mem_alloc_profiling_enabled()			0
#define mem_alloc_profiling_permanently_disabled()	1
#define alloc_tag_add(ref, tag, bytes)			do { } while (0)
#define alloc_tag_sub(ref, bytes)			do { } while (0)
#define alloc_tag_record(p)				do { } while (0)
#define alloc_hooks_tag(_tag, _do_alloc)		(_do_alloc)
#define alloc_hooks(...)						\
	ALLOCPROF_DI_SEL(ALLOCPROF_DI_IS_PAREN(__VA_ARGS__), 0, ## __VA_ARGS__)

/*
 * Recorded allocations.  Arguments are evaluated once, in their order,
 * before the call.
 */
#define ALLOCPROF_DI_SIZED(fn, kind, _s, ...)				\
({									\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_ALLOC(fn(__ap_s, ##__VA_ARGS__), kind, __ap_s);	\
})
#define ALLOCPROF_DI_ARRAY(fn, kind, _n, _s, ...)			\
({									\
	__SIZE_TYPE__ __ap_n = (_n);					\
	__SIZE_TYPE__ __ap_s = (_s);					\
	unsigned long __ap_b;						\
	if (__builtin_mul_overflow(__ap_n, __ap_s, &__ap_b))		\
		__ap_b = ~0UL;						\
	ALLOCPROF_DI_ALLOC(fn(__ap_n, __ap_s, ##__VA_ARGS__), kind, __ap_b); \
})

/*
 * The kmalloc entry points that take a kmalloc token on 7.3: the hook
 * calls ALLOCPROF_DI_T(name) (7.3: _name, the function the kernel's macro
 * of that name calls) and appends ALLOCPROF_DI_TOKEN(the call's own
 * arguments, as written), the token the kernel's macro computes from them
 * (__kmalloc_token(), which does not evaluate them): the token is passed
 * through unchanged (6.12: the name itself, no token).  "Kernel versions"
 * defines both.
 */
#define ALLOCPROF_DI_SIZED_T(fn, kind, orig, _s, ...)			\
({									\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_ALLOC(ALLOCPROF_DI_T(fn)(__ap_s, ##__VA_ARGS__	\
					      ALLOCPROF_DI_TOKEN orig),	\
			   kind, __ap_s);				\
})
#define ALLOCPROF_DI_ARRAY_T(fn, kind, orig, _n, _s, ...)		\
({									\
	__SIZE_TYPE__ __ap_n = (_n);					\
	__SIZE_TYPE__ __ap_s = (_s);					\
	unsigned long __ap_b;						\
	if (__builtin_mul_overflow(__ap_n, __ap_s, &__ap_b))		\
		__ap_b = ~0UL;						\
	ALLOCPROF_DI_ALLOC(ALLOCPROF_DI_T(fn)(__ap_n, __ap_s, ##__VA_ARGS__ \
					      ALLOCPROF_DI_TOKEN orig),	\
			   kind, __ap_b);				\
})

/* slab */
#define allocprof_dropin_hook_kmalloc_noprof(s, ...)			\
	ALLOCPROF_DI_SIZED_T(kmalloc_noprof, ALLOCPROF_DI_KMALLOC,	\
			     (s, ##__VA_ARGS__), s, ##__VA_ARGS__)
#define allocprof_dropin_hook_kzalloc_noprof(s, ...)			\
	ALLOCPROF_DI_SIZED_T(kzalloc_noprof, ALLOCPROF_DI_KMALLOC,	\
			     (s, ##__VA_ARGS__), s, ##__VA_ARGS__)
#define allocprof_dropin_hook_kmalloc_node_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED_T(kmalloc_node_noprof, ALLOCPROF_DI_KMALLOC,	\
			     (s, ##__VA_ARGS__), s, ##__VA_ARGS__)
#define allocprof_dropin_hook_kmalloc_array_noprof(n, s, ...)		\
	ALLOCPROF_DI_ARRAY_T(kmalloc_array_noprof, ALLOCPROF_DI_KMALLOC,	\
			     (n, s, ##__VA_ARGS__), n, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_kmalloc_array_node_noprof(n, s, ...)	\
	ALLOCPROF_DI_ARRAY_T(kmalloc_array_node_noprof, ALLOCPROF_DI_KMALLOC, \
			     (n, s, ##__VA_ARGS__), n, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_kmemdup_noprof(src, _s, ...)		\
({									\
	const void *__ap_src = (src);					\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_ALLOC(kmemdup_noprof(__ap_src, __ap_s, ##__VA_ARGS__), \
			   ALLOCPROF_DI_KMALLOC, __ap_s);		\
})
#define allocprof_dropin_hook_krealloc_array_noprof(p, _n, _s, ...)	\
allocprof_di_must_check(({						\
	void *__ap_p0 = (p);						\
	__SIZE_TYPE__ __ap_n = (_n);					\
	__SIZE_TYPE__ __ap_s = (_s);					\
	unsigned long __ap_b;						\
	if (__builtin_mul_overflow(__ap_n, __ap_s, &__ap_b))		\
		__ap_b = ~0UL;						\
	ALLOCPROF_DI_REALLOC(__ap_p0,					\
		ALLOCPROF_DI_T(krealloc_array_noprof)(__ap_p0, __ap_n, __ap_s, \
			##__VA_ARGS__ ALLOCPROF_DI_TOKEN(p, _n, _s, ##__VA_ARGS__)), \
		ALLOCPROF_DI_KMALLOC, __ap_b);				\
}))
#define ALLOCPROF_DI_CACHE_ALLOC(fn, c, ...)				\
({									\
	struct kmem_cache *__ap_c = (c);				\
	ALLOCPROF_DI_ALLOC(fn(__ap_c, ##__VA_ARGS__), ALLOCPROF_DI_CACHE, __ap_c); \
})
#define allocprof_dropin_hook_kmem_cache_alloc_noprof(c, ...)		\
	ALLOCPROF_DI_CACHE_ALLOC(kmem_cache_alloc_noprof, c, ##__VA_ARGS__)
#define allocprof_dropin_hook_kmem_cache_alloc_lru_noprof(c, ...)	\
	ALLOCPROF_DI_CACHE_ALLOC(kmem_cache_alloc_lru_noprof, c, ##__VA_ARGS__)
#define allocprof_dropin_hook_kmem_cache_alloc_node_noprof(c, ...)	\
	ALLOCPROF_DI_CACHE_ALLOC(kmem_cache_alloc_node_noprof, c, ##__VA_ARGS__)
#define allocprof_dropin_hook_kmem_cache_alloc_bulk_noprof(c, f, n, p)	\
({									\
	struct kmem_cache *__ap_c = (c);				\
	__SIZE_TYPE__ __ap_n = (n);					\
	void **__ap_v = (p);						\
	__auto_type __ap_got = kmem_cache_alloc_bulk_noprof(__ap_c, f, __ap_n, \
							    __ap_v);	\
	if (__builtin_expect(allocprof_di_on(), 0)) {			\
		struct allocprof_tag *__ap_t = ALLOCPROF_DI_TAG();	\
		for (__SIZE_TYPE__ __ap_i = 0;				\
		     __ap_i < ALLOCPROF_DI_BULK_GOT(__ap_got, __ap_n); __ap_i++) \
			allocprof_dropin_alloc(__ap_t,			\
					       (unsigned long)__ap_v[__ap_i], \
					       ALLOCPROF_DI_CACHE,	\
					       (unsigned long)__ap_c);	\
	}								\
	__ap_got;							\
})

/* vmalloc */
#define allocprof_dropin_hook_vmalloc_noprof(s, ...)			\
	ALLOCPROF_DI_SIZED(vmalloc_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vzalloc_noprof(s, ...)			\
	ALLOCPROF_DI_SIZED(vzalloc_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vmalloc_user_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED(vmalloc_user_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vmalloc_node_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED(vmalloc_node_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vzalloc_node_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED(vzalloc_node_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vmalloc_32_noprof(s, ...)			\
	ALLOCPROF_DI_SIZED(vmalloc_32_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vmalloc_32_user_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED(vmalloc_32_user_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook___vmalloc_noprof(s, ...)			\
	ALLOCPROF_DI_SIZED(__vmalloc_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook___vmalloc_node_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED(__vmalloc_node_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vmalloc_huge_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED(vmalloc_huge_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook___vmalloc_array_noprof(n, s, ...)		\
	ALLOCPROF_DI_ARRAY(__vmalloc_array_noprof, ALLOCPROF_DI_VMALLOC, n, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vmalloc_array_noprof(n, s, ...)		\
	ALLOCPROF_DI_ARRAY(vmalloc_array_noprof, ALLOCPROF_DI_VMALLOC, n, s, ##__VA_ARGS__)
#define allocprof_dropin_hook___vcalloc_noprof(n, s, ...)		\
	ALLOCPROF_DI_ARRAY(__vcalloc_noprof, ALLOCPROF_DI_VMALLOC, n, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vcalloc_noprof(n, s, ...)			\
	ALLOCPROF_DI_ARRAY(vcalloc_noprof, ALLOCPROF_DI_VMALLOC, n, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_vrealloc_noprof(p, _s, ...)		\
allocprof_di_must_check(({						\
	const void *__ap_p0 = (p);					\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_REALLOC(__ap_p0,					\
		vrealloc_noprof(__ap_p0, __ap_s, ##__VA_ARGS__),	\
		ALLOCPROF_DI_VMALLOC, __ap_s);				\
}))

/* pages */
#define ALLOCPROF_DI_PAGES(call, kind, _o)				\
({									\
	_Static_assert(MAX_PAGE_ORDER < 20,				\
		       "allocprof: pages of an order are charged in 32 bits"); \
	ALLOCPROF_DI_ALLOC(call, kind, _o);				\
})
/* Pages of order @_o, evaluated once into __ap_o, which @call passes. */
#define ALLOCPROF_DI_ORDER(_o, kind, call)				\
({									\
	unsigned int __ap_o = (_o);					\
	ALLOCPROF_DI_PAGES(call, kind, __ap_o);				\
})
#define allocprof_dropin_hook_alloc_pages_noprof(g, _o)			\
	ALLOCPROF_DI_ORDER(_o, ALLOCPROF_DI_PAGE, alloc_pages_noprof(g, __ap_o))
#define allocprof_dropin_hook_alloc_pages_node_noprof(nid, g, _o)	\
	ALLOCPROF_DI_ORDER(_o, ALLOCPROF_DI_PAGE, alloc_pages_node_noprof(nid, g, __ap_o))
#define allocprof_dropin_hook___alloc_pages_node_noprof(nid, g, _o)	\
	ALLOCPROF_DI_ORDER(_o, ALLOCPROF_DI_PAGE, __alloc_pages_node_noprof(nid, g, __ap_o))
#define allocprof_dropin_hook___alloc_pages_noprof(g, _o, ...)		\
	ALLOCPROF_DI_ORDER(_o, ALLOCPROF_DI_PAGE,			\
			   __alloc_pages_noprof(g, __ap_o, ##__VA_ARGS__))
#define allocprof_dropin_hook_get_free_pages_noprof(g, _o)		\
	ALLOCPROF_DI_ORDER(_o, ALLOCPROF_DI_PAGEADDR, get_free_pages_noprof(g, __ap_o))
#define allocprof_dropin_hook_get_zeroed_page_noprof(g)			\
	ALLOCPROF_DI_PAGES(get_zeroed_page_noprof(g), ALLOCPROF_DI_PAGEADDR, 0)
#define allocprof_dropin_hook_alloc_pages_exact_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED(alloc_pages_exact_noprof, ALLOCPROF_DI_EXACT, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_alloc_pages_exact_nid_noprof(nid, _s, ...) \
({									\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_ALLOC(alloc_pages_exact_nid_noprof(nid, __ap_s, ##__VA_ARGS__), \
			   ALLOCPROF_DI_EXACT, __ap_s);			\
})

/*
 * Folios: a folio is its head page (a struct page at the same address),
 * recorded as the pages of its order; freed when its last reference goes,
 * by __folio_put() (below).
 */
#define allocprof_dropin_hook_folio_alloc_noprof(g, _o)			\
	ALLOCPROF_DI_ORDER(_o, ALLOCPROF_DI_PAGE, folio_alloc_noprof(g, __ap_o))
#define allocprof_dropin_hook___folio_alloc_noprof(g, _o, ...)		\
	ALLOCPROF_DI_ORDER(_o, ALLOCPROF_DI_PAGE,			\
			   __folio_alloc_noprof(g, __ap_o, ##__VA_ARGS__))
#define allocprof_dropin_hook___folio_alloc_node_noprof(g, _o, nid)	\
	ALLOCPROF_DI_ORDER(_o, ALLOCPROF_DI_PAGE, __folio_alloc_node_noprof(g, __ap_o, nid))

/* percpu: pcpu_alloc_noprof(size, align, reserved, gfp) */
#define allocprof_dropin_hook_pcpu_alloc_noprof(s, ...)			\
	ALLOCPROF_DI_SIZED(pcpu_alloc_noprof, ALLOCPROF_DI_PERCPU, s, ##__VA_ARGS__)

/*
 * Mempools: creation (mempool_create*(), mempool_init()) always goes
 * through allocprof (out of line), which stands in for a pool's alloc and
 * free functions when they are the kernel's slab, kmalloc or page helpers
 * (the pool's pool_data is then allocprof's wrapper of the originals):
 * their elements are recorded, charged to the creation site (the ones it
 * preallocates, with the pool itself) or to the mempool_alloc() whose
 * call made one; an element taken from or put back into the reserve
 * keeps its charge.  mempool_destroy(), mempool_exit() and
 * mempool_resize() are renamed to allocprof's exports (declared in
 * allocprof_abi.h, so mempool.h's prototypes declare them).
 * mempool_init_node() (no alloc_hooks() upstream either) and
 * mempool_alloc_noreserve() pass through.
 */
#define allocprof_dropin_hook_mempool_create_node_noprof(...)		\
	allocprof_dropin_mempool_create(ALLOCPROF_DI_TAG(), __VA_ARGS__)
#define allocprof_dropin_hook_mempool_init_noprof(...)			\
	allocprof_dropin_mempool_init(ALLOCPROF_DI_TAG(), __VA_ARGS__)
#define allocprof_dropin_hook_mempool_alloc_noprof(_pool, ...)		\
({									\
	struct mempool_s *__ap_pool = (_pool);				\
	void *__ap_e = mempool_alloc_noprof(__ap_pool, ##__VA_ARGS__);	\
	if (__builtin_expect(allocprof_di_on(), 0) && __ap_e)		\
		__ap_e = allocprof_dropin_mempool_alloced(ALLOCPROF_DI_TAG(), \
							  __ap_pool, __ap_e); \
	__ap_e;								\
})
#define mempool_destroy		allocprof_dropin_mempool_destroy
#define mempool_exit		allocprof_dropin_mempool_exit
#define mempool_resize		allocprof_dropin_mempool_resize

/*
 * The names with a hook above: ALLOCPROF_DI_K_<name>(...) is "~, 1,"
 * (ALLOCPROF_DI_SEL_0 tests it); any other name passes through.
 */
#define ALLOCPROF_DI_K_kmalloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kzalloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmalloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmalloc_array_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmalloc_array_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmemdup_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_krealloc_array_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmem_cache_alloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmem_cache_alloc_lru_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmem_cache_alloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmem_cache_alloc_bulk_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vmalloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vzalloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vmalloc_user_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vmalloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vzalloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vmalloc_32_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vmalloc_32_user_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___vmalloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___vmalloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vmalloc_huge_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___vmalloc_array_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vmalloc_array_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___vcalloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vcalloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vrealloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_alloc_pages_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_alloc_pages_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___alloc_pages_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___alloc_pages_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_get_free_pages_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_get_zeroed_page_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_alloc_pages_exact_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_alloc_pages_exact_nid_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_folio_alloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___folio_alloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___folio_alloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_pcpu_alloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_mempool_create_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_mempool_init_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_mempool_alloc_noprof(...)	~, 1,

/*
 * Not recorded: any alloc_hooks() name without a hook above passes
 * through (ALLOCPROF_DI_SEL_K_0): folios of memory policies, of VMAs and
 * of the page cache, bucketed kmalloc (kmem_buckets_alloc), contiguous
 * and bulk page ranges, page tables, rhashtables, the other subsystem
 * allocators, and whatever a later kernel or the module itself wraps in
 * alloc_hooks().
 */

/*
 * Frees.  Each kernel free function is renamed to an inline function
 * declared here first: the kernel header's declaration of it then declares
 * this function (same type; the static linkage carries over), and every
 * call of the module lands here.  The real function is reached through an
 * asm label naming its symbol.  The object is passed on as the look-up
 * returns it (the same value), so that it need not survive the call in a
 * saved register.
 */
#define ALLOCPROF_DI_FREE_FN(name, real, params, args, object, kind)	\
	extern void real params __asm__(#name);				\
	static __attribute__((__always_inline__)) inline void		\
	allocprof_dropin_##name params					\
	{								\
		object = (__force __typeof__(object))allocprof_di_forget( \
			(__force unsigned long)(object), kind);		\
		real args;						\
	}

ALLOCPROF_DI_FREE_FN(kfree, allocprof_di_real_kfree, (const void *p), (p),
		     p, ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(kfree_sensitive, allocprof_di_real_kfree_sensitive,
		     (const void *p), (p), p, ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(kfree_const, allocprof_di_real_kfree_const,
		     (const void *p), (p), p, ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(kvfree, allocprof_di_real_kvfree, (const void *p), (p),
		     p, ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(kvfree_sensitive, allocprof_di_real_kvfree_sensitive,
		     (const void *p, __SIZE_TYPE__ len), (p, len), p,
		     ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(vfree, allocprof_di_real_vfree, (const void *p), (p),
		     p, ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(kmem_cache_free, allocprof_di_real_kmem_cache_free,
		     (struct kmem_cache *s, void *p), (s, p), p,
		     ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(free_percpu, allocprof_di_real_free_percpu,
		     (void __percpu *p), (p), p, ALLOCPROF_DI_FREE_ADDR)
/*
 * A folio's last reference: folio_put(), folio_put_refs() and put_page()
 * are inline functions of mm.h that free through __folio_put().
 */
ALLOCPROF_DI_FREE_FN(__folio_put, allocprof_di_real___folio_put,
		     (struct folio *folio), (folio), folio,
		     ALLOCPROF_DI_FREE_PAGE)
ALLOCPROF_DI_FREE_FN(vfree_atomic, allocprof_di_real_vfree_atomic,
		     (const void *p), (p), p, ALLOCPROF_DI_FREE_ADDR)

/*
 * Pages: when the table may hold them, allocprof makes the free itself
 * (allocprof_dropin_pg_*(), which call the kernel's functions), as
 * upstream charges it: the charge goes with the last reference (a page
 * that another reference holds stays charged), a free_pages_exact() area
 * goes page by page; split_page() makes each page an entry of its own.
 */
#define ALLOCPROF_DI_PAGE_FN(name, real, params, args, cond, call)	\
	extern void real params __asm__(#name);				\
	static __attribute__((__always_inline__)) inline void		\
	allocprof_dropin_##name params					\
	{								\
		if (__builtin_expect(cond, 0))				\
			call;						\
		else							\
			real args;					\
	}

ALLOCPROF_DI_PAGE_FN(free_pages, allocprof_di_real_free_pages,
		     (unsigned long addr, unsigned int order), (addr, order),
		     allocprof_di_must_look(addr),
		     allocprof_dropin_pg_free_addr(addr, order))
ALLOCPROF_DI_PAGE_FN(__free_pages, allocprof_di_real___free_pages,
		     (struct page *page, unsigned int order), (page, order),
		     allocprof_di_frees_on(),
		     allocprof_dropin_pg_free(page, order))
ALLOCPROF_DI_PAGE_FN(free_pages_exact, allocprof_di_real_free_pages_exact,
		     (void *p, __SIZE_TYPE__ size), (p, size),
		     allocprof_di_frees_on(),
		     allocprof_dropin_pg_free_exact(p, size))

/* After the kernel's split: the entry of the block, if any, is split too. */
static __attribute__((__always_inline__)) inline void
allocprof_dropin_split_page(struct page *page, unsigned int order)
{
	extern void allocprof_di_real_split_page(struct page *, unsigned int)
		__asm__("split_page");

	allocprof_di_real_split_page(page, order);
	if (allocprof_di_frees_on())
		allocprof_dropin_pg_split(page, order);
}

static __attribute__((__always_inline__)) inline void
allocprof_dropin_kmem_cache_free_bulk(struct kmem_cache *s, __SIZE_TYPE__ n,
				      void **p)
{
	extern void allocprof_di_real_kmem_cache_free_bulk(struct kmem_cache *,
							   __SIZE_TYPE__, void **)
		__asm__("kmem_cache_free_bulk");

	if (allocprof_di_frees_on())
		for (__SIZE_TYPE__ i = 0; i < n; i++)
			allocprof_di_forget((unsigned long)p[i],
					    ALLOCPROF_DI_FREE_ADDR);
	allocprof_di_real_kmem_cache_free_bulk(s, n, p);
}

#define kfree			allocprof_dropin_kfree
#define kfree_sensitive		allocprof_dropin_kfree_sensitive
#define kfree_const		allocprof_dropin_kfree_const
#define kvfree			allocprof_dropin_kvfree
#define kvfree_sensitive	allocprof_dropin_kvfree_sensitive
#define vfree			allocprof_dropin_vfree
#define vfree_atomic		allocprof_dropin_vfree_atomic
#define kmem_cache_free		allocprof_dropin_kmem_cache_free
#define kmem_cache_free_bulk	allocprof_dropin_kmem_cache_free_bulk
#define free_pages		allocprof_dropin_free_pages
#define __free_pages		allocprof_dropin___free_pages
#define free_pages_exact	allocprof_dropin_free_pages_exact
#define free_percpu		allocprof_dropin_free_percpu
#define __folio_put		allocprof_dropin___folio_put
#define split_page		allocprof_dropin_split_page

/*
 * Kernel versions: every difference between the kernels the C drop-in is
 * tested on, in this one section (ALLOCPROF_DI_KERNEL, set at the top).
 * Each kernel's part defines:
 *
 * - ALLOCPROF_DI_TOKEN() and ALLOCPROF_DI_T(): kmalloc tokens (7.3);
 * - the hooks of the entry points whose names or arguments differ, and
 *   their ALLOCPROF_DI_K_<name> lines;
 * - the free functions that differ (kvfree_call_rcu()'s head, 7.3's
 *   _nolock and _atomic frees);
 * - ALLOCPROF_DI_U_<name>: every other name that the kernel's headers
 *   wrap in alloc_hooks(), passed through knowingly, unrecorded.
 *   scripts/compile-fail.sh (dropin_known_hooks) builds, against the
 *   kernel, one #ifndef per alloc_hooks() name of its headers: a name that
 *   is neither hooked (K) nor listed here (U), a new entry point of a new
 *   kernel, stops that build.  A module's own alloc_hooks() names pass
 *   through (compile_fail/dropin_unknown_hook.c).
 */
#if ALLOCPROF_DI_KERNEL == 612

#define ALLOCPROF_DI_TOKEN(...)
#define ALLOCPROF_DI_T(name)	name
/* kmem_cache_alloc_bulk() returns the count it allocated (n or 0). */
#define ALLOCPROF_DI_BULK_GOT(got, n)	((__SIZE_TYPE__)(got))

#define allocprof_dropin_hook_kmalloc_node_track_caller_noprof(s, ...)	\
	ALLOCPROF_DI_SIZED(kmalloc_node_track_caller_noprof,		\
			   ALLOCPROF_DI_KMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_krealloc_noprof(p, _s, ...)		\
allocprof_di_must_check(({						\
	const void *__ap_p0 = (p);					\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_REALLOC(__ap_p0,					\
		krealloc_noprof(__ap_p0, __ap_s, ##__VA_ARGS__),	\
		ALLOCPROF_DI_KMALLOC, __ap_s);				\
}))
#define allocprof_dropin_hook_kvmalloc_node_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED(kvmalloc_node_noprof, ALLOCPROF_DI_KVMALLOC, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_kvmalloc_array_noprof(n, s, ...)		\
	ALLOCPROF_DI_ARRAY(kvmalloc_array_noprof, ALLOCPROF_DI_KVMALLOC, n, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_kvcalloc_noprof(n, s, ...)		\
	ALLOCPROF_DI_ARRAY(kvcalloc_noprof, ALLOCPROF_DI_KVMALLOC, n, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_kvcalloc_node_noprof(n, s, ...)		\
	ALLOCPROF_DI_ARRAY(kvcalloc_node_noprof, ALLOCPROF_DI_KVMALLOC, n, s, ##__VA_ARGS__)
#define allocprof_dropin_hook_kvrealloc_noprof(p, _s, ...)		\
({									\
	const void *__ap_p0 = (p);					\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_REALLOC(__ap_p0,					\
		kvrealloc_noprof(__ap_p0, __ap_s, ##__VA_ARGS__),	\
		ALLOCPROF_DI_KVMALLOC, __ap_s);				\
})
#define ALLOCPROF_DI_K_kmalloc_node_track_caller_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_krealloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvmalloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvmalloc_array_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvcalloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvcalloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvrealloc_noprof(...)	~, 1,

#ifdef CONFIG_TREE_RCU
/* kfree_rcu() and kvfree_rcu(): the object is logically freed at the call. */
ALLOCPROF_DI_FREE_FN(kvfree_call_rcu, allocprof_di_real_kvfree_call_rcu,
		     (struct callback_head *head, void *p), (head, p), p,
		     ALLOCPROF_DI_FREE_ADDR)
#define kvfree_call_rcu		allocprof_dropin_kvfree_call_rcu
#endif

/* Passed through on 6.12 alone (and those of both kernels, below). */
#define ALLOCPROF_DI_U___acomp_request_alloc_noprof
#define ALLOCPROF_DI_U___kmalloc_node_noprof
#define ALLOCPROF_DI_U___kmalloc_node_track_caller_noprof
#define ALLOCPROF_DI_U___kvmalloc_node_noprof
#define ALLOCPROF_DI_U_alloc_pages_bulk_array_mempolicy_noprof
#define ALLOCPROF_DI_U_alloc_pages_bulk_array_node_noprof
#define ALLOCPROF_DI_U_alloc_pages_mpol_noprof
#define ALLOCPROF_DI_U_folio_alloc_gigantic_noprof

#elif ALLOCPROF_DI_KERNEL == 703

/*
 * kmalloc tokens (CONFIG_KMALLOC_PARTITION_CACHES): kmalloc_noprof(...)
 * and its siblings are macros that call _kmalloc_noprof(..., token) with
 * the token __kmalloc_token(...) of their own arguments (without the
 * option: an empty struct, no parameter).
 */
#define ALLOCPROF_DI_TOKEN(...)	, __kmalloc_token(__VA_ARGS__)
#define ALLOCPROF_DI_T(name)	_ ## name
/* kmem_cache_alloc_bulk() returns whether it allocated all n (a bool). */
#define ALLOCPROF_DI_BULK_GOT(got, n)	((got) ? (n) : 0)

/*
 * Arguments the kernel's macro packs: PASS_TOKEN_PARAMS(size, token) and
 * PASS_KMALLOC_PARAMS(size, buckets, token) are one argument of the hook,
 * pasted to ALLOCPROF_DI_ (ALLOCPROF_DI_ ## arg), which splits them into
 * their parts; the hook passes them on through the kernel's own macro
 * (the bucket and the token unchanged, the size its evaluated copy).
 */
#define ALLOCPROF_DI_PASS_TOKEN_PARAMS(s, t)		s, t
#define ALLOCPROF_DI_PASS_KMALLOC_PARAMS(s, b, t)	s, b, t
#define ALLOCPROF_DI_APPLY(m, ...)	m(__VA_ARGS__)

/* krealloc_node_align_noprof(p, PASS_TOKEN_PARAMS(size, token), align, flags, nid) */
#define allocprof_dropin_hook_krealloc_node_align_noprof(p, st, ...)	\
	allocprof_di_must_check(ALLOCPROF_DI_APPLY(ALLOCPROF_DI_REALLOC_TOK, \
		krealloc_node_align_noprof, ALLOCPROF_DI_KMALLOC, p,	\
		ALLOCPROF_DI_ ## st, __VA_ARGS__))
/* kvrealloc_node_align_noprof(p, PASS_TOKEN_PARAMS(size, token), align, flags, nid) */
#define allocprof_dropin_hook_kvrealloc_node_align_noprof(p, st, ...)	\
	ALLOCPROF_DI_APPLY(ALLOCPROF_DI_REALLOC_TOK, kvrealloc_node_align_noprof, \
			   ALLOCPROF_DI_KVMALLOC, p, ALLOCPROF_DI_ ## st, __VA_ARGS__)
#define ALLOCPROF_DI_REALLOC_TOK(fn, kind, p, _s, t, ...)		\
({									\
	const void *__ap_p0 = (p);					\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_REALLOC(__ap_p0,					\
		fn(__ap_p0, PASS_TOKEN_PARAMS(__ap_s, t), __VA_ARGS__),	\
		kind, __ap_s);						\
})
/* kmalloc_nolock_noprof(size, gfp, node): any context (dropin.rst). */
#define allocprof_dropin_hook_kmalloc_nolock_noprof(_s, ...)		\
({									\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_ALLOC(_kmalloc_nolock_noprof(			\
		PASS_TOKEN_PARAMS(__ap_s, __kmalloc_token(_s)), __VA_ARGS__), \
		ALLOCPROF_DI_KMALLOC, __ap_s);				\
})
/* kmalloc_node_track_caller_noprof(size, flags, node, caller) */
#define allocprof_dropin_hook_kmalloc_node_track_caller_noprof(_s, ...)	\
({									\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_ALLOC(__kmalloc_node_track_caller_noprof(		\
		PASS_KMALLOC_PARAMS(__ap_s, NULL, __kmalloc_token(_s)), __VA_ARGS__), \
		ALLOCPROF_DI_KMALLOC, __ap_s);				\
})
/* kvmalloc_node_align_noprof(size, align, flags, node) */
#define allocprof_dropin_hook_kvmalloc_node_align_noprof(_s, ...)	\
({									\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_ALLOC(__kvmalloc_node_noprof(			\
		PASS_KMALLOC_PARAMS(__ap_s, NULL, __kmalloc_token(_s)), __VA_ARGS__), \
		ALLOCPROF_DI_KVMALLOC, __ap_s);				\
})
/*
 * Bucketed kmalloc (kmem_buckets_alloc*(), kmem_buckets_valloc()):
 * __kmalloc_node_noprof(PASS_KMALLOC_PARAMS(size, b, token), flags, node),
 * __kmalloc_node_track_caller_noprof(PASS_KMALLOC_PARAMS(...), flags,
 * node, caller), __kvmalloc_node_noprof(PASS_KMALLOC_PARAMS(...), align,
 * flags, node).  A bucket's caches have kmalloc's sizes.
 */
#define allocprof_dropin_hook___kmalloc_node_noprof(skp, ...)		\
	ALLOCPROF_DI_APPLY(ALLOCPROF_DI_BUCKETS, __kmalloc_node_noprof,	\
			   ALLOCPROF_DI_KMALLOC, ALLOCPROF_DI_ ## skp, __VA_ARGS__)
#define allocprof_dropin_hook___kmalloc_node_track_caller_noprof(skp, ...) \
	ALLOCPROF_DI_APPLY(ALLOCPROF_DI_BUCKETS, __kmalloc_node_track_caller_noprof, \
			   ALLOCPROF_DI_KMALLOC, ALLOCPROF_DI_ ## skp, __VA_ARGS__)
#define allocprof_dropin_hook___kvmalloc_node_noprof(skp, ...)		\
	ALLOCPROF_DI_APPLY(ALLOCPROF_DI_BUCKETS, __kvmalloc_node_noprof,	\
			   ALLOCPROF_DI_KVMALLOC, ALLOCPROF_DI_ ## skp, __VA_ARGS__)
#define ALLOCPROF_DI_BUCKETS(fn, kind, _s, b, t, ...)			\
({									\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_ALLOC(fn(PASS_KMALLOC_PARAMS(__ap_s, b, t), __VA_ARGS__), \
			   kind, __ap_s);				\
})
/*
 * kvmalloc_array_noprof(n, size, flags), kvcalloc_noprof(n, size, flags),
 * kvcalloc_node_noprof(n, size, flags, node): the kernel's macros call
 * _kvmalloc_array_node_noprof(n, size, flags, node, token).
 */
#define ALLOCPROF_DI_KVARRAY(_n, _s, f, node)				\
	ALLOCPROF_DI_ARRAY(_kvmalloc_array_node_noprof, ALLOCPROF_DI_KVMALLOC, \
			   _n, _s, f, node, __kmalloc_token(_n, _s, f, node))
#define allocprof_dropin_hook_kvmalloc_array_noprof(n, s, f)		\
	ALLOCPROF_DI_KVARRAY(n, s, f, NUMA_NO_NODE)
#define allocprof_dropin_hook_kvcalloc_noprof(n, s, f)			\
	ALLOCPROF_DI_KVARRAY(n, s, (f) | __GFP_ZERO, NUMA_NO_NODE)
#define allocprof_dropin_hook_kvcalloc_node_noprof(n, s, f, node)	\
	ALLOCPROF_DI_KVARRAY(n, s, (f) | __GFP_ZERO, node)
/* kmem_cache_alloc_from_sheaf_noprof(cache, gfp, sheaf) */
#define allocprof_dropin_hook_kmem_cache_alloc_from_sheaf_noprof(c, ...) \
	ALLOCPROF_DI_CACHE_ALLOC(kmem_cache_alloc_from_sheaf_noprof, c, ##__VA_ARGS__)
/* alloc_pages_nolock_noprof(gfp, nid, order): any context. */
#define allocprof_dropin_hook_alloc_pages_nolock_noprof(g, nid, _o)	\
	ALLOCPROF_DI_ORDER(_o, ALLOCPROF_DI_PAGE,			\
			   alloc_pages_nolock_noprof(g, nid, __ap_o))
/* vmalloc_huge_node_noprof(size, gfp, node) */
#define allocprof_dropin_hook_vmalloc_huge_node_noprof(s, ...)		\
	ALLOCPROF_DI_SIZED(vmalloc_huge_node_noprof, ALLOCPROF_DI_VMALLOC, s, ##__VA_ARGS__)
/* vrealloc_node_align_noprof(p, size, align, flags, nid), vrealloc_node_noprof(p, size, flags, nid) */
#define ALLOCPROF_DI_VREALLOC(fn, p, _s, ...)				\
({									\
	const void *__ap_p0 = (p);					\
	__SIZE_TYPE__ __ap_s = (_s);					\
	ALLOCPROF_DI_REALLOC(__ap_p0, fn(__ap_p0, __ap_s, __VA_ARGS__),	\
			     ALLOCPROF_DI_VMALLOC, __ap_s);		\
})
#define allocprof_dropin_hook_vrealloc_node_align_noprof(p, s, ...)	\
	allocprof_di_must_check(ALLOCPROF_DI_VREALLOC(vrealloc_node_align_noprof, \
						      p, s, __VA_ARGS__))
#define allocprof_dropin_hook_vrealloc_node_noprof(p, s, ...)		\
	allocprof_di_must_check(ALLOCPROF_DI_VREALLOC(vrealloc_node_noprof, \
						      p, s, __VA_ARGS__))

#define ALLOCPROF_DI_K_krealloc_node_align_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvrealloc_node_align_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmalloc_nolock_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmalloc_node_track_caller_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvmalloc_node_align_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___kmalloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___kmalloc_node_track_caller_noprof(...)	~, 1,
#define ALLOCPROF_DI_K___kvmalloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvmalloc_array_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvcalloc_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kvcalloc_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_kmem_cache_alloc_from_sheaf_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_alloc_pages_nolock_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vmalloc_huge_node_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vrealloc_node_align_noprof(...)	~, 1,
#define ALLOCPROF_DI_K_vrealloc_node_noprof(...)	~, 1,

/*
 * Frees: kfree_rcu(), kvfree_rcu() and kfree_rcu_nolock() (the object is
 * logically freed at the call); kfree_nolock() and free_pages_nolock()
 * (any context: the look-up takes no lock); kvfree_atomic().  A page
 * freed by free_pages_nolock() is uncharged at the call, whatever other
 * reference holds it (dropin.rst, "Pages").
 */
struct kvfree_rcu_head;
ALLOCPROF_DI_FREE_FN(kvfree_call_rcu, allocprof_di_real_kvfree_call_rcu,
		     (struct kvfree_rcu_head *head, void *p), (head, p), p,
		     ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(kfree_call_rcu_nolock, allocprof_di_real_kfree_call_rcu_nolock,
		     (struct kvfree_rcu_head *head, void *p), (head, p), p,
		     ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(kfree_nolock, allocprof_di_real_kfree_nolock,
		     (const void *p), (p), p, ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(kvfree_atomic, allocprof_di_real_kvfree_atomic,
		     (const void *p), (p), p, ALLOCPROF_DI_FREE_ADDR)
ALLOCPROF_DI_FREE_FN(free_pages_nolock, allocprof_di_real_free_pages_nolock,
		     (struct page *page, unsigned int order), (page, order),
		     page, ALLOCPROF_DI_FREE_PAGE)
#define kvfree_call_rcu		allocprof_dropin_kvfree_call_rcu
#define kfree_call_rcu_nolock	allocprof_dropin_kfree_call_rcu_nolock
#define kfree_nolock		allocprof_dropin_kfree_nolock
#define kvfree_atomic		allocprof_dropin_kvfree_atomic
#define free_pages_nolock	allocprof_dropin_free_pages_nolock

/*
 * Passed through on 7.3 alone (and those of both kernels, below).
 * mempool_alloc_bulk(): the elements it has the pool's functions make
 * stay on allocprof's pending tag (no row), as the reserve's do.
 */
#define ALLOCPROF_DI_U___p4d_alloc_one_noprof
#define ALLOCPROF_DI_U___pgd_alloc_noprof
#define ALLOCPROF_DI_U_acomp_request_alloc_extra_noprof
#define ALLOCPROF_DI_U_acomp_request_alloc_noprof
#define ALLOCPROF_DI_U_alloc_contig_frozen_pages_noprof
#define ALLOCPROF_DI_U_alloc_contig_frozen_range_noprof
#define ALLOCPROF_DI_U_alloc_pages_bulk_mempolicy_noprof
#define ALLOCPROF_DI_U_alloc_pages_bulk_node_noprof
#define ALLOCPROF_DI_U_alloc_workqueue_attrs_noprof
#define ALLOCPROF_DI_U_alloc_workqueue_lockdep_map
#define ALLOCPROF_DI_U_alloc_workqueue_noprof
#define ALLOCPROF_DI_U_devm_alloc_workqueue_noprof
#define ALLOCPROF_DI_U_mempool_alloc_bulk_noprof
#define ALLOCPROF_DI_U_mm_alloc_sched_noprof
#define ALLOCPROF_DI_U_p4d_alloc_one_noprof

#endif /* ALLOCPROF_DI_KERNEL */

/*
 * Passed through on both kernels (dropin.rst, "What is covered"); each
 * kernel's section above names those of its own alone.
 */
#define ALLOCPROF_DI_U___dev_alloc_page_noprof
#define ALLOCPROF_DI_U___dev_alloc_pages_noprof
#define ALLOCPROF_DI_U___pte_alloc_one_kernel_noprof
#define ALLOCPROF_DI_U___pte_alloc_one_noprof
#define ALLOCPROF_DI_U___pud_alloc_one_noprof
#define ALLOCPROF_DI_U___vmalloc_node_range_noprof
#define ALLOCPROF_DI_U_ahash_request_alloc_noprof
#define ALLOCPROF_DI_U_alloc_contig_pages_noprof
#define ALLOCPROF_DI_U_alloc_contig_range_noprof
#define ALLOCPROF_DI_U_alloc_page_vma_noprof
#define ALLOCPROF_DI_U_alloc_pages_bulk_noprof
#define ALLOCPROF_DI_U_filemap_alloc_folio_noprof
#define ALLOCPROF_DI_U_folio_alloc_mpol_noprof
#define ALLOCPROF_DI_U_kvmemdup_bpfptr_noprof
#define ALLOCPROF_DI_U_memdup_sockptr_noprof
#define ALLOCPROF_DI_U_memdup_sockptr_nul_noprof
#define ALLOCPROF_DI_U_mm_alloc_cid_noprof
#define ALLOCPROF_DI_U_netlbl_catmap_alloc_noprof
#define ALLOCPROF_DI_U_netlbl_secattr_alloc_noprof
#define ALLOCPROF_DI_U_netlbl_secattr_cache_alloc_noprof
#define ALLOCPROF_DI_U_nla_memdup_noprof
#define ALLOCPROF_DI_U_pagetable_alloc_noprof
#define ALLOCPROF_DI_U_pmd_alloc_one_noprof
#define ALLOCPROF_DI_U_pte_alloc_one_kernel_noprof
#define ALLOCPROF_DI_U_pte_alloc_one_noprof
#define ALLOCPROF_DI_U_ptr_ring_init_noprof
#define ALLOCPROF_DI_U_ptr_ring_resize_multiple_bh_noprof
#define ALLOCPROF_DI_U_ptr_ring_resize_noprof
#define ALLOCPROF_DI_U_pud_alloc_one_noprof
#define ALLOCPROF_DI_U_rhashtable_init_noprof
#define ALLOCPROF_DI_U_rhltable_init_noprof
#define ALLOCPROF_DI_U_skb_array_init_noprof
#define ALLOCPROF_DI_U_skb_array_resize_multiple_bh_noprof
#define ALLOCPROF_DI_U_skcipher_request_alloc_noprof
#define ALLOCPROF_DI_U_tcx_entry_create_noprof
#define ALLOCPROF_DI_U_vma_alloc_folio_noprof

/*
 * Registration.  module_init(fn) defines init_module as an alias of fn:
 * "int init_module(void) __copy(fn) __attribute__((alias(...)))".  The
 * header declares init_module first with an asm label, so that this
 * definition (and module.h's declaration, and an init_module() a module
 * defines itself) gives the module's init the symbol
 * allocprof_dropin_module_init: only the symbol changes, the C name stays,
 * so that a struct member, a field or a local named init_module is the
 * module's own business (o->init_module(d) and s.init_module = f mean
 * what they mean in a plain build).  The symbol init_module, which the
 * module loader calls (<module>.mod.c's ".init = init_module"), is the
 * wrapper below (weak: every file of the module defines it), which
 * registers the module's tags first, then calls the module's init, if it
 * has one.  The wrapper's address is taken below: objtool seals the ENDBR
 * of a function whose address nothing takes, and the loader calls
 * mod->init through a pointer.  The tags are unregistered when the module
 * goes, by allocprof's module notifier.  A module without module_init is
 * registered too.
 */
extern struct module __this_module;
extern int init_module(void) __asm__("allocprof_dropin_module_init")
	__attribute__((__weak__));
int allocprof_dropin_init(void) __asm__("init_module");
__attribute__((__weak__, __section__(".init.text"), __cold__)) int
allocprof_dropin_init(void)
{
	allocprof_dropin_register(&__this_module, __start_alloc_tags,
				  __stop_alloc_tags);
	return init_module ? init_module() : 0;
}
static void *allocprof_di_init_module_ref
	__attribute__((__used__, __section__(".init.data"))) =
	(void *)allocprof_dropin_init;
/*
 * When the header is forced into every C file of the build (on make's
 * command line: kbuild's ccflags-y of the module's Kbuild does not reach
 * it), the generated <module>.mod.c reads it too, and its
 * ".init = init_module" must name the wrapper, not the C name declared
 * above.  That file, alone of a module's, includes
 * <linux/export-internal.h> ("used by C files generated by modpost"),
 * before its ".init": after that include, the name init_module is the
 * wrapper; anywhere else it is itself (an identity: the macro's own name
 * is not expanded again in its expansion).
 */
#define ALLOCPROF_DI_INIT_NAME(guard)	ALLOCPROF_DI_CAT(ALLOCPROF_DI_INIT_, guard)
#define ALLOCPROF_DI_INIT___LINUX_EXPORT_INTERNAL_H__	init_module
#define ALLOCPROF_DI_INIT_	allocprof_dropin_init
#define init_module	ALLOCPROF_DI_INIT_NAME(__LINUX_EXPORT_INTERNAL_H__)

/*
 * devm_ allocations (<linux/device/devres.h>).  They are functions, not
 * alloc_hooks() macros: here the header includes devres.h (which includes
 * no printk.h, so a driver's pr_fmt, defined after this header, still
 * applies), after the free renames, and then defines a function-like macro
 * of each name: the prototypes are already seen, so the macros rewrite
 * only the module's calls, and each calls the real function (a macro's
 * own name is not expanded again in its expansion; devres.h's static
 * inlines were parsed before the macros and call the real functions too).
 *
 * Profiling off: the plain call.  On: after the real call, allocprof adds
 * a tracker devres to the device, released before the object at detach
 * (devres releases LIFO), which uncharges it, and records the object at
 * this call site, charged what upstream charges to devres.c's alloc_dr()
 * for it: the devres header and the data, rounded up to a kmalloc bucket.
 * devm_kfree() and devm_krealloc() of the module remove or move the
 * tracker; core code's own devm_kfree()s keep working (the tracker stays
 * until detach and finds nothing).
 */
/* (sparse, which checks the header too, has no __has_include of <...>.) */
#if !defined(MODULE)
#define ALLOCPROF_DI_DEVRES 0
#elif defined(__CHECKER__)
#define ALLOCPROF_DI_DEVRES 1
#elif __has_include(<linux/device/devres.h>)
#define ALLOCPROF_DI_DEVRES 1
#else
#define ALLOCPROF_DI_DEVRES 0
#endif
#if ALLOCPROF_DI_DEVRES
#if ALLOCPROF_DI_KERNEL == 612
#include <linux/device/devres.h>
#endif

/* Records a devm object: @_size bytes (ALLOCPROF_DI_DEVM_STRLEN: a string). */
#define ALLOCPROF_DI_DEVM(_dev, _call, _size, _gfp)			\
({									\
	__auto_type __ap_r = (_call);					\
	if (__builtin_expect(allocprof_di_on(), 0))			\
		allocprof_dropin_devm_alloc(ALLOCPROF_DI_TAG(), (_dev),	\
			(unsigned long)__ap_r, (_size),			\
			(__force unsigned int)(_gfp));			\
	__ap_r;								\
})

/*
 * The hooks, each calling the real function @fn (its own name on 6.12, an
 * asm label of it on 7.3: "Kernel versions" of devm_ below).
 */
/* A devm allocation of @size bytes by @fn(dev, size, gfp). */
#define ALLOCPROF_DI_DEVM_SIZED(fn, dev, size, gfp)			\
({									\
	struct device *__ap_d = (dev);					\
	size_t __ap_s = (size);						\
	gfp_t __ap_g = (gfp);						\
	ALLOCPROF_DI_DEVM(__ap_d, fn(__ap_d, __ap_s, __ap_g), __ap_s, __ap_g); \
})
/* n * size, which the real call refuses (NULL) if it overflows. */
#define ALLOCPROF_DI_DEVM_ARRAY(fn, dev, n, size, gfp)			\
({									\
	struct device *__ap_d = (dev);					\
	size_t __ap_n = (n);						\
	size_t __ap_s = (size);						\
	gfp_t __ap_g = (gfp);						\
	size_t __ap_b;							\
	if (__builtin_mul_overflow(__ap_n, __ap_s, &__ap_b))		\
		__ap_b = ~(size_t)0;					\
	ALLOCPROF_DI_DEVM(__ap_d, fn(__ap_d, __ap_n, __ap_s, __ap_g),	\
			  __ap_b, __ap_g);				\
})
#define ALLOCPROF_DI_DEVM_KMEMDUP(fn, dev, src, len, gfp)		\
({									\
	struct device *__ap_d = (dev);					\
	const void *__ap_src = (src);					\
	size_t __ap_s = (len);						\
	gfp_t __ap_g = (gfp);						\
	ALLOCPROF_DI_DEVM(__ap_d, fn(__ap_d, __ap_src, __ap_s, __ap_g),	\
			  __ap_s, __ap_g);				\
})
#define ALLOCPROF_DI_DEVM_KMEMDUP_ARRAY(fn, dev, src, n, size, gfp)	\
({									\
	struct device *__ap_d = (dev);					\
	const void *__ap_src = (src);					\
	size_t __ap_n = (n);						\
	size_t __ap_s = (size);						\
	gfp_t __ap_g = (gfp);						\
	size_t __ap_b;							\
	if (__builtin_mul_overflow(__ap_n, __ap_s, &__ap_b))		\
		__ap_b = ~(size_t)0;					\
	ALLOCPROF_DI_DEVM(__ap_d, fn(__ap_d, __ap_src, __ap_n, __ap_s, __ap_g), \
			  __ap_b, __ap_g);				\
})
#define ALLOCPROF_DI_DEVM_KSTRDUP(fn, dev, s, gfp)			\
({									\
	struct device *__ap_d = (dev);					\
	const char *__ap_str = (s);					\
	gfp_t __ap_g = (gfp);						\
	ALLOCPROF_DI_DEVM(__ap_d, fn(__ap_d, __ap_str, __ap_g),		\
			  ALLOCPROF_DI_DEVM_STRLEN, __ap_g);		\
})
/* The source itself, if it is in .rodata: nothing allocated. */
#define ALLOCPROF_DI_DEVM_KSTRDUP_CONST(fn, dev, s, gfp)		\
({									\
	struct device *__ap_d = (dev);					\
	const char *__ap_str = (s);					\
	gfp_t __ap_g = (gfp);						\
	const char *__ap_c = fn(__ap_d, __ap_str, __ap_g);		\
	if (__builtin_expect(allocprof_di_on(), 0) && __ap_c != __ap_str) \
		allocprof_dropin_devm_alloc(ALLOCPROF_DI_TAG(), __ap_d,	\
			(unsigned long)__ap_c, ALLOCPROF_DI_DEVM_STRLEN,	\
			(__force unsigned int)__ap_g);			\
	__ap_c;								\
})
/* The format stays a literal argument of the call (format checking). */
#define ALLOCPROF_DI_DEVM_KASPRINTF(fn, dev, gfp, fmt, ...)		\
({									\
	struct device *__ap_d = (dev);					\
	gfp_t __ap_g = (gfp);						\
	ALLOCPROF_DI_DEVM(__ap_d, fn(__ap_d, __ap_g, fmt, ##__VA_ARGS__), \
			  ALLOCPROF_DI_DEVM_STRLEN, __ap_g);		\
})
/*
 * A reallocation that moved the object (or freed it: a new size of 0):
 * the old one is forgotten and, when profiling is on, the new one
 * recorded at this call site.  In place: nothing changes.
 */
#define ALLOCPROF_DI_DEVM_REALLOC(_dev, _old, _call, _size, _gfp)	\
({									\
	void *__ap_q = (_call);						\
	if (__ap_q != (_old) && __ap_q &&				\
	    __builtin_expect(allocprof_di_frees_on(), 0))		\
		allocprof_dropin_devm_realloc(ALLOCPROF_DI_TAG(), (_dev), \
			(unsigned long)(_old), (unsigned long)__ap_q,	\
			(_size), (__force unsigned int)(_gfp));		\
	__ap_q;								\
})
#define ALLOCPROF_DI_DEVM_KREALLOC(fn, dev, p, size, gfp)		\
allocprof_di_must_check(({						\
	struct device *__ap_d = (dev);					\
	void *__ap_p0 = (p);						\
	size_t __ap_s = (size);						\
	gfp_t __ap_g = (gfp);						\
	ALLOCPROF_DI_DEVM_REALLOC(__ap_d, __ap_p0,			\
		fn(__ap_d, __ap_p0, __ap_s, __ap_g),			\
		__ap_s, __ap_g);					\
}))
#define ALLOCPROF_DI_DEVM_KREALLOC_ARRAY(fn, dev, p, n, size, gfp)	\
allocprof_di_must_check(({						\
	struct device *__ap_d = (dev);					\
	void *__ap_p0 = (p);						\
	size_t __ap_n = (n);						\
	size_t __ap_s = (size);						\
	gfp_t __ap_g = (gfp);						\
	size_t __ap_b;							\
	if (__builtin_mul_overflow(__ap_n, __ap_s, &__ap_b))		\
		__ap_b = ~(size_t)0;					\
	ALLOCPROF_DI_DEVM_REALLOC(__ap_d, __ap_p0,			\
		fn(__ap_d, __ap_p0, __ap_n, __ap_s, __ap_g),		\
		__ap_b, __ap_g);					\
}))
/* The tracker goes first (uncharging the object), then the object. */
#define ALLOCPROF_DI_DEVM_KFREE(fn, dev, p)				\
({									\
	struct device *__ap_d = (dev);					\
	const void *__ap_p = (p);					\
	if (__builtin_expect(allocprof_di_frees_on(), 0))		\
		allocprof_dropin_devm_free(__ap_d, __ap_p);		\
	fn(__ap_d, __ap_p);						\
})

/*
 * Kernel versions, devm_: how the hooks replace the module's calls.
 *
 * 6.12: devres.h, included above (it reaches no printk.h), has declared
 * every devm_ function: a function-like macro of each name rewrites only
 * the module's calls, each calling the real function (a macro's own name
 * is not expanded again in its expansion; devres.h's static inlines were
 * parsed before the macros and call the real functions).
 */
#if ALLOCPROF_DI_KERNEL == 612
#define devm_kmalloc(dev, size, gfp)					\
	ALLOCPROF_DI_DEVM_SIZED(devm_kmalloc, dev, size, gfp)
#define devm_kzalloc(dev, size, gfp)					\
	ALLOCPROF_DI_DEVM_SIZED(devm_kzalloc, dev, size, gfp)
#define devm_kmalloc_array(dev, n, size, gfp)				\
	ALLOCPROF_DI_DEVM_ARRAY(devm_kmalloc_array, dev, n, size, gfp)
#define devm_kcalloc(dev, n, size, gfp)					\
	ALLOCPROF_DI_DEVM_ARRAY(devm_kcalloc, dev, n, size, gfp)
#define devm_kmemdup(dev, src, len, gfp)				\
	ALLOCPROF_DI_DEVM_KMEMDUP(devm_kmemdup, dev, src, len, gfp)
#define devm_kmemdup_array(dev, src, n, size, gfp)			\
	ALLOCPROF_DI_DEVM_KMEMDUP_ARRAY(devm_kmemdup_array, dev, src, n, size, gfp)
#define devm_kstrdup(dev, s, gfp)					\
	ALLOCPROF_DI_DEVM_KSTRDUP(devm_kstrdup, dev, s, gfp)
#define devm_kstrdup_const(dev, s, gfp)					\
	ALLOCPROF_DI_DEVM_KSTRDUP_CONST(devm_kstrdup_const, dev, s, gfp)
#define devm_kasprintf(dev, gfp, fmt, ...)				\
	ALLOCPROF_DI_DEVM_KASPRINTF(devm_kasprintf, dev, gfp, fmt, ##__VA_ARGS__)
#define devm_krealloc(dev, p, size, gfp)				\
	ALLOCPROF_DI_DEVM_KREALLOC(devm_krealloc, dev, p, size, gfp)
#define devm_krealloc_array(dev, p, n, size, gfp)			\
	ALLOCPROF_DI_DEVM_KREALLOC_ARRAY(devm_krealloc_array, dev, p, n, size, gfp)
#define devm_kfree(dev, p)	ALLOCPROF_DI_DEVM_KFREE(devm_kfree, dev, p)

#elif ALLOCPROF_DI_KERNEL == 703
/*
 * 7.3: devres.h reaches printk.h (<linux/numa.h>, <asm/bug.h>), whose
 * default pr_fmt a driver's own pr_fmt, defined after this header, would
 * redefine: the header does not include it.  Each devm_ name is an
 * object-like macro that is the name itself until <linux/device.h> has
 * included devres.h and then <asm/device.h> (whose include guard,
 * _ASM_GENERIC_DEVICE_H, it tests where the name is used), so that
 * devres.h's prototypes and static inlines keep the real names; after
 * it, allocprof_di_devm_<name>: with a '(' the hook (a function-like
 * macro), without one (a function pointer, or the hook's own call of the
 * real function, which is not expanded again) a function declared here:
 * the real one, by an asm label naming its symbol, or for devres.h's
 * static inlines a copy of them.  A module that includes devres.h but
 * not device.h calls the real functions, unrecorded.
 */
#include <linux/types.h>
#include <linux/gfp_types.h>
struct device;
#define ALLOCPROF_DI_DEVM_SEL(guard, name)	ALLOCPROF_DI_DEVM_SEL_(guard, name)
#define ALLOCPROF_DI_DEVM_SEL_(guard, name)	ALLOCPROF_DI_DEVM_IS_ ## guard(name)
#define ALLOCPROF_DI_DEVM_IS__ASM_GENERIC_DEVICE_H(name)	name
#define ALLOCPROF_DI_DEVM_IS_(name)		allocprof_di_ ## name

extern void *allocprof_di_devm_kmalloc(struct device *dev, size_t size, gfp_t gfp)
	__asm__("devm_kmalloc") __alloc_size(2);
extern void *allocprof_di_devm_krealloc(struct device *dev, void *ptr, size_t size,
					gfp_t gfp)
	__asm__("devm_krealloc") __must_check __realloc_size(3);
extern void allocprof_di_devm_kfree(struct device *dev, const void *p)
	__asm__("devm_kfree");
extern void *allocprof_di_devm_kmemdup(struct device *dev, const void *src, size_t len,
				       gfp_t gfp)
	__asm__("devm_kmemdup") __realloc_size(3);
extern char *allocprof_di_devm_kstrdup(struct device *dev, const char *s, gfp_t gfp)
	__asm__("devm_kstrdup") __malloc;
extern const char *allocprof_di_devm_kstrdup_const(struct device *dev, const char *s,
						   gfp_t gfp)
	__asm__("devm_kstrdup_const");
extern char *allocprof_di_devm_kasprintf(struct device *dev, gfp_t gfp, const char *fmt, ...)
	__asm__("devm_kasprintf") __printf(3, 4) __malloc;
/* devres.h's static inlines, as 7.3 writes them. */
static inline __alloc_size(2) void *
allocprof_di_devm_kzalloc(struct device *dev, size_t size, gfp_t gfp)
{
	return allocprof_di_devm_kmalloc(dev, size, gfp | __GFP_ZERO);
}
static inline __alloc_size(2, 3) void *
allocprof_di_devm_kmalloc_array(struct device *dev, size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_expect(__builtin_mul_overflow(n, size, &bytes), 0))
		return NULL;
	return allocprof_di_devm_kmalloc(dev, bytes, flags);
}
static inline __alloc_size(2, 3) void *
allocprof_di_devm_kcalloc(struct device *dev, size_t n, size_t size, gfp_t flags)
{
	return allocprof_di_devm_kmalloc_array(dev, n, size, flags | __GFP_ZERO);
}
static inline __realloc_size(3, 4) void * __must_check
allocprof_di_devm_krealloc_array(struct device *dev, void *p, size_t new_n,
				 size_t new_size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_expect(__builtin_mul_overflow(new_n, new_size, &bytes), 0))
		return NULL;
	return allocprof_di_devm_krealloc(dev, p, bytes, flags);
}
static inline void *
allocprof_di_devm_kmemdup_array(struct device *dev, const void *src, size_t n,
				size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(size, n, &bytes))
		bytes = ~(size_t)0;	/* size_mul() saturates */
	return allocprof_di_devm_kmemdup(dev, src, bytes, flags);
}

#define allocprof_di_devm_kmalloc(dev, size, gfp)			\
	ALLOCPROF_DI_DEVM_SIZED(allocprof_di_devm_kmalloc, dev, size, gfp)
#define allocprof_di_devm_kzalloc(dev, size, gfp)			\
	ALLOCPROF_DI_DEVM_SIZED(allocprof_di_devm_kzalloc, dev, size, gfp)
#define allocprof_di_devm_kmalloc_array(dev, n, size, gfp)		\
	ALLOCPROF_DI_DEVM_ARRAY(allocprof_di_devm_kmalloc_array, dev, n, size, gfp)
#define allocprof_di_devm_kcalloc(dev, n, size, gfp)			\
	ALLOCPROF_DI_DEVM_ARRAY(allocprof_di_devm_kcalloc, dev, n, size, gfp)
#define allocprof_di_devm_kmemdup(dev, src, len, gfp)			\
	ALLOCPROF_DI_DEVM_KMEMDUP(allocprof_di_devm_kmemdup, dev, src, len, gfp)
#define allocprof_di_devm_kmemdup_array(dev, src, n, size, gfp)	\
	ALLOCPROF_DI_DEVM_KMEMDUP_ARRAY(allocprof_di_devm_kmemdup_array, dev, src, \
					n, size, gfp)
#define allocprof_di_devm_kstrdup(dev, s, gfp)				\
	ALLOCPROF_DI_DEVM_KSTRDUP(allocprof_di_devm_kstrdup, dev, s, gfp)
#define allocprof_di_devm_kstrdup_const(dev, s, gfp)			\
	ALLOCPROF_DI_DEVM_KSTRDUP_CONST(allocprof_di_devm_kstrdup_const, dev, s, gfp)
#define allocprof_di_devm_kasprintf(dev, gfp, fmt, ...)			\
	ALLOCPROF_DI_DEVM_KASPRINTF(allocprof_di_devm_kasprintf, dev, gfp, fmt, \
				    ##__VA_ARGS__)
#define allocprof_di_devm_krealloc(dev, p, size, gfp)			\
	ALLOCPROF_DI_DEVM_KREALLOC(allocprof_di_devm_krealloc, dev, p, size, gfp)
#define allocprof_di_devm_krealloc_array(dev, p, n, size, gfp)		\
	ALLOCPROF_DI_DEVM_KREALLOC_ARRAY(allocprof_di_devm_krealloc_array, dev, p, \
					 n, size, gfp)
#define allocprof_di_devm_kfree(dev, p)					\
	ALLOCPROF_DI_DEVM_KFREE(allocprof_di_devm_kfree, dev, p)

#define devm_kmalloc		ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kmalloc)
#define devm_kzalloc		ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kzalloc)
#define devm_kmalloc_array	ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kmalloc_array)
#define devm_kcalloc		ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kcalloc)
#define devm_kmemdup		ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kmemdup)
#define devm_kmemdup_array	ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kmemdup_array)
#define devm_kstrdup		ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kstrdup)
#define devm_kstrdup_const	ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kstrdup_const)
#define devm_kasprintf		ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kasprintf)
#define devm_krealloc		ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_krealloc)
#define devm_krealloc_array	ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_krealloc_array)
#define devm_kfree		ALLOCPROF_DI_DEVM_SEL(_ASM_GENERIC_DEVICE_H, devm_kfree)
#endif /* ALLOCPROF_DI_KERNEL, devm_ */
#endif /* ALLOCPROF_DI_DEVRES */

#endif /* !__ASSEMBLY__ */
#endif /* _ALLOCPROF_DROPIN_H */
