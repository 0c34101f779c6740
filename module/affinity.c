// SPDX-License-Identifier: GPL-2.0
/*
 * Affinity enforcement.
 *
 * No hook can veto a mask change (sched_setaffinity, cpusets, hotplug all
 * rewrite it), so kvmsched enforces where it matters: each time KVM loads
 * a vCPU on a CPU (at KVM_RUN, and at every schedule-in while in it), the
 * load hook checks the CPU and the thread's mask against the vCPU's
 * published target. On a mismatch it queues task work on the vCPU thread
 * with TWA_RESUME: KVM checks for pending work with interrupts off just
 * before each guest entry, cancels the entry, runs the work as it does any
 * notify-resume work, and goes on to enter the guest, all inside the same
 * KVM_RUN: the thread fixes its own mask (set_cpus_allowed_ptr() migrates
 * it) before it can enter the guest, and the VMM sees nothing. Work queued
 * on another thread (the RT guard's) kicks it out of guest mode too.
 *
 * A halted vCPU runs its work when it wakes, which may be never. Only
 * unload needs it run now: every KS_DRAIN_MS until all work has run, it
 * gives each vCPU whose work is pending and whose thread sleeps a
 * signal-style kick (TWA_SIGNAL, a no-op), which wakes it; that KVM_RUN
 * returns EINTR, the one repair a VMM can notice. A thread that is
 * runnable runs its work when it next gets a CPU, and is not kicked.
 *
 * The same hook and task work carry a vCPU's scheduling class (sched.c).
 *
 * Threads that run no vCPU (emulator, IO, vhost) cannot be caught before
 * an entry; they are set at each policy write and by a periodic pass.
 *
 * Every thread whose mask kvmsched changes is recorded with the mask it had
 * before, and gets it back when its policy goes or the module unloads, as
 * long as its mask is still the one kvmsched left (else someone else owns
 * it now).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/hashtable.h>
#include <linux/kobject.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/rcupdate_wait.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/task_work.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "affinity.h"
#include "placement.h"
#include "registry.h"
#include "rules.h"
#include "sched.h"

static unsigned int reconcile_ms = 1000;
static int reconcile_ms_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 60000);
}

static const struct kernel_param_ops reconcile_ms_ops = {
	.set = reconcile_ms_set,
	.get = param_get_uint,
};
module_param_cb(reconcile_ms, &reconcile_ms_ops, &reconcile_ms, 0644);
MODULE_PARM_DESC(reconcile_ms,
		 "Period of the pass that confines emulator threads and repairs masks, in ms (0: off; 0-60000, default 1000)");

/* Policy and thread-mask changes; the full rule is in affinity.h. */
DEFINE_MUTEX(ks_policy_mutex);

/* Scratch mask for decisions; under ks_policy_mutex. */
static cpumask_var_t ks_scratch;

/* A thread whose mask kvmsched changed. */
struct ks_touched {
	struct hlist_node hnode;	/* in ks_touched_hash */
	struct pid *pid;
	cpumask_var_t orig;		/* its mask before kvmsched */
	cpumask_var_t set;		/* its mask after kvmsched's last change */
};

static DEFINE_HASHTABLE(ks_touched_hash, 8);	/* under ks_policy_mutex */

/* Task works queued and not yet run; unload waits for zero. */
static atomic_t ks_nr_works = ATOMIC_INIT(0);

/*
 * vCPUs whose repair is queued on a thread and has not started, each with
 * a reference on that thread, for unload's kick. Any context; innermost.
 */
static DEFINE_SPINLOCK(ks_pending_lock);
static LIST_HEAD(ks_pending);

/* How long unload lets queued repairs run by themselves. */
#define KS_DRAIN_MS	200

static int ks_cpuhp_state = -1;
static void ks_reconcile_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ks_reconcile_work, ks_reconcile_fn);
static void ks_hotplug_fn(struct work_struct *work);
static DECLARE_WORK(ks_hotplug_work, ks_hotplug_fn);

struct ks_mask *ks_mask_alloc(gfp_t gfp)
{
	return kzalloc(sizeof(struct ks_mask) + cpumask_size(), gfp);
}

static struct ks_touched *ks_touched_find(struct pid *pid)
{
	struct ks_touched *t;

	lockdep_assert_held(&ks_policy_mutex);
	hash_for_each_possible(ks_touched_hash, t, hnode, (unsigned long)pid)
		if (t->pid == pid)
			return t;
	return NULL;
}

