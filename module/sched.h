/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scheduling aspect: the class, priority, nice and slice of vCPU and
 * emulator threads. Decisions come from schedpol.c; the engine (engine.c)
 * applies them, and the RT guard (guard.c) watches the RT vCPUs.
 */
#ifndef KS_SCHED_H
#define KS_SCHED_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "schedpol.h"

struct ks_vm;
struct ks_vcpu;
struct task_struct;

/* Which settings a file is for. */
enum ks_sched_scope {
	KS_SCOPE_VM,		/* vms/<vm>/: every vCPU of the VM */
	KS_SCOPE_VCPU,		/* vms/<vm>/vcpus/<id>/: that vCPU's override */
	KS_SCOPE_EMULATOR,	/* vms/<vm>/emulator_*: the other threads */
};

extern const struct ks_aspect ks_sched_aspect;

/*
 * Set, and the queue woken, when a vCPU turns RT or a guard budget
 * changes: the RT guard then looks again. Any context.
 */
extern atomic_t ks_sched_rt_news;
extern struct wait_queue_head ks_sched_rt_wq;
void ks_sched_rt_changed(void);

/* What @task runs with now. */
void ks_task_sched(struct task_struct *task, struct ks_sched_attr *a);

/*
 * The RT guard's, process context, no lock of kvmsched's: demote @task, a
 * fifo or rr thread, to idle (false if it is neither), *@from getting what
 * it had; then give it *@from back, if it still runs as idle (false if
 * someone else has changed it since, or it could not be set).
 */
bool ks_sched_demote(struct task_struct *task, struct ks_sched_attr *from);
bool ks_sched_undemote(struct task_struct *task,
		       const struct ks_sched_attr *from);

/* Process context. */
ssize_t ks_sched_cfg_show(struct ks_sched_cfg *cfg, enum ks_sched_field f,
			  char *buf);
int ks_sched_cfg_store(struct ks_sched_cfg *cfg, enum ks_sched_field f,
		       const char *buf, const char *what);
/* A rate-limited warning if @v's (@vm's if NULL) CPUs are housekeeping. */
void ks_sched_warn_rt(struct ks_vm *vm, struct ks_vcpu *v, const char *what);
ssize_t ks_sched_effective_show(struct ks_vcpu *v, enum ks_sched_field f,
				char *buf);

#endif /* KS_SCHED_H */
