// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of VMs and vCPUs.
 *
 * KVM exports no VM list and no notifier, and frees struct kvm without
 * waiting for anyone, so the rules are:
 *  - an object is published (put in a hash) only from a context where the
 *    struct kvm is known alive: a KVM hook, or a scan holding the VM's file;
 *  - kvm_arch_destroy_vm() unpublishes it under ks_lock before KVM frees
 *    anything, and nothing dereferences ->kvm or ->vcpu except under ks_lock
 *    while the VM is not dead;
 *  - the engine reads vCPU objects under RCU without ks_lock, so vCPU
 *    objects are freed after a grace period.
 * Sysfs directories are created and removed by a work item, because hooks
 * run in atomic context and kobject_add() sleeps.
 */
#include <linux/hashtable.h>
#include <linux/kvm_host.h>
#include <linux/kvm_irqfd.h>
#include <linux/rcupdate_wait.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "compat.h"
#include "hostirq.h"
#include "irqpol.h"
#include "registry.h"
#include "sysfs.h"
#include "trace.h"

/*
 * Guards both hashes, every vm->vcpus and vm->irqs list, vm->dead,
 * v->thread and each IRQ's route fields. Taken in kprobe handlers, so
 * nothing may sleep under it. Members join and leave vm->irqs only from
 * ks_wq, which also makes and removes their directories.
 */
static DEFINE_SPINLOCK(ks_lock);
static DEFINE_HASHTABLE(ks_vm_hash, 6);		/* by struct kvm * */
static DEFINE_HASHTABLE(ks_vcpu_hash, 9);	/* by struct kvm_vcpu * */
static u64 ks_vm_seq;				/* under ks_lock */

static struct kmem_cache *ks_vm_cache, *ks_vcpu_cache, *ks_irq_cache;
static const struct ks_registry_owner *ks_owner;
static struct workqueue_struct *ks_wq;	/* ordered: add before remove */

/*
 * Objects not yet freed; module exit waits for zero. Releases can run late
 * (CONFIG_DEBUG_KOBJECT_RELEASE runs them from a kworker seconds later), so
 * the count is dropped by the object's last act, an RCU callback that
 * rcu_barrier() waits for; exit's synchronize_rcu_tasks() then waits for
 * any task still in the few instructions a release runs after call_rcu().
 */
static atomic_t ks_nr_objs = ATOMIC_INIT(0);

static void ks_obj_freed(void)
{
	if (atomic_dec_and_test(&ks_nr_objs))
		wake_up_var(&ks_nr_objs);
}

static void ks_vm_free_rcu(struct rcu_head *rcu)
{
	struct ks_vm *vm = container_of(rcu, struct ks_vm, rcu);

	/* A grace period has passed: no hook still reads it through a vCPU. */
	ks_owner->vm_free(vm);
	kmem_cache_free(ks_vm_cache, vm);
	ks_obj_freed();
}

static void ks_vm_release(struct kobject *kobj)
{
	struct ks_vm *vm = container_of(kobj, struct ks_vm, kobj);

	put_pid(vm->tgid);
	call_rcu(&vm->rcu, ks_vm_free_rcu);
}

static void ks_vcpu_free_rcu(struct rcu_head *rcu)
{
	struct ks_vcpu *v = container_of(rcu, struct ks_vcpu, rcu);

	/* A grace period has passed: no hook can see v or its block. */
	ks_owner->vcpu_free(v);
	kmem_cache_free(ks_vcpu_cache, v);
	ks_obj_freed();
}

static void ks_vcpu_release(struct kobject *kobj)
{
	struct ks_vcpu *v = container_of(kobj, struct ks_vcpu, kobj);

	put_pid(v->thread);
	kobject_put(&v->vm->kobj);
	call_rcu(&v->rcu, ks_vcpu_free_rcu);
}

static void ks_irq_free_rcu(struct rcu_head *rcu)
{
	struct ks_irq *irq = container_of(rcu, struct ks_irq, rcu);

	ks_owner->irq_free(irq);
	kmem_cache_free(ks_irq_cache, irq);
	ks_obj_freed();
}

static void ks_irq_release(struct kobject *kobj)
{
	struct ks_irq *irq = container_of(kobj, struct ks_irq, kobj);

	kobject_put(&irq->vm->kobj);
	call_rcu(&irq->rcu, ks_irq_free_rcu);
}

static const struct kobj_type ks_irq_ktype = {
	.release = ks_irq_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = ks_irq_groups,
};

static const struct kobj_type ks_vm_ktype = {
	.release = ks_vm_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = ks_vm_groups,
};

static const struct kobj_type ks_vcpu_ktype = {
	.release = ks_vcpu_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = ks_vcpu_groups,
};

static void ks_vm_sysfs_work(struct work_struct *work);

