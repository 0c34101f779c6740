// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduling enforcement.
 *
 * A vCPU's class, priority, nice and slice are enforced where its affinity
 * is (affinity.c): the load hook compares the thread with the vCPU's
 * published target before each guest entry, and on a mismatch the thread
 * fixes itself in its task work, before it can enter the guest again.
 * Emulator threads are set at each write and by the periodic pass.
 *
 * Every thread kvmsched changes is recorded with what it had before, and
 * gets it back when its policy goes or the module unloads, as long as it
 * still has what kvmsched set (else someone else owns it now).
 *
 * The RT guard is a kernel thread at the top RT priority. It watches the
 * CPU time of every vCPU that asks for fifo or rr, and one that spent its
 * runtime within the period is demoted to idle for the rest of it, so that
 * the kernel threads of its CPU run. It sleeps until the earliest moment
 * any vCPU could spend its runtime (ks_guard_decide() says when). It never
 * takes ks_policy_mutex: a holder starved on a guarded CPU would starve the
 * guard too, mutexes having no priority inheritance. It only flips the
 * vCPU's DEMOTED bit and queues the vCPU's task work; the vCPU thread then
 * demotes or restores itself like any other repair.
 */
#include <linux/cpu.h>
#include <linux/hashtable.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/isolation.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <uapi/linux/sched/types.h>

#include "affinity.h"
#include "features.h"
#include "registry.h"
#include "sched.h"

/* A thread whose scheduling kvmsched changed. */
struct ks_sched_touched {
	struct hlist_node hnode;	/* in ks_sched_hash */
	struct pid *pid;
	struct ks_sched_attr orig;	/* before kvmsched */
	struct ks_sched_attr set;	/* after kvmsched's last change */
};

static DEFINE_HASHTABLE(ks_sched_hash, 8);	/* under ks_policy_mutex */

/* The guard thread; we hold a reference, so waking it is always safe. */
static struct task_struct *ks_guard_thread;
/* Set by whoever needs the guard to look again; it clears it. */
static atomic_t ks_guard_pending = ATOMIC_INIT(0);

static const char *const ks_field_files[] = {
	[KS_SF_POLICY] = "sched_policy",
	[KS_SF_PRIORITY] = "sched_priority",
	[KS_SF_NICE] = "nice",
	[KS_SF_SLICE] = "slice_us",
};

static u32 ks_task_slice_us(struct task_struct *p)
{
#ifdef KS_HAVE_CUSTOM_SLICE
	return p->se.custom_slice ? div_u64(p->se.slice, NSEC_PER_USEC) : 0;
#else
	return 0;
#endif
}

static void ks_task_sched(struct task_struct *p, struct ks_sched_attr *a)
{
	a->policy = ks_policy_from_kernel(READ_ONCE(p->policy));
	a->prio = ks_policy_rt(a->policy) ? READ_ONCE(p->rt_priority) : 0;
	a->nice = task_nice(p);
	a->slice_us = ks_task_slice_us(p);
}

static bool ks_sched_same(const struct ks_sched_attr *a,
			  const struct ks_sched_attr *b)
{
	return a->policy == b->policy && a->prio == b->prio &&
	       a->nice == b->nice && a->slice_us == b->slice_us;
}

static int ks_sched_set(struct task_struct *p, const struct ks_sched_attr *a)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = ks_policy_to_kernel(a->policy),
		.sched_priority = a->prio,
		.sched_nice = a->nice,
		/* Ours to change is the class, not how its children start. */
		.sched_flags = p->sched_reset_on_fork ?
			       SCHED_FLAG_RESET_ON_FORK : 0,
	};
	int err;

#ifdef KS_HAVE_CUSTOM_SLICE
	/* For normal, batch and idle, 6.12+ takes a custom slice here. */
	attr.sched_runtime = (u64)a->slice_us * NSEC_PER_USEC;
#endif
	/*
	 * sched_setattr() leaves an RT thread's nice as it was; it shows in
	 * ps, and is the weight the thread has again if it leaves RT.
	 */
	err = sched_setattr_nocheck(p, &attr);
	if (!err && ks_policy_rt(a->policy))
		set_user_nice(p, a->nice);
	return err;
}