static void ks_touched_free(struct ks_touched *t)
{
	hash_del(&t->hnode);
	put_pid(t->pid);
	free_cpumask_var(t->orig);
	free_cpumask_var(t->set);
	kfree(t);
}

/*
 * Gives @task @mask, recording the mask it had before kvmsched first
 * changed it. Returns whether the mask had to change.
 */
static bool ks_task_apply(struct task_struct *task, const struct cpumask *mask)
{
	struct pid *pid = task_pid(task);
	struct ks_touched *t;
	int err;

	lockdep_assert_held(&ks_policy_mutex);
	if (cpumask_subset(&task->cpus_mask, mask))
		return false;
	t = ks_touched_find(pid);
	if (!t) {
		t = kzalloc(sizeof(*t), GFP_KERNEL);
		if (!t || !zalloc_cpumask_var(&t->orig, GFP_KERNEL) ||
		    !zalloc_cpumask_var(&t->set, GFP_KERNEL)) {
			if (t) {
				free_cpumask_var(t->orig);
				kfree(t);
			}
			pr_warn_ratelimited("out of memory placing thread %d\n",
					    task_pid_nr(task));
			return false;
		}
		t->pid = get_pid(pid);
		cpumask_copy(t->orig, &task->cpus_mask);
		hash_add(ks_touched_hash, &t->hnode, (unsigned long)pid);
	}
	err = set_cpus_allowed_ptr(task, mask);
	if (err)
		pr_warn_ratelimited("cannot place thread %d on %*pbl: %d\n",
				    task_pid_nr(task), cpumask_pr_args(mask), err);
	cpumask_copy(t->set, &task->cpus_mask);
	return true;
}

/*
 * Gives @task, recorded in @t, the mask it had before kvmsched, if the
 * mask kvmsched left is still in force (else someone else owns it now).
 */
static bool ks_task_give_back(struct ks_touched *t, struct task_struct *task)
{
	if (!cpumask_equal(&task->cpus_mask, t->set))
		return false;
	set_cpus_allowed_ptr(task, t->orig);
	return true;
}

/* @task's policy went: its own mask back, and kvmsched forgets it. */
static void ks_task_release(struct task_struct *task)
{
	struct ks_touched *t;

	lockdep_assert_held(&ks_policy_mutex);
	t = ks_touched_find(task_pid(task));
	if (!t)
		return;
	ks_task_give_back(t, task);
	ks_touched_free(t);
}

/*
 * Under cpus_read_lock() (its assertion is not exported): recomputes @v's
 * target from its policy and the active CPUs, publishes it, and if @task
 * (its thread) is given, applies it. @count: a mask found outside a target
 * the thread already had is drift, to be counted.
 */
static void ks_vcpu_sync(struct ks_vcpu *v, struct task_struct *task,
			 bool count)
{
	struct ks_vm *vm = v->vm;
	struct ks_mask *old, *new = NULL;
	bool changed;

	lockdep_assert_held(&ks_policy_mutex);
	ks_sched_vcpu_sync(v, task, count);
	v->place = ks_place_decide(ks_mask_or_none(v->cpus),
				   ks_mask_or_none(vm->cpus), cpu_active_mask,
				   ks_scratch);
	old = rcu_dereference_protected(v->target,
					lockdep_is_held(&ks_policy_mutex));
	changed = v->place == KS_PLACE_FREE ? !!old :
		  !old || !cpumask_equal(ks_mask_cpus(old), ks_scratch);
	if (changed && v->place != KS_PLACE_FREE) {
		new = ks_mask_alloc(GFP_KERNEL);
		if (!new) {
			pr_warn_ratelimited("out of memory placing vCPU %d of VM %s\n",
					    v->id, kobject_name(&vm->kobj));
			return;
		}
		cpumask_copy(ks_mask_cpus(new), ks_scratch);
	}
	if (changed) {
		rcu_assign_pointer(v->target, new);
		ks_mask_free_rcu(old);
	} else {
		new = old;
	}
	if (!task)
		return;
	if (!new)
		ks_task_release(task);
	else if (ks_task_apply(task, ks_mask_cpus(new)) && count && !changed &&
		 v->applied_gen == vm->gen)
		atomic_long_inc(&v->repairs);
	WRITE_ONCE(v->applied_gen, vm->gen);
}