static void ks_vm_queue_sysfs(struct ks_vm *vm)
{
	/* The queued work owns a reference; a pending one already has it. */
	kobject_get(&vm->kobj);
	if (!queue_work(ks_wq, &vm->sysfs_work))
		kobject_put(&vm->kobj);
}

static struct ks_vm *ks_vm_lookup(struct kvm *kvm)
{
	struct ks_vm *vm;

	lockdep_assert_held(&ks_lock);
	hash_for_each_possible(ks_vm_hash, vm, hnode, (unsigned long)kvm)
		if (vm->kvm == kvm)
			return vm;
	return NULL;
}

static struct ks_vcpu *ks_vcpu_lookup_rcu(struct kvm_vcpu *vcpu)
{
	struct ks_vcpu *v;

	hash_for_each_possible_rcu(ks_vcpu_hash, v, hnode, (unsigned long)vcpu)
		if (v->vcpu == vcpu)
			return v;
	return NULL;
}

/*
 * Publishes @vcpu of @vm, bound to the thread KVM last saw running it. The
 * caller queues the VM's sysfs work.
 */
static struct ks_vcpu *ks_vcpu_publish(struct ks_vm *vm, struct kvm_vcpu *vcpu)
{
	struct ks_vcpu *v;

	lockdep_assert_held(&ks_lock);
	v = kmem_cache_zalloc(ks_vcpu_cache, GFP_ATOMIC | __GFP_NOWARN);
	if (!v)
		return NULL;
	atomic_inc(&ks_nr_objs);
	kobject_init(&v->kobj, &ks_vcpu_ktype);
	kobject_get(&vm->kobj);
	v->vm = vm;
	v->vcpu = vcpu;
	v->id = vcpu->vcpu_id;
	v->thread = ks_vcpu_get_pid(vcpu);
	if (v->thread)
		trace_kvmsched_vcpu_bind(vm->name, v->id, pid_nr(v->thread));
	list_add_tail(&v->node, &vm->vcpus);
	hash_add_rcu(ks_vcpu_hash, &v->hnode, (unsigned long)vcpu);
	return v;
}

static struct ks_vcpu *ks_vcpu_add(struct ks_vm *vm, struct kvm_vcpu *vcpu)
{
	struct ks_vcpu *v = ks_vcpu_publish(vm, vcpu);

	if (v)
		ks_vm_queue_sysfs(vm);
	return v;
}

/*
 * Publishes @kvm and every vCPU it has so far: a VM first seen late (at a
 * scan, or after an allocation failure) arrives with all its vCPUs.
 */
static struct ks_vm *ks_vm_add(struct kvm *kvm, const struct ks_vmm *vmm)
{
	struct kvm_vcpu *vcpu;
	struct ks_vm *vm;
	unsigned long i;

	lockdep_assert_held(&ks_lock);
	vm = kmem_cache_zalloc(ks_vm_cache, GFP_ATOMIC | __GFP_NOWARN);
	if (!vm)
		return NULL;
	atomic_inc(&ks_nr_objs);
	kobject_init(&vm->kobj, &ks_vm_ktype);
	INIT_LIST_HEAD(&vm->vcpus);
	INIT_LIST_HEAD(&vm->irqs);
	INIT_WORK(&vm->sysfs_work, ks_vm_sysfs_work);
	vm->kvm = kvm;
	vm->tgid = get_pid(vmm->tgid);
	vm->seq = ++ks_vm_seq;
	snprintf(vm->name, sizeof(vm->name), "%d-%llu", pid_nr(vm->tgid),
		 vm->seq);
	memcpy(vm->comm, vmm->comm, sizeof(vm->comm));
	hash_add(ks_vm_hash, &vm->hnode, (unsigned long)kvm);
	kvm_for_each_vcpu(i, vcpu, kvm)
		ks_vcpu_publish(vm, vcpu);
	ks_vm_queue_sysfs(vm);
	return vm;
}

/* *@new_vm: set if it published @vcpu's VM. */
static struct ks_vcpu *ks_vcpu_get_or_add(struct kvm_vcpu *vcpu,
					  const struct ks_vmm *vmm,
					  bool *new_vm)
{
	struct ks_vcpu *v;
	struct ks_vm *vm;

	lockdep_assert_held(&ks_lock);
	v = ks_vcpu_lookup_rcu(vcpu);
	if (v)
		return v;
	vm = ks_vm_lookup(vcpu->kvm);
	if (!vm) {
		vm = ks_vm_add(vcpu->kvm, vmm);
		*new_vm = !!vm;
		if (!vm)
			return NULL;
		v = ks_vcpu_lookup_rcu(vcpu);
		if (v)
			return v;
	}
	return ks_vcpu_add(vm, vcpu);
}

void ks_vmm_snapshot(struct ks_vmm *vmm, struct task_struct *task)
{
	vmm->tgid = task_tgid(task);
	get_task_comm(vmm->comm, task->group_leader);
}

