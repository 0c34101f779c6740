/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules: policies declared under /sys/kernel/kvmsched/rules/ before a VM
 * exists, and given to each VM they match when it appears.
 */
#ifndef KS_RULES_H
#define KS_RULES_H

#include <linux/kobject.h>
#include <linux/types.h>

struct ks_vm;

/* Whether any rule can match; read without locks. */
bool ks_rules_active(void);
/* Under ks_policy_mutex: @vm gets the best matching rule's settings. */
bool ks_rules_apply(struct ks_vm *vm);
int ks_rules_init(struct kobject *root);
void ks_rules_exit(void);

#endif /* KS_RULES_H */
