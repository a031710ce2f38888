/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the drop-in mode's C files (in src/dropin/) share with each other
 * and with its Rust (declared there with `extern "C"`);
 * the exports modules call are in include/allocprof_abi.h.
 */
#ifndef _ALLOCPROF_DROPIN_H
#define _ALLOCPROF_DROPIN_H

#include <linux/jump_label.h>
#include <linux/types.h>

struct allocprof_tag;
struct device;
struct kmem_cache;
struct page;

/* C, called by the Rust side. */
int allocprof_page_map_init(void);
void allocprof_pages_free_shared(struct page *page, unsigned int order);
void allocprof_pages_settle(unsigned long addr, bool force);
unsigned int allocprof_cache_bytes(struct kmem_cache *s, bool *exact);
unsigned int allocprof_rs_realloc_kind(const void *fn);
void allocprof_dropin_schedule_check(void);
void allocprof_dropin_flush_check(void);
bool allocprof_devm_track(struct device *dev, unsigned long object, gfp_t gfp);
void allocprof_devm_untrack(struct device *dev, unsigned long object);
bool allocprof_devm_retrack(struct device *dev, unsigned long old,
			    unsigned long object);
size_t allocprof_devres_bytes(size_t size);
void allocprof_devm_tracker_forget(struct device *dev, void *res);

/* Rust (src/dropin/hooks.rs, pages.rs, page_map.rs), called by the C side. */
void allocprof_dropin_check_keys(void);
bool allocprof_dropin_settle_pages(void);
bool allocprof_dropin_pages_release(unsigned long addr, bool keep_first);
bool allocprof_dropin_pages_settled(unsigned long addr);
unsigned long allocprof_dropin_page_addr(const struct page *page);
struct page *allocprof_dropin_addr_page(unsigned long addr);
void allocprof_dropin_devm_released(unsigned long object);
bool allocprof_dropin_mempool_made(const struct allocprof_tag *pending,
				   unsigned long object, unsigned int kind,
				   unsigned long arg);
void allocprof_dropin_mempool_recharge(const struct allocprof_tag *from,
				       const struct allocprof_tag *to,
				       unsigned long object, bool page,
				       bool to_sink, bool lost);

/* On: drop-in frees look their objects up (src/ffi/keys.c). */
DECLARE_STATIC_KEY_FALSE(allocprof_dropin_key);

#endif /* _ALLOCPROF_DROPIN_H */
