/* SPDX-License-Identifier: GPL-2.0 */
/* The RT guard: bounds how long an RT vCPU keeps its CPU from the host. */
#ifndef KS_GUARD_H
#define KS_GUARD_H

#include <linux/types.h>

struct ks_vm;

/* The VM's budget files, rt_guard_runtime_us (@period false) and _period_us. */
ssize_t ks_guard_show(struct ks_vm *vm, bool period, char *buf);
ssize_t ks_guard_store(struct ks_vm *vm, bool period, const char *buf,
		       size_t len);
int ks_guard_init(void);
void ks_guard_exit(void);

#endif /* KS_GUARD_H */
