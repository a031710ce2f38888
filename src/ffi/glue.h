/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C helpers of src/ffi/helpers.c that allocprof's Rust code calls
 * (declared in Rust with `extern "C"`: src/ffi/); the exported ones are
 * in include/allocprof.h.
 */
#ifndef _ALLOCPROF_GLUE_H
#define _ALLOCPROF_GLUE_H

#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/types.h>

struct allocprof_counters;

void allocprof_counters_sum(const struct allocprof_counters __percpu *c,
			    s64 *bytes, s64 *calls);
void allocprof_counters_sum_totals(const struct allocprof_counters __percpu *c,
				   u64 *bytes, u64 *calls);
void allocprof_counters_reset_totals(struct allocprof_counters __percpu *c);
void allocprof_cond_resched(void);
bool allocprof_oom_ratelimit(void);
bool allocprof_exiting(void);
void allocprof_vmalloc_area_init(void);
int allocprof_proc_exists(const char *path);
int allocprof_create_file(struct kobject *kobj, const struct bin_attribute *attr,
			  umode_t mode, unsigned int delay_ms);
unsigned int allocprof_possible_cpus(void);
unsigned int allocprof_jiffies_to_msecs(unsigned long j);
void allocprof_mdelay(unsigned int ms);
void allocprof_test_msleep(unsigned int ms);

#endif /* _ALLOCPROF_GLUE_H */