static void ks_warn_nomem(void)
{
	pr_warn_ratelimited("out of memory tracking a vCPU: it is not listed\n");
}

bool ks_registry_vcpu_created(struct kvm_vcpu *vcpu)
{
	bool new_vm = false;
	struct ks_vmm vmm;
	struct ks_vcpu *v;

	ks_vmm_snapshot(&vmm, current);
	spin_lock(&ks_lock);
	v = ks_vcpu_get_or_add(vcpu, &vmm, &new_vm);
	spin_unlock(&ks_lock);
	if (!v)
		ks_warn_nomem();
	return new_vm;
}

bool ks_registry_has_vms(struct pid *tgid)
{
	struct ks_vm *vm;
	bool has = false;
	int bkt;

	spin_lock(&ks_lock);
	hash_for_each(ks_vm_hash, bkt, vm, hnode) {
		if (vm->tgid == tgid) {
			has = true;
			break;
		}
	}
	spin_unlock(&ks_lock);
	return has;
}

void ks_registry_refresh_threads(void)
{
	struct ks_vcpu *v;
	struct ks_vm *vm;
	struct pid *pid;
	int bkt;

	spin_lock(&ks_lock);
	hash_for_each(ks_vm_hash, bkt, vm, hnode) {
		list_for_each_entry(v, &vm->vcpus, node) {
			pid = ks_vcpu_get_pid(v->vcpu);
			if (pid && pid != v->thread) {
				swap(pid, v->thread);
				trace_kvmsched_vcpu_bind(vm->name, v->id,
							 pid_nr(v->thread));
			}
			put_pid(pid);
		}
	}
	spin_unlock(&ks_lock);
}

struct ks_vcpu *ks_registry_bind_current(void)
{
	struct pid *me = task_pid(current), *tgid = task_tgid(current);
	struct ks_vcpu *v, *last = NULL;
	struct ks_vm *vm;
	int bkt;

	spin_lock(&ks_lock);
	hash_for_each(ks_vm_hash, bkt, vm, hnode) {
		/*
		 * No user left: KVM's teardown, which loads each vCPU from
		 * whichever thread dropped the last fd; never a binding.
		 */
		if (vm->tgid != tgid || !refcount_read(&vm->kvm->users_count))
			continue;
		list_for_each_entry(v, &vm->vcpus, node) {
			if (!ks_vcpu_runs_current(v->vcpu))
				continue;
			if (v->thread != me) {
				struct pid *old = v->thread;

				WRITE_ONCE(v->thread, get_pid(me));
				trace_kvmsched_vcpu_bind(vm->name, v->id,
							 pid_nr(me));
				/* put_pid() does not sleep. */
				put_pid(old);
			}
			last = v;
		}
	}
	if (last && !kobject_get_unless_zero(&last->kobj))
		last = NULL;
	spin_unlock(&ks_lock);
	return last;
}

bool ks_registry_vm_found(struct kvm *kvm, const struct ks_vmm *vmm)
{
	struct ks_vm *vm;
	bool new_vm = false;

	spin_lock(&ks_lock);
	vm = ks_vm_lookup(kvm);
	if (!vm) {
		vm = ks_vm_add(kvm, vmm);
		new_vm = !!vm;
	}
	spin_unlock(&ks_lock);
	if (!vm)
		pr_warn_ratelimited("out of memory tracking VM of pid %d\n",
				    pid_nr(vmm->tgid));
	return new_vm;
}

/* After this, no path can reach vm->kvm or any of its vCPUs. */
static void ks_vm_unpublish(struct ks_vm *vm)
{
	struct ks_vcpu *v;

	lockdep_assert_held(&ks_lock);
	vm->dead = true;
	hash_del(&vm->hnode);
	list_for_each_entry(v, &vm->vcpus, node)
		hash_del_rcu(&v->hnode);
	ks_vm_queue_sysfs(vm);
}

void ks_registry_vm_destroyed(struct kvm *kvm)
{
	struct ks_vm *vm;

	spin_lock(&ks_lock);
	vm = ks_vm_lookup(kvm);
	if (vm)
		ks_vm_unpublish(vm);
	spin_unlock(&ks_lock);
}

/* Forgets every VM, e.g. before the destroy hook goes away. */
void ks_registry_clear(void)
{
	struct hlist_node *tmp;
	struct ks_vm *vm;
	int bkt;

	spin_lock(&ks_lock);
	hash_for_each_safe(ks_vm_hash, bkt, tmp, vm, hnode)
		ks_vm_unpublish(vm);
	spin_unlock(&ks_lock);
	flush_workqueue(ks_wq);
}

