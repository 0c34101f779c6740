/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry: which VMs and vCPUs KVM has right now, and which host
 * thread runs each vCPU: identities, lifetimes and thread binding, no
 * policy. Discovery feeds it from kprobe context; sysfs presents it.
 * Objects are kobjects: one per sysfs directory, freed by their release.
 * Each carries a block for its owner, the policy layer, which the
 * registry never reads.
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
struct mm_struct;
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
	struct kobject *irqs_kobj;	/* vms/<pid>-<seq>/irqs/ */
	struct hlist_node hnode;	/* in the VM hash until dead */
	struct list_head vcpus;		/* ks_vcpu.node; under ks_lock */
	struct list_head irqs;		/* ks_irq.node; under ks_lock */
	struct kvm *kvm;		/* deref only under ks_lock, !dead */
	struct pid *tgid;		/* the VMM process; own reference */
	u64 seq;			/* unique for the module's lifetime */
	char name[32];			/* "<pid>-<seq>", its directory's */
	char comm[TASK_COMM_LEN];
	bool dead;			/* KVM destroyed it; under ks_lock */
	bool removed;			/* dirs gone, registry ref dropped; ks_lock */
	struct work_struct sysfs_work;	/* makes sysfs match the registry */
	struct rcu_head rcu;		/* freed after a grace period */
	unsigned long priv[];		/* the owner's block */
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
	unsigned long priv[];		/* the owner's block */
};

/*
 * A host IRQ that delivers into the VM: its handler signals an eventfd
 * that one of the VM's irqfds injects (hostirq.h).
 */
struct ks_irq {
	struct kobject kobj;		/* vms/<vm>/irqs/<irq>/ */
	struct list_head node;		/* in vm->irqs */
	struct ks_vm *vm;		/* a reference */
	int irq;			/* the Linux IRQ of /proc/interrupts */
	void *eventfd;			/* compared, never dereferenced */
	/* From the irqfd's route when last paired; under ks_lock. */
	int gsi;
	int target_vcpu;		/* the vCPU id it targets; -1: none */
	struct rcu_head rcu;
	unsigned long priv[];		/* the owner's block */
};

/*
 * The owner of the blocks after each object (the policy layer): their
 * sizes, and what frees what a block points to. The free functions run
 * after an RCU grace period, from the object's last release.
 */
struct ks_registry_owner {
	size_t vm_size, vcpu_size, irq_size;
	void (*vm_free)(struct ks_vm *vm);
	void (*vcpu_free)(struct ks_vcpu *v);
	void (*irq_free)(struct ks_irq *irq);
};

/* The owner's block of an object, zeroed when the object is made. */
static inline void *ks_vm_priv(struct ks_vm *vm)
{
	return vm->priv;
}

static inline void *ks_vcpu_priv(struct ks_vcpu *v)
{
	return v->priv;
}

static inline void *ks_irq_priv(struct ks_irq *irq)
{
	return irq->priv;
}

static inline struct ks_vcpu *ks_vcpu_from_priv(void *priv)
{
	return (struct ks_vcpu *)((char *)priv - offsetof(struct ks_vcpu, priv));
}

/*
 * Called from kprobe handlers: atomic context, never sleep. Those that can
 * publish a VM return true when they did.
 */
bool ks_registry_vcpu_created(struct kvm_vcpu *vcpu);
void ks_registry_vm_destroyed(struct kvm *kvm);
bool ks_registry_vm_found(struct kvm *kvm, const struct ks_vmm *vmm);
/* Whether process @tgid has a VM registered. */
bool ks_registry_has_vms(struct pid *tgid);

/* Process context. */
/*
 * Binds current to every vCPU of its process that KVM records as run by
 * it (KVM sets that record at KVM_RUN, when a thread first runs a vCPU).
 * Returns the last of them with a reference, or NULL.
 */
struct ks_vcpu *ks_registry_bind_current(void);
/* Every vCPU bound to the thread KVM records as running it now. */
void ks_registry_refresh_threads(void);
/*
 * Every VM's IRQs paired again with its irqfds and routes. Waits for the
 * registry's sysfs work: never under a lock that a sysfs file takes.
 */
void ks_registry_refresh_irqs(void);
void ks_vmm_snapshot(struct ks_vmm *vmm, struct task_struct *task);
void ks_registry_clear(void);
int ks_registry_init(const struct ks_registry_owner *owner);
void ks_registry_exit(void);

/* Up to this many ranges of a VM's guest RAM are sampled: the largest. */
#define KS_RAM_MAX_RANGES	16

/* A VM's guest RAM in its VMM's address space. */
struct ks_ram_range {
	unsigned long hva;		/* where the VMM maps it */
	u64 pages;			/* of PAGE_SIZE */
};

struct ks_ram {
	struct mm_struct *mm;		/* the VMM's, with a reference */
	int nr;
	struct ks_ram_range range[KS_RAM_MAX_RANGES];
};

/* Reads for sysfs: -ENODEV once KVM has destroyed the VM. */
int ks_vm_get_ram(struct ks_vm *vm, struct ks_ram *ram);
int ks_vm_nr_vcpus(struct ks_vm *vm);
int ks_irq_gsi(struct ks_irq *irq);
int ks_irq_target_vcpu(struct ks_irq *irq);
int ks_vcpu_tid(struct ks_vcpu *v);
int ks_vcpu_last_cpu(struct ks_vcpu *v);

/* For policy code (process context). */
bool ks_vm_alive(struct ks_vm *vm);
int ks_vcpu_read_kvm(struct ks_vcpu *v,
		     void (*read)(const struct kvm_vcpu *vcpu, void *arg),
		     void *arg);
int ks_vm_with_kvm(struct ks_vm *vm, void (*fn)(struct kvm *kvm, void *arg),
		   void *arg);
/* The process a vhost kthread works for (before 6.4), or NULL; under RCU. */
struct pid *ks_vhost_owner(struct task_struct *p);
bool ks_is_vhost_of(struct task_struct *p, struct pid *tgid);
struct task_struct *ks_vcpu_get_task(struct ks_vcpu *v);
bool ks_vm_runs_thread(struct ks_vm *vm, struct pid *pid);
bool ks_vms_run_thread(struct pid *tgid, struct pid *pid, struct ks_vm **vms,
		       int n);
int ks_vm_get_vcpus(struct ks_vm *vm, struct ks_vcpu ***out);
int ks_get_vms(struct ks_vm ***out);
int ks_vm_get_irqs(struct ks_vm *vm, struct ks_irq ***out);
void ks_put_irqs(struct ks_irq **irqs, int n);
void ks_put_vcpus(struct ks_vcpu **vcpus, int n);
void ks_put_vms(struct ks_vm **vms, int n);

#endif /* KS_REGISTRY_H */
