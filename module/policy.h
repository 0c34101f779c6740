/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy layer's state of each VM and vCPU: a block the registry
 * allocates, zeroed, after each of its objects and frees with it, without
 * knowing what is in it (ks_vm_priv(), ks_vcpu_priv()). Zero is the state
 * of a new object: no policy, not born, default guard budget. The engine
 * frees what a block points to (ks_engine_owner).
 *
 * Locking: policy fields are under ks_policy_mutex; fields the KVM hooks
 * or the RT guard read without it say so.
 */
#ifndef KS_POLICY_H
#define KS_POLICY_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/task_work.h>
#include <linux/types.h>

#include "diagpol.h"
#include "engine.h"
#include "haltpollpol.h"
#include "irqpol.h"
#include "numa.h"
#include "placement.h"
#include "registry.h"
#include "rulematch.h"
#include "schedpol.h"
#include "statspol.h"

struct ks_mask;
struct pid;
struct task_struct;

struct ks_vm_pol {
	/* Affinity. */
	struct ks_mask *cpus;		/* every vCPU's; NULL: none */
	struct ks_mask *emulator_cpus;	/* the other threads'; NULL: none */
	/* NUMA placement. */
	struct ks_numa_cfg numa;	/* numa_node, numa_mode as given */
	/* Interrupt steering. */
	struct ks_irq_cfg irq;		/* irq_cpus as given */
	int home_node;			/* in force while numa.set */
	/* The engine's. */
	unsigned int gen;		/* bumped on a change; hooks read it */
	bool born;			/* rules matched; hooks read it */
	char rule[KS_RULE_NAME_MAX + 1];	/* the rule it got, if any */
	atomic_long_t emulator_repairs;
	/* Scheduling. */
	struct ks_sched_cfg sched;	/* every vCPU's */
	struct ks_sched_cfg emulator_sched;	/* the other threads' */
	/* The RT guard reads both; 0: the default budget. */
	int guard_runtime_us;		/* KS_GUARD_OFF, or up to the period */
	u32 guard_period_us;
	/* Halt polling. */
	struct ks_halt_cfg halt_poll;	/* halt_poll_ns as given */
	/* The engine's record of the VM aspects of KVM's VM object. */
	unsigned long vm_touched;	/* bit per aspect */
	void *vm_rec;			/* orig and set per aspect; NULL: none */
	atomic_long_t repairs[KS_NR_ASPECTS];	/* drift repaired */
	/* Statistics: stats.c's, under ks_stats_mutex. */
	struct ks_stat_acc emulator_runtime;
	/* Diagnosis: diag.c's, under ks_diag_mutex. */
	struct ks_diag_ring diag;
	int diag_gen;			/* diag_window_ms's when it began */
};

struct ks_vcpu_pol {
	/* Affinity. */
	struct ks_mask *cpus;		/* own policy; NULL: none */
	struct ks_mask __rcu *target;	/* CPUs it may enter the guest on */
	enum ks_place place;		/* where target comes from */
	/* The engine's. */
	unsigned int applied_gen;	/* vm gen its thread last got */
	unsigned long flags;		/* KS_VCPU_* bits, atomic */
	struct callback_head twork;	/* repair, run by its thread */
	struct task_struct *twork_task;	/* the thread twork is queued on */
	struct list_head pending;	/* while twork is queued */
	struct callback_head unload_kick;	/* wakes a halted thread */
	atomic_long_t repairs[KS_NR_ASPECTS];	/* drift repaired */
	/* Scheduling. */
	struct ks_sched_cfg sched;	/* own override */
	u64 sched_want;			/* packed attr for its thread; hooks read it */
	bool sched_rt;			/* asks for fifo or rr; the guard reads it */
	u64 rt_since_ns;		/* local_clock() when we last made it RT */
	/* The RT guard's alone. */
	struct ks_guard_win guard;
	struct list_head demoted;	/* on its list while DEMOTED */
	struct task_struct *demoted_task;	/* the thread it demoted */
	struct ks_sched_attr demoted_from;	/* what that thread had */
	u64 restored_ns;		/* local_clock() at its last restore */
	u64 streak_start_ns;		/* its run's start, 0: none */
	unsigned long streak_nvcsw;	/* nvcsw at that start */
	struct pid *streak_pid;		/* whose; compared only */
	atomic_long_t rt_demotions;
	/* NUMA widening: numa.c's, at the periodic pass. */
	struct ks_numa_spill numa_spill;
	u64 numa_look_ns;		/* ktime of its last look, 0: none */
	u64 numa_delay_ns;		/* its thread's run delay then */
	u64 numa_exec_ns;		/* and CPU time */
	struct pid *numa_pid;		/* whose; compared only */
	atomic_long_t numa_spills;
	/* Statistics: stats.c's, under ks_stats_mutex. */
	struct ks_stat_acc stats[KS_NR_VCPU_STATS];
	pid_t stats_tid;		/* the thread read last (init ns), 0: none */
	u64 stats_start;		/* and its start_time: tids are reused */
};

/*
 * A host IRQ's: what the engine last did with it (1: steered, 0: no
 * policy, -errno: why not; irq.c names them) and the moves by others it
 * undid.
 */
struct ks_irq_pol {
	int outcome;			/* under ks_policy_mutex */
	atomic_long_t repairs;
};

#define KS_VCPU_WORK_QUEUED	0	/* twork is queued on its thread */
#define KS_VCPU_DEMOTED		1	/* the RT guard has its class */
#define KS_VCPU_UNLOAD_KICKED	2	/* unload woke its sleeping thread */

static inline struct ks_vm_pol *ks_vmp(struct ks_vm *vm)
{
	return ks_vm_priv(vm);
}

static inline struct ks_vcpu_pol *ks_vcp(struct ks_vcpu *v)
{
	return ks_vcpu_priv(v);
}

static inline struct ks_irq_pol *ks_irqp(struct ks_irq *irq)
{
	return ks_irq_priv(irq);
}

static inline struct ks_vcpu *ks_vcpu_of(struct ks_vcpu_pol *p)
{
	return ks_vcpu_from_priv(p);
}

#endif /* KS_POLICY_H */