static void ks_vcpu_sync_thread(struct ks_vcpu *v, bool count)
{
	struct task_struct *task = ks_vcpu_get_task(v);

	ks_vcpu_sync(v, task, count);
	if (task)
		put_task_struct(task);
}

static void ks_vm_sync_vcpus(struct ks_vm *vm, bool count)
{
	struct ks_vcpu **vcpus;
	int i, n;

	n = ks_vm_get_vcpus(vm, &vcpus);
	if (n < 0) {
		pr_warn_ratelimited("out of memory placing VM %s\n",
				    kobject_name(&vm->kobj));
		return;
	}
	for (i = 0; i < n; i++)
		ks_vcpu_sync_thread(vcpus[i], count);
	ks_put_vcpus(vcpus, n);
}

/*
 * The emulator threads' target: the union of the emulator_cpus of every
 * live VM of @tgid, restricted as placement.c decides. False: no policy.
 */
static bool ks_emulator_target(struct pid *tgid, struct ks_vm **vms, int n,
			       struct cpumask *target)
{
	int i;

	cpumask_clear(target);
	for (i = 0; i < n; i++)
		if (vms[i]->tgid == tgid && vms[i]->emulator_cpus)
			cpumask_or(target, target,
				   ks_mask_cpus(vms[i]->emulator_cpus));
	return ks_place_decide(target, cpu_none_mask, cpu_active_mask,
			       target) != KS_PLACE_FREE;
}

/*
 * Before Linux 6.4, vhost workers are kernel threads named "vhost-<tid>"
 * after the VMM thread that set them up; later they are threads of the VMM
 * and for_each_thread() finds them.
 */
static bool ks_is_vhost_of(struct task_struct *p, struct pid *tgid)
{
	struct task_struct *owner;
	int tid;

	if (!(p->flags & PF_KTHREAD) || strncmp(p->comm, "vhost-", 6) ||
	    kstrtoint(p->comm + 6, 10, &tid))
		return false;
	owner = pid_task(find_pid_ns(tid, &init_pid_ns), PIDTYPE_PID);
	return owner && task_tgid(owner) == tgid;
}

/* The VMM's threads that run no vCPU, with references. */
static int ks_emulator_threads(struct pid *tgid, struct task_struct ***out)
{
	struct task_struct *leader, *p, *t, **arr = NULL;
	int n, want = 0;

	for (;;) {
		kfree(arr);
		arr = want ? kcalloc(want, sizeof(*arr), GFP_KERNEL) : NULL;
		if (want && !arr)
			return -ENOMEM;
		n = 0;
		rcu_read_lock();
		leader = pid_task(tgid, PIDTYPE_TGID);
		if (leader) {
			for_each_thread(leader, t)
				if (n++ < want)
					arr[n - 1] = get_task_struct(t);
			for_each_process(p)
				if (ks_is_vhost_of(p, tgid) && n++ < want)
					arr[n - 1] = get_task_struct(p);
		}
		rcu_read_unlock();
		if (n <= want)
			break;
		while (want)
			put_task_struct(arr[--want]);
		want = n + 8;
	}
	*out = arr;
	return n;
}

/* Whether @pid runs a vCPU of a VM of @tgid among @vms. */
static bool ks_runs_vcpu(struct pid *tgid, struct pid *pid, struct ks_vm **vms,
			 int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (vms[i]->tgid == tgid && ks_vm_runs_thread(vms[i], pid))
			return true;
	return false;
}

static void ks_emulator_sync(struct pid *tgid, struct ks_vm **vms, int n,
			     bool count)
{
	struct task_struct **threads;
	struct ks_sched_attr sched;
	bool policy;
	long repairs = 0;
	int i, nt;

	lockdep_assert_held(&ks_policy_mutex);
	policy = ks_emulator_target(tgid, vms, n, ks_scratch);
	ks_sched_emulator_attr(tgid, vms, n, &sched);
	nt = ks_emulator_threads(tgid, &threads);
	if (nt < 0)
		return;
	for (i = 0; i < nt; i++) {
		if (!ks_runs_vcpu(tgid, task_pid(threads[i]), vms, n)) {
			if (!policy)
				ks_task_release(threads[i]);
			else if (ks_task_apply(threads[i], ks_scratch))
				repairs++;
			if (ks_sched_thread_apply(threads[i], &sched))
				repairs++;
		}
		put_task_struct(threads[i]);
	}
	kfree(threads);
	/* Counted on the process's first VM: the threads are shared. */
	for (i = 0; count && repairs && i < n; i++) {
		if (vms[i]->tgid == tgid) {
			atomic_long_add(repairs, &vms[i]->emulator_repairs);
			break;
		}
	}
}

