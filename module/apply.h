/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vms/<vm>/apply: several settings of one VM and its vCPUs in one write,
 * checked as a whole and put in force together, or none of them.
 */
#ifndef KS_APPLY_H
#define KS_APPLY_H

#include <linux/types.h>

struct ks_vm;

ssize_t ks_setting_apply_store(struct ks_vm *vm, const char *buf, size_t len);

#endif /* KS_APPLY_H */
