/* SPDX-License-Identifier: GPL-2.0 */
/* The /sys/kernel/kvmsched tree: presentation only, no policy. */
#ifndef KS_SYSFS_H
#define KS_SYSFS_H

#include <linux/kobject.h>

extern struct kobject *ks_vms_kobj;		/* /sys/kernel/kvmsched/vms */
/* Filled by ks_sysfs_init(), before any such object exists. */
extern const struct attribute_group *ks_vm_groups[];
extern const struct attribute_group *ks_vcpu_groups[];
extern const struct attribute_group *ks_rule_groups[];
extern const struct attribute_group *ks_irq_groups[];

int ks_sysfs_init(void);
void ks_sysfs_exit(void);

#endif /* KS_SYSFS_H */