/* The emulator threads of @vm's process, after a change of @vm. */
static void ks_vm_sync_emulator(struct ks_vm *vm)
{
	struct ks_vm **vms;
	int n;

	n = ks_get_vms(&vms);
	if (n < 0)
		return;
	ks_emulator_sync(vm->tgid, vms, n, false);
	ks_put_vms(vms, n);
}

/* Matches rules once per VM; true if the VM got settings. */
static bool ks_vm_rules(struct ks_vm *vm)
{
	lockdep_assert_held(&ks_policy_mutex);
	if (!vm->rules_pending)
		return false;
	vm->rules_pending = false;
	return ks_rules_apply(vm);
}

/* The VM's directory exists now: give it its rule, if one matches. */
void ks_affinity_vm_born(struct ks_vm *vm)
{
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (ks_vm_rules(vm)) {
		WRITE_ONCE(vm->gen, vm->gen + 1);
		ks_vm_sync_vcpus(vm, false);
		ks_vm_sync_emulator(vm);
	}
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
}

static void ks_vcpu_twork(struct callback_head *cb)
{
	struct ks_vcpu *v = container_of(cb, struct ks_vcpu, twork);
	struct ks_vm *vm = v->vm;
	bool born;

	spin_lock(&ks_pending_lock);
	list_del(&v->pending);
	spin_unlock(&ks_pending_lock);
	put_task_struct(v->twork_task);
	/* Cleared first: drift while we work queues another pass. */
	clear_bit(KS_VCPU_WORK_QUEUED, &v->flags);
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (ks_vm_alive(vm) && READ_ONCE(v->thread) == task_pid(current)) {
		born = ks_vm_rules(vm);
		if (born)
			WRITE_ONCE(vm->gen, vm->gen + 1);
		ks_vcpu_sync(v, current, true);
		if (born)
			ks_vm_sync_emulator(vm);
	}
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	kobject_put(&v->kobj);
	if (atomic_dec_and_test(&ks_nr_works))
		wake_up_var(&ks_nr_works);
}

/*
 * Queues @v's repair on @task, its thread: current from the load hook, or
 * another thread from the RT guard. TWA_RESUME kicks a thread running on
 * another CPU out of guest mode (set_notify_resume()). Atomic context is
 * fine.
 */
void ks_vcpu_kick(struct ks_vcpu *v, struct task_struct *task)
{
	unsigned long flags;
	int err;

	if (test_and_set_bit(KS_VCPU_WORK_QUEUED, &v->flags))
		return;
	if (!kobject_get_unless_zero(&v->kobj))
		goto undo;
	atomic_inc(&ks_nr_works);
	init_task_work(&v->twork, ks_vcpu_twork);
	/* Listed before it can run: the work unlists itself first. */
	v->twork_task = get_task_struct(task);
	spin_lock_irqsave(&ks_pending_lock, flags);
	list_add(&v->pending, &ks_pending);
	spin_unlock_irqrestore(&ks_pending_lock, flags);
	err = task_work_add(task, &v->twork, TWA_RESUME);
	if (!err)
		return;
	/* The thread is exiting: nobody will enter the guest. */
	spin_lock_irqsave(&ks_pending_lock, flags);
	list_del(&v->pending);
	spin_unlock_irqrestore(&ks_pending_lock, flags);
	put_task_struct(task);
	atomic_dec(&ks_nr_works);
	kobject_put(&v->kobj);
undo:
	clear_bit(KS_VCPU_WORK_QUEUED, &v->flags);
}

static void ks_unload_kick_fn(struct callback_head *cb)
{
	if (atomic_dec_and_test(&ks_nr_works))
		wake_up_var(&ks_nr_works);
}

/*
 * Unload: a repair pending on a thread that sleeps is on a halted vCPU. A
 * no-op TWA_SIGNAL work wakes the thread, which then runs both; once per
 * vCPU.
 */
