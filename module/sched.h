/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scheduling enforcement: the class, priority, nice and slice of vCPU and
 * emulator threads, and the RT guard. Decisions come from schedpol.c; the
 * load hook and the passes in affinity.c decide when this code runs.
 */
#ifndef KS_SCHED_H
#define KS_SCHED_H

#include <linux/types.h>

#include "schedpol.h"

struct ks_vm;
struct ks_vcpu;
struct pid;
struct task_struct;

/* Which settings a sysfs file is for. */
enum ks_sched_scope {
	KS_SCOPE_VM,		/* vms/<vm>/: every vCPU of the VM */
	KS_SCOPE_VCPU,		/* vms/<vm>/vcpus/<id>/: that vCPU's override */
	KS_SCOPE_EMULATOR,	/* vms/<vm>/emulator_*: the other threads */
};

/* Atomic context: @v's thread is current. */
bool ks_sched_violated(struct ks_vcpu *v);

/* Under ks_policy_mutex and cpus_read_lock(). */
void ks_sched_vcpu_sync(struct ks_vcpu *v, struct task_struct *task,
			bool count);
bool ks_sched_emulator_attr(struct pid *tgid, struct ks_vm **vms, int n,
			    struct ks_sched_attr *attr);
bool ks_sched_thread_apply(struct task_struct *task,
			   const struct ks_sched_attr *attr);
void ks_sched_forget_exited(void);

/* Process context. */
ssize_t ks_sched_cfg_show(struct ks_sched_cfg *cfg, enum ks_sched_field f,
			  char *buf);
int ks_sched_cfg_store(struct ks_sched_cfg *cfg, enum ks_sched_field f,
		       const char *buf, const char *what);
/* A rate-limited warning if @v's (@vm's if NULL) CPUs are housekeeping. */
void ks_sched_warn_rt(struct ks_vm *vm, struct ks_vcpu *v, const char *what);
ssize_t ks_sched_show(struct ks_vm *vm, struct ks_vcpu *v,
		      enum ks_sched_scope scope, enum ks_sched_field f,
		      char *buf);
ssize_t ks_sched_store(struct ks_vm *vm, struct ks_vcpu *v,
		       enum ks_sched_scope scope, enum ks_sched_field f,
		       const char *buf, size_t len);
ssize_t ks_sched_effective_show(struct ks_vcpu *v, enum ks_sched_field f,
				char *buf);
ssize_t ks_guard_show(struct ks_vm *vm, bool period, char *buf);
ssize_t ks_guard_store(struct ks_vm *vm, bool period, const char *buf,
		       size_t len);
int ks_sched_init(void);
void ks_sched_quiesce(void);
void ks_sched_exit(void);

#endif /* KS_SCHED_H */
