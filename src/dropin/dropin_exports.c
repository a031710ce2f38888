// SPDX-License-Identifier: GPL-2.0
/*
 * allocprof: what modules built with include/allocprof_dropin.h link
 * against (declared in include/allocprof_abi.h): the exports of the
 * pointer table's filter, which the header tests inline, and of the
 * drop-in functions it calls, all defined in Rust (src/profiler/abi.rs,
 * src/dropin/hooks.rs and pages.rs; the devm and mempool ones are
 * exported beside their C, src/dropin/dropin_devres.c and
 * dropin_mempool.c).
 */
#include <linux/export.h>

#include "allocprof.h"

/*
 * The drop-in pointer table's filter (src/dropin/ptr_table.rs, which
 * defines it): per 16-bit hash of an address, how many recorded objects
 * have it.  Tested inline by include/allocprof_dropin.h before a free
 * calls into allocprof.
 */
EXPORT_SYMBOL_GPL(allocprof_dropin_filter);

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