/* The first vCPU of @vm that has no directory yet, with a reference. */
static struct ks_vcpu *ks_vm_next_new_vcpu(struct ks_vm *vm)
{
	struct ks_vcpu *v, *found = NULL;

	spin_lock(&ks_lock);
	list_for_each_entry(v, &vm->vcpus, node) {
		if (!v->kobj.state_in_sysfs) {
			found = v;
			kobject_get(&v->kobj);
			break;
		}
	}
	spin_unlock(&ks_lock);
	return found;
}

/* Removes the directories of the IRQs on @gone and drops them. */
static void ks_irqs_drop(struct list_head *gone)
{
	struct ks_irq *irq, *tmp;

	list_for_each_entry_safe(irq, tmp, gone, node) {
		list_del(&irq->node);
		if (irq->kobj.state_in_sysfs)
			kobject_del(&irq->kobj);
		kobject_put(&irq->kobj);	/* the registry's reference */
	}
}

static void ks_irq_sysfs_add(struct ks_vm *vm, struct ks_irq *irq)
{
	int err;

	if (!vm->irqs_kobj || irq->kobj.state_in_sysfs)
		return;
	err = kobject_add(&irq->kobj, vm->irqs_kobj, "%d", irq->irq);
	if (err)
		pr_warn_ratelimited("cannot add irqs/%d of VM %s: %d\n",
				    irq->irq, vm->name, err);
}

static void ks_vm_sysfs_remove(struct ks_vm *vm)
{
	struct ks_vcpu *v, *tmp;
	LIST_HEAD(gone_irqs);
	LIST_HEAD(gone);

	spin_lock(&ks_lock);
	list_splice_init(&vm->irqs, &gone_irqs);
	list_splice_init(&vm->vcpus, &gone);
	spin_unlock(&ks_lock);

	ks_irqs_drop(&gone_irqs);

	list_for_each_entry_safe(v, tmp, &gone, node) {
		list_del(&v->node);
		if (v->kobj.state_in_sysfs)
			kobject_del(&v->kobj);
		kobject_put(&v->kobj);	/* the registry's reference */
	}
	if (vm->kobj.state_in_sysfs) {
		kobject_del(vm->irqs_kobj);
		kobject_put(vm->irqs_kobj);
		kobject_del(vm->vcpus_kobj);
		kobject_put(vm->vcpus_kobj);
		kobject_uevent(&vm->kobj, KOBJ_REMOVE);
		trace_kvmsched_vm_remove(vm->name, pid_nr(vm->tgid));
		kobject_del(&vm->kobj);
	}
	kobject_put(&vm->kobj);		/* the registry's reference */
}

static void ks_vm_sysfs_add(struct ks_vm *vm)
{
	bool add_uevent = false;
	struct ks_vcpu *v;
	struct ks_irq *irq;
	int err;

	if (!vm->kobj.state_in_sysfs) {
		vm->kobj.kset = ks_vms_kset;
		err = kobject_add(&vm->kobj, NULL, "%s", vm->name);
		if (err)
			goto fail;
		vm->vcpus_kobj = kobject_create_and_add("vcpus", &vm->kobj);
		vm->irqs_kobj = kobject_create_and_add("irqs", &vm->kobj);
		if (!vm->vcpus_kobj || !vm->irqs_kobj) {
			kobject_put(vm->vcpus_kobj);
			kobject_put(vm->irqs_kobj);
			vm->vcpus_kobj = NULL;
			vm->irqs_kobj = NULL;
			kobject_del(&vm->kobj);
			err = -ENOMEM;
			goto fail;
		}
		/* IRQs paired before the VM's directory existed. */
		list_for_each_entry(irq, &vm->irqs, node)
			ks_irq_sysfs_add(vm, irq);
		/* With the vCPUs KVM has created so far (below). */
		add_uevent = true;
	}
	while ((v = ks_vm_next_new_vcpu(vm))) {
		err = kobject_add(&v->kobj, vm->vcpus_kobj, "%d", v->id);
		kobject_put(&v->kobj);
		if (err) {
			/* Left for the next run of this work, not retried now. */
			pr_warn_ratelimited("cannot add vcpus/%d of VM %s: %d\n",
					    v->id, vm->name, err);
			break;
		}
	}
	if (add_uevent) {
		kobject_uevent(&vm->kobj, KOBJ_ADD);
		trace_kvmsched_vm_add(vm->name, pid_nr(vm->tgid));
	}
	return;
fail:
	pr_warn_ratelimited("cannot add VM %s to sysfs: %d\n", vm->name, err);
}