static struct ks_sched_touched *ks_sched_find(struct pid *pid)
{
	struct ks_sched_touched *t;

	lockdep_assert_held(&ks_policy_mutex);
	hash_for_each_possible(ks_sched_hash, t, hnode, (unsigned long)pid)
		if (t->pid == pid)
			return t;
	return NULL;
}

static void ks_sched_free(struct ks_sched_touched *t)
{
	hash_del(&t->hnode);
	put_pid(t->pid);
	kfree(t);
}

/*
 * Gives @task, recorded in @t, what it had before kvmsched, if what
 * kvmsched set is still in force (else someone else owns it now).
 */
static bool ks_sched_give_back(struct ks_sched_touched *t,
			       struct task_struct *task)
{
	struct ks_sched_attr have;

	ks_task_sched(task, &have);
	if (!ks_sched_same(&have, &t->set))
		return false;
	ks_sched_set(task, &t->orig);
	return true;
}

/* @task's policy went: its own back, and kvmsched forgets it. */
static void ks_sched_release(struct task_struct *task)
{
	struct ks_sched_touched *t;

	lockdep_assert_held(&ks_policy_mutex);
	t = ks_sched_find(task_pid(task));
	if (!t)
		return;
	ks_sched_give_back(t, task);
	ks_sched_free(t);
}

/*
 * Gives @task @want (policy NONE: its own back), recording what it had
 * before kvmsched first changed it. Returns whether it had to change.
 */
bool ks_sched_thread_apply(struct task_struct *task,
			   const struct ks_sched_attr *want)
{
	struct ks_sched_touched *t;
	struct ks_sched_attr have;
	int err;

	lockdep_assert_held(&ks_policy_mutex);
	if (!want->policy) {
		ks_sched_release(task);
		return false;
	}
	ks_task_sched(task, &have);
	if (ks_sched_matches(want, &have))
		return false;
	if (have.policy == KS_POL_DEADLINE) {
		pr_warn_ratelimited("thread %d runs SCHED_DEADLINE: left alone\n",
				    task_pid_nr(task));
		return false;
	}
	t = ks_sched_find(task_pid(task));
	if (!t) {
		t = kzalloc(sizeof(*t), GFP_KERNEL);
		if (!t)
			return false;
		t->pid = get_pid(task_pid(task));
		t->orig = have;
		hash_add(ks_sched_hash, &t->hnode, (unsigned long)t->pid);
	}
	err = ks_sched_set(task, want);
	if (err)
		pr_warn_ratelimited("cannot set thread %d to %s: %d\n",
				    task_pid_nr(task),
				    ks_policy_name(want->policy), err);
	ks_task_sched(task, &t->set);
	return true;
}

static void ks_guard_wake(void)
{
	atomic_set(&ks_guard_pending, 1);
	wake_up_process(ks_guard_thread);
}

/*
 * Recomputes @v's target from its settings and the guard's verdict,
 * publishes it, and applies it to @task (its thread) if given. @count: a
 * thread found off a target it already had is drift, to be counted.
 */
void ks_sched_vcpu_sync(struct ks_vcpu *v, struct task_struct *task,
			bool count)
{
	struct ks_sched_attr want, have, last;
	bool rt, was_rt, drift = false;
	u64 packed;

	lockdep_assert_held(&ks_policy_mutex);
	rt = ks_sched_resolve(&v->sched, &v->vm->sched,
			      test_bit(KS_VCPU_DEMOTED, &v->flags), &want);
	packed = ks_sched_pack(&want);
	WRITE_ONCE(v->sched_want, packed);
	was_rt = v->sched_rt;
	/* Published before the wake: the guard may run at once. */
	WRITE_ONCE(v->sched_rt, rt);
	if (rt && !was_rt)
		ks_guard_wake();
	if (!task)
		return;
	ks_task_sched(task, &have);
	/* The guard's streak of this thread starts no earlier than here. */
	if (ks_policy_rt(want.policy) && !ks_policy_rt(have.policy)) {
		WRITE_ONCE(v->rt_since_ns, local_clock());
		/* Before the thread turns RT: the guard reads its policy first. */
		smp_wmb();
	}
	/* Drift: the thread lost what kvmsched last gave it. */
	if (count && v->sched_applied) {
		ks_sched_unpack(v->sched_applied, &last);
		drift = !ks_sched_matches(&last, &have);
	}
	if (ks_sched_thread_apply(task, &want) && drift)
		atomic_long_inc(&v->sched_repairs);
	v->sched_applied = packed;
	ks_task_sched(task, &have);
	/*
	 * A target the thread cannot take (a deadline thread, a refused
	 * change) would make every guest entry fail: the hook stops asking,
	 * and the periodic pass tries again.
	 */
	if (packed && !ks_sched_matches(&want, &have))
		WRITE_ONCE(v->sched_want, 0);
}

