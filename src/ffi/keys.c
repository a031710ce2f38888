// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof's statics that only C can initialise, and what client modules
 * link against:
 *
 * - the static keys (DEFINE_STATIC_KEY_FALSE() is a C initializer) and the
 *   sink counters, exported;
 * - the mutexes of the registry and of the drop-in keys' switches
 *   (DEFINE_MUTEX(): Rust cannot initialise one in a static;
 *   src/ffi/mutex.rs);
 * - the module parameters (the 6.12 Rust module! macro has none;
 *   src/ffi/params.rs);
 * - the exports of the registration C ABI (src/profiler/abi.rs) and of the
 *   kmalloc size table (src/ffi/kmalloc_sizes.rs);
 * - build-time checks: the kernel's configuration, and that
 *   src/api/tag.rs and src/ffi/params.rs match their C layout.
 */
#include <linux/build_bug.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/mutex.h>
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

/*
 * On: frees of drop-in modules look their objects up in the pointer table
 * (src/dropin/hooks.rs says when).
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

/* The registry's lock. */
DEFINE_MUTEX(allocprof_registry_lock);

/* Serializes the switching of the drop-in frees key. */
DEFINE_MUTEX(allocprof_dropin_keys_lock);

/*
 * The module parameters, all 0444: set at load, before init, read-only
 * after.  src/ffi/params.rs mirrors the structure.
 */
struct allocprof_params {
	bool enabled;
	bool debug;
	unsigned int test_delay_ms;
	unsigned int test_record_delay_ms;
	unsigned int test_record_sleep_ms;
	unsigned int dropin_slots;
	unsigned int test_view_delay_ms;
	unsigned int test_realloc_sleep_ms;
	unsigned int test_page_free_sleep_ms;
};

struct allocprof_params allocprof_params = {
	.enabled = true,
	.dropin_slots = 65536,
};

/*
 * The author here rather than in module!, whose field for it differs
 * between the kernels allocprof is tested on (6.12: author; 7.3: authors).
 */
MODULE_AUTHOR("allocprof developers");

/*
 * allocprof_param(NAME, TYPE, DESC): the read-only module parameter NAME,
 * a member of allocprof_params, with its description.
 */
#define allocprof_param(name, type, desc)				\
	module_param_named(name, allocprof_params.name, type, 0444);	\
	MODULE_PARM_DESC(name, desc)

allocprof_param(enabled, bool,
		"Profile from load on (default: 1)");

allocprof_param(debug, bool,
		"Debug checks on, vm.mem_profiling read-only (default: 0)");

/* Test hook (kselftests only): milliseconds to sleep inside setup windows. */
allocprof_param(test_delay_ms, uint,
		"Test only: widen setup race windows by this many ms (default: 0)");

/*
 * Test hook: milliseconds a drop-in record on its general path (every kind
 * but kmalloc and pages by address, e.g. vmalloc) busy-waits inside its
 * non-preemptible region before storing its object.
 */
allocprof_param(test_record_delay_ms, uint,
		"Test only: delay a drop-in record (general path) by this many ms before it stores its object (default: 0)");

/*
 * Test hook: milliseconds a drop-in record on its general path sleeps
 * before its non-preemptible region (in process context only), as a task
 * preempted between its call site's branch and allocprof would.
 */
allocprof_param(test_record_sleep_ms, uint,
		"Test only: a drop-in record (general path, process context) sleeps this many ms before it enters allocprof's non-preemptible region (default: 0)");

allocprof_param(dropin_slots, uint,
		"Objects the drop-in pointer table can hold (rounded up to a power of two; default: 65536)");

/*
 * Test hook: milliseconds to sleep before creating a per-module view (with
 * the registry locked) and before removing one (unlocked).
 */
allocprof_param(test_view_delay_ms, uint,
		"Test only: delay the creation and the removal of a per-module view by this many ms (default: 0)");

/*
 * Test hook: milliseconds a Rust drop-in reallocation that moved sleeps
 * (process context) before it records, its old object's entry held.
 */
allocprof_param(test_realloc_sleep_ms, uint,
		"Test only: a Rust drop-in reallocation that moved (process context) sleeps this many ms before it records (default: 0)");

/*
 * Test hook: milliseconds a drop-in page free on its slow path (process
 * context) sleeps before it enters allocprof's non-preemptible region.
 */
allocprof_param(test_page_free_sleep_ms, uint,
		"Test only: a drop-in page free on its slow path (process context) sleeps this many ms before it enters allocprof's non-preemptible region (default: 0)");

/* The registration C ABI and the kmalloc size table, defined in Rust. */
EXPORT_SYMBOL_GPL(allocprof_register_module);
EXPORT_SYMBOL_GPL(allocprof_unregister_module);
EXPORT_SYMBOL_GPL(allocprof_kmalloc_sizes);

/* src/ffi/params.rs relies on exactly this layout. */
static_assert(sizeof(struct allocprof_params) == 32);
static_assert(offsetof(struct allocprof_params, test_delay_ms) == 4);
static_assert(offsetof(struct allocprof_params, test_view_delay_ms) == 20);

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