static void ks_vm_sysfs_work(struct work_struct *work)
{
	struct ks_vm *vm = container_of(work, struct ks_vm, sysfs_work);
	bool dead, remove;

	/*
	 * The VM can die while a run of this work has started and not yet
	 * looked (PENDING is clear then), so the unpublish queues a second
	 * run and both see it dead. The removal, which drops the registry's
	 * reference, is done by the one run that flips ->removed.
	 */
	spin_lock(&ks_lock);
	dead = vm->dead;
	remove = dead && !vm->removed;
	if (remove)
		vm->removed = true;
	spin_unlock(&ks_lock);

	if (remove)
		ks_vm_sysfs_remove(vm);
	else if (!dead)
		ks_vm_sysfs_add(vm);
	kobject_put(&vm->kobj);		/* the queued work's reference */
}

/* One of a VM's irqfds whose eventfd a host IRQ signals. */
struct ks_irq_pair {
	int irq;
	void *eventfd;
	int gsi;
	int target_vcpu;
	bool msi;			/* route is MSI, and only that */
	bool paired;			/* matched with a listed ks_irq */
	struct ks_msi_route route;
};

/*
 * Under ks_lock, @vm alive: its irqfds that a listed producer signals,
 * into @arr if they fit in @room; returns how many there are. KVM keeps
 * each irqfd's route (irq_entry) under irqfds.lock; its type is 0 when the
 * GSI has more than one route.
 */
static int ks_fill_pairs(struct ks_vm *vm, struct ks_irq_pair *arr, int room)
{
	struct kvm_kernel_irqfd *irqfd;
	struct ks_irq_pair *p;
	unsigned long flags;
	int irq, n = 0;

	lockdep_assert_held(&ks_lock);
	spin_lock_irqsave(&vm->kvm->irqfds.lock, flags);
	list_for_each_entry(irqfd, &vm->kvm->irqfds.items, list) {
		irq = ks_hostirq_of_eventfd(irqfd->eventfd);
		if (irq < 0 || n++ >= room)
			continue;
		p = &arr[n - 1];
		memset(p, 0, sizeof(*p));
		p->irq = irq;
		p->eventfd = irqfd->eventfd;
		p->gsi = irqfd->gsi;
		p->msi = irqfd->irq_entry.type == KVM_IRQ_ROUTING_MSI;
		p->route.address_lo = irqfd->irq_entry.msi.address_lo;
		p->route.address_hi = irqfd->irq_entry.msi.address_hi;
		p->route.data = irqfd->irq_entry.msi.data;
	}
	spin_unlock_irqrestore(&vm->kvm->irqfds.lock, flags);
	return n;
}

/* @vm's pairs (kfree() them); *@n their number, or -ENODEV, -ENOMEM. */
static struct ks_irq_pair *ks_vm_pairs(struct ks_vm *vm, int *n)
{
	struct ks_irq_pair *arr = NULL;
	int room = 0, nr_ids, i, *ids;
	bool x2apic_format;
	struct ks_vcpu *v;

	for (;;) {
		spin_lock(&ks_lock);
		*n = vm->dead ? -ENODEV : ks_fill_pairs(vm, arr, room);
		x2apic_format = !vm->dead && vm->kvm->arch.x2apic_format;
		nr_ids = 0;
		list_for_each_entry(v, &vm->vcpus, node)
			nr_ids++;
		spin_unlock(&ks_lock);
		if (*n <= room)
			break;
		kfree(arr);
		room = *n + 4;
		arr = kcalloc(room, sizeof(*arr), GFP_KERNEL);
		if (!arr) {
			*n = -ENOMEM;
			return NULL;
		}
	}
	if (*n <= 0)
		return arr;
	/* vCPUs only come, never go, while the VM lives: nr_ids is enough. */
	ids = kcalloc(nr_ids, sizeof(*ids), GFP_KERNEL);
	if (nr_ids && !ids) {
		kfree(arr);
		*n = -ENOMEM;
		return NULL;
	}
	i = 0;
	spin_lock(&ks_lock);
	list_for_each_entry(v, &vm->vcpus, node)
		if (i < nr_ids)
			ids[i++] = v->id;
	spin_unlock(&ks_lock);
	for (nr_ids = i, i = 0; i < *n; i++)
		arr[i].target_vcpu = arr[i].msi ?
			ks_msi_target_vcpu(&arr[i].route, x2apic_format, ids,
					   nr_ids) : -1;
	kfree(ids);
	return arr;
}

static struct ks_irq_pair *ks_pair_find(struct ks_irq_pair *arr, int n,
					struct ks_irq *irq)
{
	int i;

	for (i = 0; i < n; i++)
		if (arr[i].irq == irq->irq && arr[i].eventfd == irq->eventfd)
			return &arr[i];
	return NULL;
}

static struct ks_irq *ks_irq_new(struct ks_vm *vm, const struct ks_irq_pair *p)
{
	struct ks_irq *irq = kmem_cache_zalloc(ks_irq_cache, GFP_KERNEL);