static void ks_kick_sleeping(void)
{
	struct ks_vcpu *v;

	spin_lock_irq(&ks_pending_lock);
	list_for_each_entry(v, &ks_pending, pending) {
		if (task_is_running(v->twork_task) ||
		    test_and_set_bit(KS_VCPU_UNLOAD_KICKED, &v->flags))
			continue;
		init_task_work(&v->unload_kick, ks_unload_kick_fn);
		atomic_inc(&ks_nr_works);
		/* Fails only if the thread exits, which runs its works. */
		if (task_work_add(v->twork_task, &v->unload_kick, TWA_SIGNAL))
			atomic_dec(&ks_nr_works);
	}
	spin_unlock_irq(&ks_pending_lock);
}

void ks_affinity_vcpu_loaded(struct ks_vcpu *v, int cpu)
{
	struct ks_mask *target = rcu_dereference(v->target);

	if (READ_ONCE(v->applied_gen) == READ_ONCE(v->vm->gen) &&
	    (!target || !ks_place_violated(ks_mask_cpus(target),
					   current->cpus_ptr, cpu)) &&
	    !ks_sched_violated(v))
		return;
	ks_vcpu_kick(v, current);
}

/* Parses a policy write; NULL in *out for an empty line (no policy). */
int ks_affinity_parse(const char *buf, const char *what, struct ks_mask **out)
{
	struct ks_mask *m = ks_mask_alloc(GFP_KERNEL);
	int err;

	if (!m)
		return -ENOMEM;
	err = ks_cpulist_parse(buf, cpu_online_mask, ks_mask_cpus(m));
	if (err) {
		pr_info_ratelimited("%s: rejected \"%.*s\": %s\n", what,
				    (int)strcspn(buf, "\n"), buf,
				    err == -ERANGE ? "no such CPU on this host" :
				    err == -ENODEV ? "CPU offline" :
				    "not a cpulist");
		kfree(m);
		return err;
	}
	if (cpumask_empty(ks_mask_cpus(m))) {
		kfree(m);
		m = NULL;
	}
	*out = m;
	return 0;
}

static struct ks_mask **ks_policy_slot(struct ks_vm *vm, struct ks_vcpu *v,
				       enum ks_policy_file f)
{
	if (v)
		return &v->cpus;
	return f == KS_POLICY_CPUS ? &vm->cpus : &vm->emulator_cpus;
}

ssize_t ks_affinity_show(struct ks_vm *vm, struct ks_vcpu *v,
			 enum ks_policy_file f, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = sysfs_emit(buf, "%*pbl\n",
			 cpumask_pr_args(ks_mask_or_none(*ks_policy_slot(vm, v, f))));
	mutex_unlock(&ks_policy_mutex);
	return len;
}

/*
 * After a write to a setting of @vm (@v: of that vCPU; @emulator: of the
 * emulator threads): publishes and applies what follows from it. Under
 * ks_policy_mutex and cpus_read_lock().
 */
void ks_affinity_resync(struct ks_vm *vm, struct ks_vcpu *v, bool emulator)
{
	lockdep_assert_held(&ks_policy_mutex);
	/* A rule matched later must not undo this write. */
	ks_vm_rules(vm);
	WRITE_ONCE(vm->gen, vm->gen + 1);
	if (v)
		ks_vcpu_sync_thread(v, false);
	else if (emulator)
		ks_vm_sync_emulator(vm);
	else
		ks_vm_sync_vcpus(vm, false);
}

ssize_t ks_affinity_store(struct ks_vm *vm, struct ks_vcpu *v,
			  enum ks_policy_file f, const char *buf, size_t len)
{
	char what[64];
	struct ks_mask *m;
	int err;

	if (v)
		snprintf(what, sizeof(what), "vms/%s/vcpus/%d/cpus",
			 kobject_name(&vm->kobj), v->id);
	else
		snprintf(what, sizeof(what), "vms/%s/%s",
			 kobject_name(&vm->kobj),
			 f == KS_POLICY_CPUS ? "cpus" : "emulator_cpus");
	err = ks_affinity_parse(buf, what, &m);
	if (err)
		return err;

	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	swap(*ks_policy_slot(vm, v, f), m);
	ks_affinity_resync(vm, v, f == KS_POLICY_EMULATOR_CPUS);
out:
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	kfree(m);
	return err ? err : len;
}

