/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C helpers of src/glue.c, src/dropin_devres.c and src/dropin_mempool.c
 * that allocprof's Rust code calls (declared in Rust with `extern "C"`),
 * and what those files share; the exported ones are in include/allocprof.h.
 */
#ifndef _ALLOCPROF_GLUE_H
#define _ALLOCPROF_GLUE_H

#include <linux/jump_label.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/types.h>

struct allocprof_counters;
struct mutex;

void allocprof_counters_sum(const struct allocprof_counters __percpu *c,
			    s64 *bytes, s64 *calls);
void allocprof_counters_sum_totals(const struct allocprof_counters __percpu *c,
				   u64 *bytes, u64 *calls);
void allocprof_counters_reset_totals(struct allocprof_counters __percpu *c);
void allocprof_cond_resched(void);
void allocprof_mutex_init(struct mutex *m);
bool allocprof_oom_ratelimit(void);
void allocprof_vmalloc_area_init(void);
int allocprof_proc_exists(const char *path);
int allocprof_create_file(struct kobject *kobj, struct bin_attribute *attr,
			  const struct kernfs_ops *ops, umode_t mode);
int allocprof_create_view_file(struct kobject *kobj, struct bin_attribute *attr,
			       const struct kernfs_ops *ops, umode_t mode);

struct page;
struct kmem_cache;
int allocprof_page_map_init(void);
void allocprof_pages_free_shared(struct page *page, unsigned int order);
unsigned int allocprof_possible_cpus(void);
unsigned int allocprof_jiffies_to_msecs(unsigned long j);
void allocprof_mdelay(unsigned int ms);
void allocprof_test_msleep(unsigned int ms);
unsigned int allocprof_cache_bytes(struct kmem_cache *s, bool *exact);
void allocprof_dropin_schedule_check(void);
void allocprof_dropin_flush_check(void);
void allocprof_dropin_keys_lock(void);
void allocprof_dropin_keys_unlock(void);
struct device;
bool allocprof_devm_track(struct device *dev, unsigned long object, gfp_t gfp);
void allocprof_devm_untrack(struct device *dev, unsigned long object);
bool allocprof_devm_retrack(struct device *dev, unsigned long old,
			    unsigned long object);
size_t allocprof_devres_bytes(size_t size);
void allocprof_devm_tracker_forget(struct device *dev, void *res);
/* Rust (src/dropin.rs); its exports are declared in allocprof_abi.h. */
void allocprof_dropin_check_keys(void);
void allocprof_dropin_pages_forget(unsigned long addr);
void allocprof_dropin_pages_keep_first(unsigned long addr);
unsigned long allocprof_dropin_page_addr(const struct page *page);
struct page *allocprof_dropin_addr_page(unsigned long addr);
void allocprof_dropin_devm_released(unsigned long object);
struct allocprof_tag;
bool allocprof_dropin_mempool_made(const struct allocprof_tag *pending,
				   unsigned long object, unsigned int kind,
				   unsigned long arg);
void allocprof_dropin_mempool_recharge(const struct allocprof_tag *from,
				       const struct allocprof_tag *to,
				       unsigned long object, bool page,
				       bool to_sink, bool lost);

/* On: drop-in frees look their objects up (src/glue.c). */
DECLARE_STATIC_KEY_FALSE(allocprof_dropin_key);

#endif /* _ALLOCPROF_GLUE_H */