	if (!irq)
		return NULL;
	atomic_inc(&ks_nr_objs);
	kobject_init(&irq->kobj, &ks_irq_ktype);
	kobject_get(&vm->kobj);
	irq->vm = vm;
	irq->irq = p->irq;
	irq->eventfd = p->eventfd;
	irq->gsi = p->gsi;
	irq->target_vcpu = p->target_vcpu;
	return irq;
}

/*
 * On ks_wq: @vm's IRQs are its irqfds' pairs now. Those that went are
 * dropped before new ones come, so an IRQ number freed and requested
 * again gets a fresh directory.
 */
static void ks_vm_refresh_irqs(struct ks_vm *vm)
{
	struct ks_irq *irq, *tmp;
	struct ks_irq_pair *arr, *p;
	LIST_HEAD(gone);
	int i, n;

	arr = ks_vm_pairs(vm, &n);
	if (n == -ENOMEM)
		pr_warn_ratelimited("out of memory pairing the IRQs of VM %s\n",
				    vm->name);
	if (n < 0) {
		kfree(arr);
		return;
	}
	spin_lock(&ks_lock);
	list_for_each_entry_safe(irq, tmp, &vm->irqs, node) {
		p = ks_pair_find(arr, n, irq);
		if (p && !vm->dead) {
			p->paired = true;
			irq->gsi = p->gsi;
			irq->target_vcpu = p->target_vcpu;
		} else {
			list_move(&irq->node, &gone);
		}
	}
	spin_unlock(&ks_lock);
	ks_irqs_drop(&gone);
	for (i = 0; i < n; i++) {
		if (arr[i].paired)
			continue;
		irq = ks_irq_new(vm, &arr[i]);
		if (!irq) {
			pr_warn_ratelimited("out of memory tracking IRQ %d\n",
					    arr[i].irq);
			continue;
		}
		spin_lock(&ks_lock);
		if (!vm->dead)
			list_add_tail(&irq->node, &vm->irqs);
		spin_unlock(&ks_lock);
		if (list_empty(&irq->node)) {
			kobject_put(&irq->kobj);
			continue;
		}
		ks_irq_sysfs_add(vm, irq);
	}
	kfree(arr);
}

static void ks_irqs_refresh_fn(struct work_struct *work)
{
	struct ks_vm **vms;
	int i, n;

	n = ks_get_vms(&vms);
	for (i = 0; i < n; i++)
		ks_vm_refresh_irqs(vms[i]);
	if (n >= 0)
		ks_put_vms(vms, n);
}

static DECLARE_WORK(ks_irqs_work, ks_irqs_refresh_fn);

void ks_registry_refresh_irqs(void)
{
	queue_work(ks_wq, &ks_irqs_work);
	flush_work(&ks_irqs_work);
}

int ks_irq_gsi(struct ks_irq *irq)
{
	int gsi;

	spin_lock(&ks_lock);
	gsi = irq->gsi;
	spin_unlock(&ks_lock);
	return gsi;
}

int ks_irq_target_vcpu(struct ks_irq *irq)
{
	int id;

	spin_lock(&ks_lock);
	id = irq->target_vcpu;
	spin_unlock(&ks_lock);
	return id;
}

int ks_vm_nr_vcpus(struct ks_vm *vm)
{
	int n = -ENODEV;

	spin_lock(&ks_lock);
	if (!vm->dead)
		n = atomic_read(&vm->kvm->online_vcpus);
	spin_unlock(&ks_lock);
	return n;
}

/*
 * @vm's guest RAM as its VMM maps it: the largest KS_RAM_MAX_RANGES of
 * KVM's memslots in address space 0 (SMM's aliases the same memory), and
 * the VMM's mm with a reference (mmput() it). guest_memfd memory is in no
 * page table of the VMM's, so it is left out. The ranges are a snapshot:
 * a slot the VMM moves later only makes a sample miss.
 */
int ks_vm_get_ram(struct ks_vm *vm, struct ks_ram *ram)
{
	struct kvm_memory_slot *slot;
	struct kvm_memslots *slots;
	int bkt, idx, i, small;

	ram->nr = 0;
	ram->mm = NULL;
	spin_lock(&ks_lock);
	if (vm->dead || !mmget_not_zero(vm->kvm->mm)) {
		spin_unlock(&ks_lock);
		return -ENODEV;
	}
	ram->mm = vm->kvm->mm;
	idx = srcu_read_lock(&vm->kvm->srcu);
	slots = kvm_memslots(vm->kvm);
	kvm_for_each_memslot(slot, bkt, slots) {
		if (!slot->npages || (slot->flags & KVM_MEMSLOT_INVALID) ||
		    ks_slot_is_gmem(slot))
			continue;
		if (ram->nr < KS_RAM_MAX_RANGES) {
			i = ram->nr++;
		} else {
			/* Full: the new slot replaces the smallest, if bigger. */
			for (small = 0, i = 1; i < ram->nr; i++)
				if (ram->range[i].pages < ram->range[small].pages)
					small = i;
			if (ram->range[small].pages >= slot->npages)
				continue;
			i = small;
		}
		ram->range[i].hva = slot->userspace_addr;
		ram->range[i].pages = slot->npages;
	}
	srcu_read_unlock(&vm->kvm->srcu, idx);
	spin_unlock(&ks_lock);
	return 0;
}

