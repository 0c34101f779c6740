/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry: which VMs and vCPUs KVM has right now, and which host
 * thread runs each vCPU. Discovery feeds it from kprobe context; sysfs
 * presents it. Objects are kobjects: one per sysfs directory, freed by
 * their release.
 */
#ifndef KS_REGISTRY_H
#define KS_REGISTRY_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/task_work.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "engine.h"
#include "placement.h"
#include "rulematch.h"
#include "schedpol.h"

struct kvm;
struct kvm_vcpu;
struct pid;

/* What a VM's VMM process looked like when we first saw the VM. */
struct ks_vmm {
	struct pid *tgid;		/* borrowed: caller keeps it alive */
	char comm[TASK_COMM_LEN];
};

struct ks_vm {
	struct kobject kobj;		/* vms/<pid>-<seq>/ */
	struct kobject *vcpus_kobj;	/* vms/<pid>-<seq>/vcpus/ */
	struct hlist_node hnode;	/* in the VM hash until dead */
	struct list_head vcpus;		/* ks_vcpu.node; under ks_lock */
	struct kvm *kvm;		/* deref only under ks_lock, !dead */
	struct pid *tgid;		/* the VMM process; own reference */
	u64 seq;			/* unique for the module's lifetime */
	char name[32];			/* "<pid>-<seq>", its directory's */
	char comm[TASK_COMM_LEN];
	bool dead;			/* KVM destroyed it; under ks_lock */
	bool removed;			/* dirs gone, registry ref dropped; ks_lock */
	struct work_struct sysfs_work;	/* makes sysfs match the registry */
	struct rcu_head rcu;		/* freed after a grace period */

	/* Affinity: policy fields under ks_policy_mutex. */
	struct ks_mask *cpus;		/* every vCPU's; NULL: none */
	struct ks_mask *emulator_cpus;	/* the other threads'; NULL: none */
	unsigned int gen;		/* bumped on a change; hooks read it */
	bool born;			/* rules matched; hooks read it */
	char rule[KS_RULE_NAME_MAX + 1];	/* the rule it got, if any */
	atomic_long_t emulator_repairs;

	/* Scheduling: policy fields under ks_policy_mutex. */
	struct ks_sched_cfg sched;	/* every vCPU's */
	struct ks_sched_cfg emulator_sched;	/* the other threads' */
	int guard_runtime_us;		/* KS_GUARD_OFF, or up to the period */
	u32 guard_period_us;		/* the guard thread reads both */
};

struct ks_vcpu {
	struct kobject kobj;		/* vms/<vm>/vcpus/<id>/ */
	struct hlist_node hnode;	/* in the vCPU hash until VM dead */
	struct list_head node;		/* in vm->vcpus */
	/* Holds a reference; hooks read it under RCU (VMs are RCU-freed). */
	struct ks_vm *vm;
	struct kvm_vcpu *vcpu;		/* deref only under ks_lock, !dead */
	int id;				/* the id given to KVM_CREATE_VCPU */
	struct pid *thread;		/* runs it; NULL before first KVM_RUN */
	struct rcu_head rcu;

	/* Affinity: policy fields under ks_policy_mutex. */
	struct ks_mask *cpus;		/* own policy; NULL: none */
	struct ks_mask __rcu *target;	/* CPUs it may enter the guest on */
	enum ks_place place;		/* where target comes from */
	unsigned int applied_gen;	/* vm->gen its thread last got */
	unsigned long flags;		/* KS_VCPU_* bits, atomic */
	struct callback_head twork;	/* repair, run by its thread */
	struct task_struct *twork_task;	/* the thread twork is queued on */
	struct list_head pending;	/* while twork is queued */
	struct callback_head unload_kick;	/* wakes a halted thread */
	atomic_long_t repairs[KS_NR_ASPECTS];	/* drift repaired */

	/* Scheduling: policy fields under ks_policy_mutex. */
	struct ks_sched_cfg sched;	/* own override */
	u64 sched_want;			/* packed attr for its thread; hooks read it */
	bool sched_rt;			/* asks for fifo or rr; the guard reads it */
	u64 rt_since_ns;		/* local_clock() when we last made it RT */
	struct ks_guard_win guard;	/* the guard thread's alone */
	u64 streak_start_ns;		/* the guard's: its run's start, 0: none */
	unsigned long streak_nvcsw;	/* the guard's: nvcsw at that start */
	struct pid *streak_pid;		/* the guard's: whose; compared only */
	atomic_long_t rt_demotions;
};

#define KS_VCPU_WORK_QUEUED	0	/* twork is queued on its thread */
#define KS_VCPU_DEMOTED		1	/* the RT guard took its RT class */
#define KS_VCPU_UNLOAD_KICKED	2	/* unload woke its sleeping thread */

/*
 * Called from kprobe handlers: atomic context, never sleep. Those that can
 * publish a VM return true when they did.
 */
bool ks_registry_vcpu_created(struct kvm_vcpu *vcpu);
bool ks_registry_vcpu_run(struct kvm_vcpu *vcpu);
void ks_registry_vm_destroyed(struct kvm *kvm);
bool ks_registry_vm_found(struct kvm *kvm, const struct ks_vmm *vmm);
/* Under rcu_read_lock(): @vcpu's object if current runs it, else NULL. */
struct ks_vcpu *ks_registry_vcpu_current(struct kvm_vcpu *vcpu);

/* Process context. */
void ks_vmm_snapshot(struct ks_vmm *vmm, struct task_struct *task);
void ks_registry_clear(void);
int ks_registry_init(void);
void ks_registry_exit(void);

/* Reads for sysfs: -ENODEV once KVM has destroyed the VM. */
int ks_vm_nr_vcpus(struct ks_vm *vm);
int ks_vcpu_tid(struct ks_vcpu *v);
int ks_vcpu_last_cpu(struct ks_vcpu *v);

/* For policy code (process context). */
bool ks_vm_alive(struct ks_vm *vm);
struct task_struct *ks_vcpu_get_task(struct ks_vcpu *v);
bool ks_vm_runs_thread(struct ks_vm *vm, struct pid *pid);
int ks_vm_get_vcpus(struct ks_vm *vm, struct ks_vcpu ***out);
int ks_get_vms(struct ks_vm ***out);
void ks_put_vcpus(struct ks_vcpu **vcpus, int n);
void ks_put_vms(struct ks_vm **vms, int n);

#endif /* KS_REGISTRY_H */