ssize_t ks_affinity_effective_show(struct ks_vcpu *v, char *buf)
{
	struct task_struct *task = ks_vcpu_get_task(v);
	ssize_t len;

	if (!task)
		return sysfs_emit(buf, "\n");
	len = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&task->cpus_mask));
	put_task_struct(task);
	return len;
}

ssize_t ks_affinity_placement_show(struct ks_vcpu *v, char *buf)
{
	enum ks_place place;

	mutex_lock(&ks_policy_mutex);
	place = v->place;
	mutex_unlock(&ks_policy_mutex);
	return sysfs_emit(buf, "%s\n", ks_place_name(place));
}

/*
 * Every VM again: targets after hotplug (@resync, the active CPUs changed),
 * or drift on threads that no guest entry checks (masks widened in place,
 * emulator threads). Also forgets threads that have exited.
 */
static void ks_affinity_pass(bool resync)
{
	struct ks_touched *t;
	struct hlist_node *tmp;
	struct ks_vm **vms;
	int i, j, n, bkt;

	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	n = ks_get_vms(&vms);
	for (i = 0; i < n; i++) {
		if (ks_vm_rules(vms[i]) || resync)
			WRITE_ONCE(vms[i]->gen, vms[i]->gen + 1);
		ks_vm_sync_vcpus(vms[i], !resync);
		for (j = 0; j < i && vms[j]->tgid != vms[i]->tgid; j++)
			;
		if (j == i)
			ks_emulator_sync(vms[i]->tgid, vms, n, !resync);
	}
	if (n >= 0)
		ks_put_vms(vms, n);
	rcu_read_lock();
	hash_for_each_safe(ks_touched_hash, bkt, tmp, t, hnode)
		if (!pid_task(t->pid, PIDTYPE_PID))
			ks_touched_free(t);
	rcu_read_unlock();
	ks_sched_forget_exited();
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
}

static void ks_reconcile_fn(struct work_struct *work)
{
	unsigned int ms = READ_ONCE(reconcile_ms);

	if (ms)
		ks_affinity_pass(false);
	queue_delayed_work(system_unbound_wq, &ks_reconcile_work,
			   msecs_to_jiffies(ms ? ms : 1000));
}

/* cpus_read_lock() in the pass waits for the hotplug operation to end. */
static void ks_hotplug_fn(struct work_struct *work)
{
	ks_affinity_pass(true);
}

static int ks_cpu_changed(unsigned int cpu)
{
	queue_work(system_unbound_wq, &ks_hotplug_work);
	return 0;
}

int ks_affinity_init(void)
{
	int ret;

	if (!zalloc_cpumask_var(&ks_scratch, GFP_KERNEL))
		return -ENOMEM;
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "kvmsched:online",
					ks_cpu_changed, ks_cpu_changed);
	if (ret < 0) {
		free_cpumask_var(ks_scratch);
		return ret;
	}
	ks_cpuhp_state = ret;
	queue_delayed_work(system_unbound_wq, &ks_reconcile_work,
			   msecs_to_jiffies(1000));
	return 0;
}

/*
 * After the load hook is gone: stop the passes and wait until no task can
 * run our repair work or still be inside it.
 */
void ks_affinity_quiesce(void)
{
	cpuhp_remove_state_nocalls(ks_cpuhp_state);
	cancel_delayed_work_sync(&ks_reconcile_work);
	cancel_work_sync(&ks_hotplug_work);
	while (!wait_var_event_timeout(&ks_nr_works, !atomic_read(&ks_nr_works),
				       msecs_to_jiffies(KS_DRAIN_MS)))
		ks_kick_sleeping();
	synchronize_rcu_tasks();
}

/* After every VM is gone: every thread still as we left it gets its mask. */
void ks_affinity_exit(void)
{
	struct task_struct *task;
	struct ks_touched *t;
	struct hlist_node *tmp;
	int bkt, restored = 0, kept = 0;

	mutex_lock(&ks_policy_mutex);
	hash_for_each_safe(ks_touched_hash, bkt, tmp, t, hnode) {
		task = get_pid_task(t->pid, PIDTYPE_PID);
		if (task) {
			if (ks_task_give_back(t, task))
				restored++;
			else
				kept++;
			put_task_struct(task);
		}
		ks_touched_free(t);
	}
	mutex_unlock(&ks_policy_mutex);
	if (restored || kept)
		pr_info("affinity restored on %d threads, %d changed by others since kept\n",
			restored, kept);
	free_cpumask_var(ks_scratch);
}