/* The load hook's question: does current, @v's thread, miss its target? */
bool ks_sched_violated(struct ks_vcpu *v)
{
	u64 packed = READ_ONCE(v->sched_want);
	struct ks_sched_attr want, have;

	if (!packed)
		return false;
	ks_sched_unpack(packed, &want);
	ks_task_sched(current, &have);
	return !ks_sched_matches(&want, &have);
}

/*
 * The emulator threads' target: the emulator settings of the first VM of
 * @tgid among @vms that has any. False: none has.
 */
bool ks_sched_emulator_attr(struct pid *tgid, struct ks_vm **vms, int n,
			    struct ks_sched_attr *attr)
{
	int i;

	lockdep_assert_held(&ks_policy_mutex);
	memset(attr, 0, sizeof(*attr));
	for (i = 0; i < n && !attr->policy; i++)
		if (vms[i]->tgid == tgid)
			ks_sched_resolve(&vms[i]->emulator_sched, NULL, false,
					 attr);
	return attr->policy;
}

/* Forgets threads that have exited. */
void ks_sched_forget_exited(void)
{
	struct ks_sched_touched *t;
	struct hlist_node *tmp;
	int bkt;

	lockdep_assert_held(&ks_policy_mutex);
	rcu_read_lock();
	hash_for_each_safe(ks_sched_hash, bkt, tmp, t, hnode)
		if (!pid_task(t->pid, PIDTYPE_PID))
			ks_sched_free(t);
	rcu_read_unlock();
}

static struct ks_sched_cfg *ks_sched_slot(struct ks_vm *vm, struct ks_vcpu *v,
					  enum ks_sched_scope scope)
{
	switch (scope) {
	case KS_SCOPE_VCPU:
		return &v->sched;
	case KS_SCOPE_EMULATOR:
		return &vm->emulator_sched;
	default:
		return &vm->sched;
	}
}

