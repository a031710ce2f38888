// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof C glue: only what Rust cannot express in this kernel.
 *
 * - the static key (DEFINE_STATIC_KEY_FALSE is a C initializer macro);
 * - module parameters (the 6.12 Rust module! macro has none);
 * - symbol exports for client modules (EXPORT_SYMBOL is a C macro);
 * - build-time checks that src/api/tag.rs matches include/allocprof.h.
 */
#include <linux/build_bug.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/stddef.h>

#include "allocprof.h"

#ifndef CONFIG_JUMP_LABEL
#error "allocprof needs CONFIG_JUMP_LABEL: its call sites are static branches"
#endif

#ifdef CONFIG_MEM_ALLOC_PROFILING
#error "this kernel has its own allocation profiler (CONFIG_MEM_ALLOC_PROFILING): it owns vm.mem_profiling and parses every module's alloc_tags section"
#endif

/* On: call sites charge their counters.  Flipped by vm.mem_profiling. */
DEFINE_STATIC_KEY_FALSE(allocprof_key);
EXPORT_SYMBOL_GPL(allocprof_key);

/* On: the debug checks of the charge and free paths run. */
DEFINE_STATIC_KEY_FALSE(allocprof_debug_key);
EXPORT_SYMBOL_GPL(allocprof_debug_key);

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

EXPORT_SYMBOL_GPL(allocprof_register_module);
EXPORT_SYMBOL_GPL(allocprof_unregister_module);
EXPORT_SYMBOL_GPL(allocprof_kmalloc_sizes);

#ifndef CONFIG_X86_64
/* The counter update for architectures without the Rust inline version. */
void allocprof_this_cpu_add(u64 __percpu *pcp, u64 val)
{
	this_cpu_add(*pcp, val);
}
EXPORT_SYMBOL_GPL(allocprof_this_cpu_add);
#endif

/* The Rust mirror (src/api/tag.rs) relies on exactly this layout. */
static_assert(sizeof(struct allocprof_counters) == 16);
static_assert(sizeof(struct allocprof_tag) == 40);
static_assert(offsetof(struct allocprof_tag, lineno) == 4);
static_assert(offsetof(struct allocprof_tag, modname) == 8);
static_assert(offsetof(struct allocprof_tag, function) == 16);
static_assert(offsetof(struct allocprof_tag, filename) == 24);
static_assert(offsetof(struct allocprof_tag, counters) == 32);
