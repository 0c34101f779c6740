/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules: policies declared under /sys/kernel/kvmsched/rules/ before a VM
 * exists, and given to each VM they match when it appears.
 */
#ifndef KS_RULES_H
#define KS_RULES_H

#include <linux/kobject.h>
#include <linux/types.h>

#include "sched.h"
#include "settings.h"

struct ks_vm;

/* Under ks_policy_mutex: @vm gets the best matching rule's settings. */
bool ks_rules_apply(struct ks_vm *vm);

/* The files of rules/<name>/ (declared in sysfs.c); @file names the file. */
ssize_t ks_rule_match_show(struct kobject *kobj, char *buf);
ssize_t ks_rule_match_store(struct kobject *kobj, const char *buf, size_t len);
ssize_t ks_rule_cpus_show(struct kobject *kobj, enum ks_cpus_file f, char *buf);
ssize_t ks_rule_cpus_store(struct kobject *kobj, enum ks_cpus_file f,
			   const char *file, const char *buf, size_t len);
ssize_t ks_rule_sched_show(struct kobject *kobj, enum ks_sched_scope scope,
			   enum ks_sched_field f, char *buf);
ssize_t ks_rule_sched_store(struct kobject *kobj, enum ks_sched_scope scope,
			    enum ks_sched_field f, const char *file,
			    const char *buf, size_t len);
ssize_t ks_rule_numa_show(struct kobject *kobj, char *buf);
ssize_t ks_rule_numa_store(struct kobject *kobj, const char *buf, size_t len);
ssize_t ks_rule_numa_mode_show(struct kobject *kobj, char *buf);
ssize_t ks_rule_numa_mode_store(struct kobject *kobj, const char *buf,
				size_t len);
ssize_t ks_rule_irq_show(struct kobject *kobj, char *buf);
ssize_t ks_rule_irq_store(struct kobject *kobj, const char *buf, size_t len);
ssize_t ks_rule_halt_show(struct kobject *kobj, char *buf);
ssize_t ks_rule_halt_store(struct kobject *kobj, const char *buf, size_t len);
ssize_t ks_rule_matched_show(struct kobject *kobj, char *buf);
int ks_rules_init(struct kobject *root);
void ks_rules_exit(void);

#endif /* KS_RULES_H */