/* 0 when no live thread has run it. */
int ks_vcpu_tid(struct ks_vcpu *v)
{
	int tid = 0;

	spin_lock(&ks_lock);
	rcu_read_lock();
	if (v->thread && pid_task(v->thread, PIDTYPE_PID))
		tid = pid_nr(v->thread);
	rcu_read_unlock();
	spin_unlock(&ks_lock);
	return tid;
}

/*
 * The CPU KVM last loaded the vCPU on, -1 if it never ran: KVM also loads
 * a vCPU while creating it, on the creator's CPU, which says nothing about
 * where it runs.
 */
int ks_vcpu_last_cpu(struct ks_vcpu *v)
{
	int cpu = -ENODEV;

	spin_lock(&ks_lock);
	if (!v->vm->dead)
		cpu = v->thread ? READ_ONCE(v->vcpu->cpu) : -1;
	spin_unlock(&ks_lock);
	return cpu;
}

/* Whether @pid runs a vCPU of a VM of @tgid among @vms. */
bool ks_vms_run_thread(struct pid *tgid, struct pid *pid, struct ks_vm **vms,
		       int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (vms[i]->tgid == tgid && ks_vm_runs_thread(vms[i], pid))
			return true;
	return false;
}

/*
 * Calls @read with @v's kvm_vcpu while KVM has not destroyed it, under
 * ks_lock: @read must not sleep. -ENODEV once the VM is dead.
 */
int ks_vcpu_read_kvm(struct ks_vcpu *v,
		     void (*read)(const struct kvm_vcpu *vcpu, void *arg),
		     void *arg)
{
	int err = -ENODEV;

	spin_lock(&ks_lock);
	if (!v->vm->dead) {
		read(v->vcpu, arg);
		err = 0;
	}
	spin_unlock(&ks_lock);
	return err;
}

/*
 * Calls @fn with @vm's struct kvm while KVM has not destroyed it, under
 * ks_lock: @fn must not sleep. -ENODEV once the VM is dead.
 */
int ks_vm_with_kvm(struct ks_vm *vm, void (*fn)(struct kvm *kvm, void *arg),
		   void *arg)
{
	int err = -ENODEV;

	spin_lock(&ks_lock);
	if (!vm->dead) {
		fn(vm->kvm, arg);
		err = 0;
	}
	spin_unlock(&ks_lock);
	return err;
}

/*
 * Before Linux 6.4, vhost workers are kernel threads named "vhost-<tid>"
 * after the VMM thread that set them up; later they are threads of the VMM
 * and for_each_thread() finds them. Under rcu_read_lock().
 */
struct pid *ks_vhost_owner(struct task_struct *p)
{
	struct task_struct *owner;
	int tid;

	if (!(p->flags & PF_KTHREAD) || strncmp(p->comm, "vhost-", 6) ||
	    kstrtoint(p->comm + 6, 10, &tid))
		return NULL;
	owner = pid_task(find_pid_ns(tid, &init_pid_ns), PIDTYPE_PID);
	return owner ? task_tgid(owner) : NULL;
}

bool ks_is_vhost_of(struct task_struct *p, struct pid *tgid)
{
	return ks_vhost_owner(p) == tgid;
}

bool ks_vm_alive(struct ks_vm *vm)
{
	bool alive;

	spin_lock(&ks_lock);
	alive = !vm->dead;
	spin_unlock(&ks_lock);
	return alive;
}

/* The live thread bound to @v, with a reference, or NULL. */
struct task_struct *ks_vcpu_get_task(struct ks_vcpu *v)
{
	struct task_struct *task;

	spin_lock(&ks_lock);
	task = v->thread ? get_pid_task(v->thread, PIDTYPE_PID) : NULL;
	spin_unlock(&ks_lock);
	return task;
}

/* Whether @pid runs a vCPU of @vm, while KVM has not destroyed it. */
bool ks_vm_runs_thread(struct ks_vm *vm, struct pid *pid)
{
	struct ks_vcpu *v;
	bool found = false;

	spin_lock(&ks_lock);
	if (!vm->dead)
		list_for_each_entry(v, &vm->vcpus, node)
			found |= v->thread == pid;
	spin_unlock(&ks_lock);
	return found;
}

/*
 * Snapshots with references, for code that sleeps on each element: the
 * lists they come from are under ks_lock. @fill runs under it, returns how
 * many elements there are and, if they fit in @room, stores them in @arr
 * with a reference each. Returns the array (NULL if empty), *n the count or
 * -ENOMEM.
 */
