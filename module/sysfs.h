/* SPDX-License-Identifier: GPL-2.0 */
/* The /sys/kernel/kvmsched tree: presentation only, no policy. */
#ifndef KS_SYSFS_H
#define KS_SYSFS_H

#include <linux/kobject.h>

/*
 * /sys/kernel/kvmsched/vms: a kset, so that a VM directory's add and
 * remove reach udev and netlink listeners as uevents.
 */
extern struct kset *ks_vms_kset;
/* Filled by ks_sysfs_init(), before any such object exists. */
extern const struct attribute_group *ks_vm_groups[];
extern const struct attribute_group *ks_vcpu_groups[];
extern const struct attribute_group *ks_rule_groups[];
extern const struct attribute_group *ks_irq_groups[];

int ks_sysfs_init(void);
void ks_sysfs_exit(void);

#endif /* KS_SYSFS_H */
