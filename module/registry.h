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
#include <linux/types.h>
#include <linux/workqueue.h>

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
	char comm[TASK_COMM_LEN];
	bool dead;			/* KVM destroyed it; under ks_lock */
	struct work_struct sysfs_work;	/* makes sysfs match the registry */
};

struct ks_vcpu {
	struct kobject kobj;		/* vms/<vm>/vcpus/<id>/ */
	struct hlist_node hnode;	/* in the vCPU hash until VM dead */
	struct list_head node;		/* in vm->vcpus */
	struct ks_vm *vm;		/* holds a reference on vm->kobj */
	struct kvm_vcpu *vcpu;		/* deref only under ks_lock, !dead */
	int id;				/* the id given to KVM_CREATE_VCPU */
	struct pid *thread;		/* runs it; NULL before first KVM_RUN */
	struct rcu_head rcu;
};

/* Called from kprobe handlers: atomic context, never sleep. */
void ks_registry_vcpu_created(struct kvm_vcpu *vcpu);
void ks_registry_vcpu_run(struct kvm_vcpu *vcpu);
void ks_registry_vm_destroyed(struct kvm *kvm);
void ks_registry_vm_found(struct kvm *kvm, const struct ks_vmm *vmm);

/* Process context. */
void ks_vmm_snapshot(struct ks_vmm *vmm, struct task_struct *task);
void ks_registry_clear(void);
int ks_registry_init(void);
void ks_registry_exit(void);

/* Reads for sysfs: -ENODEV once KVM has destroyed the VM. */
int ks_vm_nr_vcpus(struct ks_vm *vm);
int ks_vcpu_tid(struct ks_vcpu *v);
int ks_vcpu_last_cpu(struct ks_vcpu *v);

#endif /* KS_REGISTRY_H */