/* Field @f of @cfg (a VM's, a vCPU's, a rule's), for a sysfs read. */
ssize_t ks_sched_cfg_show(struct ks_sched_cfg *cfg, enum ks_sched_field f,
			  char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = ks_sched_field_show(cfg, f, buf, PAGE_SIZE);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_sched_show(struct ks_vm *vm, struct ks_vcpu *v,
		      enum ks_sched_scope scope, enum ks_sched_field f,
		      char *buf)
{
	return ks_sched_cfg_show(ks_sched_slot(vm, v, scope), f, buf);
}

static const char *ks_sched_why(enum ks_sched_field f, int err)
{
	if (err == -ERANGE) {
		switch (f) {
		case KS_SF_PRIORITY:
			return "priority out of 1-99";
		case KS_SF_NICE:
			return "nice out of -20..19";
		default:
			return "slice out of 100-100000 us";
		}
	}
	return f == KS_SF_POLICY ? "not one of normal, batch, idle, fifo, rr" :
	       "not a number";
}

/*
 * A write of field @f into @cfg, under ks_policy_mutex: all of it or
 * nothing, and a rejection logs one line saying why, naming the file as
 * @what.
 */
int ks_sched_cfg_store(struct ks_sched_cfg *cfg, enum ks_sched_field f,
		       const char *buf, const char *what)
{
	struct ks_sched_cfg new = *cfg;
	int err;

	lockdep_assert_held(&ks_policy_mutex);
	err = ks_sched_field_parse(buf, f, &new);
	if (err) {
		pr_info_ratelimited("%s: rejected \"%.*s\": %s\n", what,
				    (int)strcspn(buf, "\n"), buf,
				    ks_sched_why(f, err));
		return err;
	}
	*cfg = new;
	return 0;
}

/*
 * fifo and rr are meant for CPUs isolated from housekeeping work; on the
 * others, kernel threads wait behind the vCPU. Allowed, with a warning:
 * the RT guard is what bounds that wait there.
 */
void ks_sched_warn_rt(struct ks_vm *vm, struct ks_vcpu *v, const char *what)
{
	struct ks_mask *m = v && v->cpus ? v->cpus : vm->cpus;
	const struct cpumask *cpus = m ? ks_mask_cpus(m) : cpu_online_mask;

	if (!cpumask_intersects(cpus, housekeeping_cpumask(HK_TYPE_DOMAIN)))
		return;
	pr_warn_ratelimited("%s: fifo/rr on CPUs %*pbl, not all isolated from housekeeping: %s\n",
			    what, cpumask_pr_args(cpus),
			    vm->guard_runtime_us == KS_GUARD_OFF ?
			    "the RT guard is off, their kernel threads can starve" :
			    "the RT guard bounds their kernel threads' wait");
}

ssize_t ks_sched_store(struct ks_vm *vm, struct ks_vcpu *v,
		       enum ks_sched_scope scope, enum ks_sched_field f,
		       const char *buf, size_t len)
{
	struct ks_sched_cfg *slot;
	char what[80];
	int err;

	if (scope == KS_SCOPE_VCPU)
		snprintf(what, sizeof(what), "vms/%s/vcpus/%d/%s",
			 kobject_name(&vm->kobj), v->id, ks_field_files[f]);
	else
		snprintf(what, sizeof(what), "vms/%s/%s%s",
			 kobject_name(&vm->kobj),
			 scope == KS_SCOPE_EMULATOR ? "emulator_" : "",
			 ks_field_files[f]);

	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	slot = ks_sched_slot(vm, v, scope);
	err = ks_sched_cfg_store(slot, f, buf, what);
	if (err)
		goto out;
	if (f == KS_SF_POLICY && scope != KS_SCOPE_EMULATOR &&
	    ks_policy_rt(slot->policy))
		ks_sched_warn_rt(vm, v, what);
	ks_affinity_resync(vm, v, scope == KS_SCOPE_EMULATOR);
out:
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	return err ? err : len;
}

/* What @v's thread has now, whoever set it; empty without a thread. */
ssize_t ks_sched_effective_show(struct ks_vcpu *v, enum ks_sched_field f,
				char *buf)
{
	struct task_struct *task = ks_vcpu_get_task(v);
	struct ks_sched_attr have;

	if (!task)
		return sysfs_emit(buf, "\n");
	ks_task_sched(task, &have);
	put_task_struct(task);
	switch (f) {
	case KS_SF_POLICY:
		return sysfs_emit(buf, "%s\n", ks_policy_name(have.policy));
	case KS_SF_PRIORITY:
		return sysfs_emit(buf, "%u\n", have.prio);
	case KS_SF_NICE:
		return sysfs_emit(buf, "%d\n", have.nice);
	default:
		return sysfs_emit(buf, "%u\n", have.slice_us);
	}
}

ssize_t ks_guard_show(struct ks_vm *vm, bool period, char *buf)
{
	int val;

	mutex_lock(&ks_policy_mutex);
	val = period ? vm->guard_period_us : vm->guard_runtime_us;
	mutex_unlock(&ks_policy_mutex);
	return sysfs_emit(buf, "%d\n", val);
}

ssize_t ks_guard_store(struct ks_vm *vm, bool period, const char *buf,
		       size_t len)
{
	const char *file = period ? "rt_guard_period_us" :
			   "rt_guard_runtime_us";
	int val, runtime, per, err;

	err = kstrtoint(buf, 10, &val);
	mutex_lock(&ks_policy_mutex);
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	runtime = period ? vm->guard_runtime_us : val;
	per = period ? val : vm->guard_period_us;
	if (!err)
		err = ks_guard_check(runtime, per);
	if (err) {
		pr_info_ratelimited("vms/%s/%s: rejected \"%.*s\": %s\n",
				    kobject_name(&vm->kobj), file,
				    (int)strcspn(buf, "\n"), buf,
				    err == -EINVAL ? "not a number" : period ?
				    "period out of 10000-10000000 us, or below the runtime" :
				    "runtime not -1 (off) nor in 1000 us..period");
		goto out;
	}
	WRITE_ONCE(vm->guard_runtime_us, runtime);
	WRITE_ONCE(vm->guard_period_us, per);
	ks_guard_wake();
out:
	mutex_unlock(&ks_policy_mutex);
	return err ? err : len;
}

/* The sooner of two delays, 0 meaning never. */
static u64 ks_sooner(u64 a, u64 b)
{
	return a && (!b || a < b) ? a : b;
}

/*
 * How long @task, @v's thread, has kept its CPU as fifo or rr without
 * sleeping: since it last slept, or since kvmsched last made it RT,
 * whichever is later. Preemption is no break: the kernel threads of its
 * CPU gain nothing when an RT thread (the guard, say) preempts it. After a
 * sleep the streak starts with the run the guard finds it in, or at the
 * look if it is not on its CPU then. 0 while it sleeps, and where the
 * kernel keeps no sched_info.
 */
static u64 ks_guard_streak(struct ks_vcpu *v, struct task_struct *task)
{
#if defined(CONFIG_SCHED_INFO) && defined(CONFIG_SMP)
	unsigned long long arrival;
	unsigned long nvcsw;
	unsigned int policy;
	u64 since, now;

	policy = READ_ONCE(task->policy);
	nvcsw = READ_ONCE(task->nvcsw);
	/* nvcsw before the state: RUNNING then is after that sleep's wake. */
	smp_rmb();
	if ((policy != SCHED_FIFO && policy != SCHED_RR) ||
	    !task_is_running(task)) {
		v->streak_start_ns = 0;
		return 0;
	}
	now = cpu_clock(task_cpu(task));
	if (!v->streak_start_ns || nvcsw != v->streak_nvcsw ||
	    task_pid(task) != v->streak_pid) {
		/*
		 * An arrival unchanged around on_cpu is the start of the run
		 * it is in now, which began after the sleep counted in nvcsw.
		 * Else (preempted, the guard itself on its CPU, say) it has
		 * not slept since now at least.
		 */
		v->streak_start_ns = now;
		v->streak_nvcsw = nvcsw;
		v->streak_pid = task_pid(task);
		arrival = READ_ONCE(task->sched_info.last_arrival);
		/* The arrival before on_cpu. */
		smp_rmb();
		if (READ_ONCE(task->on_cpu)) {
			/* on_cpu before the arrival again. */
			smp_rmb();
			if (READ_ONCE(task->sched_info.last_arrival) == arrival &&
			    arrival < now)
				v->streak_start_ns = arrival;
		}
	}
	/* The policy before rt_since_ns: pairs with ks_sched_vcpu_sync(). */
	smp_rmb();
	since = max_t(u64, v->streak_start_ns, READ_ONCE(v->rt_since_ns));
	/* sched_clock based, like local_clock(): they agree on stable TSCs. */
	return now > since ? now - since : 0;
#else
	return 0;
#endif
}

/* Looks at one vCPU; returns when it needs another look, 0 for never. */
static u64 ks_guard_vcpu(struct ks_vcpu *v, int runtime_us, u32 period_us)
{
	struct ks_guard_view in;
	struct task_struct *task;
	enum ks_guard_act act;
	unsigned int policy;
	bool late;
	u64 next;

	if (!READ_ONCE(v->sched_rt)) {
		/* Not RT (any more): nothing to restore, start afresh. */
		v->guard.start_ns = 0;
		v->streak_start_ns = 0;
		clear_bit(KS_VCPU_DEMOTED, &v->flags);
		return 0;
	}
	/* Not running yet: keep looking, nothing wakes us when it starts. */
	task = ks_vcpu_get_task(v);
	if (!task)
		return runtime_us == KS_GUARD_OFF ? 0 :
		       ks_guard_tick_ns(period_us);
	in.now_ns = ktime_get_ns();
	in.exec_ns = READ_ONCE(task->se.sum_exec_runtime);
	/* A runnable thread's CPU time is accounted at the scheduler tick. */
	in.unseen_ns = task_is_running(task) ? TICK_NSEC : 0;
	in.streak_ns = ks_guard_streak(v, task);
	in.demoted = test_bit(KS_VCPU_DEMOTED, &v->flags);
	act = ks_guard_decide(&v->guard, &in, runtime_us, period_us, &next);
	if (act == KS_GUARD_DEMOTE) {
		set_bit(KS_VCPU_DEMOTED, &v->flags);
		atomic_long_inc(&v->rt_demotions);
	} else if (act == KS_GUARD_RESTORE) {
		clear_bit(KS_VCPU_DEMOTED, &v->flags);
	}
	/*
	 * A demoted thread still running RT has not done its repair yet:
	 * queue it again (a no-op if it is queued) and look again soon.
	 */
	policy = READ_ONCE(task->policy);
	late = act == KS_GUARD_KEEP && in.demoted &&
	       (policy == SCHED_FIFO || policy == SCHED_RR);
	if (late)
		next = ks_sooner(NSEC_PER_MSEC, next);
	if (act != KS_GUARD_KEEP || late)
		ks_vcpu_kick(v, task);
	put_task_struct(task);
	return next;
}

/* One look at every vCPU; returns when to look again (0: no need). */
static u64 ks_guard_pass(void)
{
	struct ks_vcpu **vcpus;
	struct ks_vm **vms;
	u64 tick = 0;
	int i, j, n, nv;

	n = ks_get_vms(&vms);
	if (n < 0)
		return NSEC_PER_MSEC;
	for (i = 0; i < n; i++) {
		int runtime = READ_ONCE(vms[i]->guard_runtime_us);
		u32 period = READ_ONCE(vms[i]->guard_period_us);

		nv = ks_vm_get_vcpus(vms[i], &vcpus);
		if (nv < 0) {
			tick = ks_sooner(tick, NSEC_PER_MSEC);
			continue;
		}
		for (j = 0; j < nv; j++)
			tick = ks_sooner(tick, ks_guard_vcpu(vcpus[j], runtime,
							     period));
		ks_put_vcpus(vcpus, nv);
	}
	ks_put_vms(vms, n);
	return tick;
}

static int ks_guard_fn(void *unused)
{
	ktime_t tick;
	u64 ns;

	while (!kthread_should_stop()) {
		atomic_set(&ks_guard_pending, 0);
		ns = ks_guard_pass();
		set_current_state(TASK_INTERRUPTIBLE);
		if (atomic_read(&ks_guard_pending) || kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			continue;
		}
		if (ns) {
			tick = ns_to_ktime(ns);
			schedule_hrtimeout(&tick, HRTIMER_MODE_REL);
		} else {
			schedule();
		}
	}
	return 0;
}

int ks_sched_init(void)
{
	/* Above every vCPU it guards: a vCPU at 99 ties with it. */
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_FIFO,
		.sched_priority = MAX_RT_PRIO - 1,
	};
	struct task_struct *t;

	t = kthread_create(ks_guard_fn, NULL, "kvmsched_guard");
	if (IS_ERR(t))
		return PTR_ERR(t);
	ks_guard_thread = get_task_struct(t);
	sched_setattr_nocheck(t, &attr);
	wake_up_process(t);
	return 0;
}

/* Before the repair works are drained: the guard queues them. */
void ks_sched_quiesce(void)
{
	kthread_stop(ks_guard_thread);
}

/* After every VM is gone: every thread still as we left it gets its own. */
void ks_sched_exit(void)
{
	struct ks_sched_touched *t;
	struct task_struct *task;
	struct hlist_node *tmp;
	int bkt, restored = 0, kept = 0;

	mutex_lock(&ks_policy_mutex);
	hash_for_each_safe(ks_sched_hash, bkt, tmp, t, hnode) {
		task = get_pid_task(t->pid, PIDTYPE_PID);
		if (task) {
			if (ks_sched_give_back(t, task))
				restored++;
			else
				kept++;
			put_task_struct(task);
		}
		ks_sched_free(t);
	}
	mutex_unlock(&ks_policy_mutex);
	if (restored || kept)
		pr_info("scheduling restored on %d threads, %d changed by others since kept\n",
			restored, kept);
	put_task_struct(ks_guard_thread);
}