static void *ks_snapshot(int (*fill)(void *from, void **arr, int room),
			 void *from, int *n)
{
	void **arr = NULL;
	int room = 0;

	for (;;) {
		spin_lock(&ks_lock);
		*n = fill(from, arr, room);
		spin_unlock(&ks_lock);
		if (*n <= room)
			return arr;
		kfree(arr);
		room = *n + 8;
		arr = kcalloc(room, sizeof(*arr), GFP_KERNEL);
		if (!arr) {
			*n = -ENOMEM;
			return NULL;
		}
	}
}

static int ks_fill_vcpus(void *from, void **arr, int room)
{
	struct ks_vm *vm = from;
	struct ks_vcpu *v;
	int n = 0;

	list_for_each_entry(v, &vm->vcpus, node)
		n++;
	if (n > room)
		return n;
	n = 0;
	list_for_each_entry(v, &vm->vcpus, node) {
		kobject_get(&v->kobj);
		arr[n++] = v;
	}
	return n;
}

static int ks_fill_vms(void *from, void **arr, int room)
{
	struct ks_vm *vm;
	int n = 0, bkt;

	hash_for_each(ks_vm_hash, bkt, vm, hnode)
		n++;
	if (n > room)
		return n;
	n = 0;
	hash_for_each(ks_vm_hash, bkt, vm, hnode) {
		kobject_get(&vm->kobj);
		arr[n++] = vm;
	}
	return n;
}

static int ks_fill_irqs(void *from, void **arr, int room)
{
	struct ks_vm *vm = from;
	struct ks_irq *irq;
	int n = 0;

	list_for_each_entry(irq, &vm->irqs, node)
		n++;
	if (n > room)
		return n;
	n = 0;
	list_for_each_entry(irq, &vm->irqs, node) {
		kobject_get(&irq->kobj);
		arr[n++] = irq;
	}
	return n;
}

/* Release with ks_put_vcpus() / ks_put_vms() / ks_put_irqs(). */
int ks_vm_get_vcpus(struct ks_vm *vm, struct ks_vcpu ***out)
{
	int n;

	*out = ks_snapshot(ks_fill_vcpus, vm, &n);
	return n;
}

int ks_get_vms(struct ks_vm ***out)
{
	int n;

	*out = ks_snapshot(ks_fill_vms, NULL, &n);
	return n;
}

int ks_vm_get_irqs(struct ks_vm *vm, struct ks_irq ***out)
{
	int n;

	*out = ks_snapshot(ks_fill_irqs, vm, &n);
	return n;
}

void ks_put_irqs(struct ks_irq **irqs, int n)
{
	while (n-- > 0)
		kobject_put(&irqs[n]->kobj);
	kfree(irqs);
}

void ks_put_vcpus(struct ks_vcpu **vcpus, int n)
{
	while (n-- > 0)
		kobject_put(&vcpus[n]->kobj);
	kfree(vcpus);
}

void ks_put_vms(struct ks_vm **vms, int n)
{
	while (n-- > 0)
		kobject_put(&vms[n]->kobj);
	kfree(vms);
}

int ks_registry_init(const struct ks_registry_owner *owner)
{
	ks_owner = owner;
	ks_vm_cache = kmem_cache_create("ks_vm",
					sizeof(struct ks_vm) + owner->vm_size,
					__alignof__(struct ks_vm), 0, NULL);
	ks_vcpu_cache = kmem_cache_create("ks_vcpu",
					  sizeof(struct ks_vcpu) + owner->vcpu_size,
					  __alignof__(struct ks_vcpu), 0, NULL);
	ks_irq_cache = kmem_cache_create("ks_irq",
					 sizeof(struct ks_irq) + owner->irq_size,
					 __alignof__(struct ks_irq), 0, NULL);
	ks_wq = alloc_ordered_workqueue("kvmsched", 0);
	if (!ks_vm_cache || !ks_vcpu_cache || !ks_irq_cache || !ks_wq) {
		ks_registry_exit();
		return -ENOMEM;
	}
	return 0;
}

/* Call after ks_registry_clear(), once no hook can publish anything. */
void ks_registry_exit(void)
{
	if (ks_wq)
		destroy_workqueue(ks_wq);
	wait_var_event(&ks_nr_objs, !atomic_read(&ks_nr_objs));
	/* The callbacks that freed them have returned. */
	rcu_barrier();
	kmem_cache_destroy(ks_irq_cache);
	kmem_cache_destroy(ks_vcpu_cache);
	kmem_cache_destroy(ks_vm_cache);
	/*
	 * No task is still in the tail of a release (ours, or a rule's:
	 * rules are gone before this runs) when the module text goes.
	 */
	synchronize_rcu_tasks();
}
