// SPDX-License-Identifier: GPL-2.0
/*
 * The RT guard: a kernel thread at the top RT priority. It watches the CPU
 * time of every vCPU that asks for fifo or rr, and one that spent its
 * runtime within the period, or kept its CPU that long without sleeping,
 * is demoted to idle for the rest of it, so that the kernel threads of its
 * CPU run. It sleeps until the earliest moment any vCPU could reach its
 * runtime (ks_guard_decide() says when), or until a vCPU turns RT or a
 * budget changes (ks_sched_rt_wq).
 *
 * It never takes ks_policy_mutex: a holder starved on a guarded CPU would
 * starve the guard too, mutexes having no priority inheritance. So it
 * changes the class itself, at once, with sched_setattr_nocheck(), and a
 * demotion is a loan the engine never sees: while a vCPU's DEMOTED bit is
 * set its class is the guard's (the engine and its schedule-in check
 * leave an RT target alone), and the restore gives the thread exactly what it had
 * before, which is what the engine's record says kvmsched set. A demoted
 * thread cannot restore itself: as idle beside a busy normal thread it
 * would wait up to a second for the CPU, losing the budget it is owed.
 *
 * An engine set racing a demotion (it read the bit clear just before) is
 * found at the next look, which demotes again; a policy change during a
 * demotion is the engine's to apply after the restore. The guard keeps
 * the demoted vCPUs on a list of its own, with references, so that it can
 * restore each when it stops at unload, after the registry has forgotten
 * them, before the engine gives every thread back. On 6.1 a class change
 * takes cpuset_rwsem for read: a cpuset writer starved on a guarded CPU
 * (not pinned there, so load balancing moves it) delays a demotion.
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/task.h>
#include <linux/sysfs.h>
#include <linux/wait.h>
#include <uapi/linux/sched/types.h>

#include "engine.h"
#include "guard.h"
#include "policy.h"
#include "registry.h"
#include "sched.h"
#include "schedpol.h"
#include "trace.h"

/* The guard thread; kthread_stop() needs it alive until then. */
static struct task_struct *ks_guard_thread;

/*
 * The vCPUs whose thread the guard has demoted (ks_vcpu_pol.demoted), each
 * holding a reference on the vCPU and on the thread. The guard thread's
 * alone: no lock.
 */
static LIST_HEAD(ks_guard_demoted);

/* @vm's budget. A new VM's block is zero, which stands for the default. */
static void ks_guard_budget(struct ks_vm *vm, int *runtime_us, u32 *period_us)
{
	int runtime = READ_ONCE(ks_vmp(vm)->guard_runtime_us);
	u32 period = READ_ONCE(ks_vmp(vm)->guard_period_us);

	*runtime_us = runtime ? runtime : KS_GUARD_RUNTIME_DEF_US;
	*period_us = period ? period : KS_GUARD_PERIOD_DEF_US;
}

ssize_t ks_guard_show(struct ks_vm *vm, bool period, char *buf)
{
	int runtime;
	u32 per;

	mutex_lock(&ks_policy_mutex);
	ks_guard_budget(vm, &runtime, &per);
	mutex_unlock(&ks_policy_mutex);
	return period ? sysfs_emit(buf, "%u\n", per) :
	       sysfs_emit(buf, "%d\n", runtime);
}

ssize_t ks_guard_store(struct ks_vm *vm, bool period, const char *buf,
		       size_t len)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	const char *file = period ? "rt_guard_period_us" :
			   "rt_guard_runtime_us";
	int val, runtime, per, err;
	u32 cur_period;

	err = kstrtoint(buf, 10, &val);
	mutex_lock(&ks_policy_mutex);
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	ks_guard_budget(vm, &runtime, &cur_period);
	per = period ? val : cur_period;
	if (!period)
		runtime = val;
	if (!err)
		err = ks_guard_check(runtime, per);
	if (err) {
		pr_info_ratelimited("vms/%s/%s: rejected \"%.*s\": %s\n",
				    vm->name, file,
				    (int)strcspn(buf, "\n"), buf,
				    err == -EINVAL ? "not a number" : period ?
				    "period out of 10000-10000000 us, or below the runtime" :
				    "runtime not -1 (off) nor in 1000 us..period");
		goto out;
	}
	WRITE_ONCE(vp->guard_runtime_us, runtime);
	WRITE_ONCE(vp->guard_period_us, per);
	ks_sched_rt_changed();
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
 * sleeping: since it last slept, since kvmsched last made it RT, or since
 * the guard last restored it, whichever is latest. Preemption is no break:
 * the kernel threads of its CPU gain nothing when an RT thread (the guard,
 * say) preempts it. After a
 * sleep the streak starts with the run the guard finds it in, or at the
 * look if it is not on its CPU then. 0 while it sleeps, and where the
 * kernel keeps no sched_info.
 */
static u64 ks_guard_streak(struct ks_vcpu *v, struct task_struct *task)
{
	struct ks_vcpu_pol *p = ks_vcp(v);
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
		p->streak_start_ns = 0;
		return 0;
	}
	now = cpu_clock(task_cpu(task));
	if (!p->streak_start_ns || nvcsw != p->streak_nvcsw ||
	    task_pid(task) != p->streak_pid) {
		/*
		 * An arrival unchanged around on_cpu is the start of the run
		 * it is in now, which began after the sleep counted in nvcsw.
		 * Else (preempted, the guard itself on its CPU, say) it has
		 * not slept since now at least.
		 */
		p->streak_start_ns = now;
		p->streak_nvcsw = nvcsw;
		p->streak_pid = task_pid(task);
		arrival = READ_ONCE(task->sched_info.last_arrival);
		/* The arrival before on_cpu. */
		smp_rmb();
		if (READ_ONCE(task->on_cpu)) {
			/* on_cpu before the arrival again. */
			smp_rmb();
			if (READ_ONCE(task->sched_info.last_arrival) == arrival &&
			    arrival < now)
				p->streak_start_ns = arrival;
		}
	}
	/* The policy before rt_since_ns: pairs with ks_sched_vcpu_target(). */
	smp_rmb();
	since = max3(p->streak_start_ns, READ_ONCE(p->rt_since_ns),
		     p->restored_ns);
	/* sched_clock based, like local_clock(): they agree on stable TSCs. */
	return now > since ? now - since : 0;
#else
	return 0;
#endif
}

/*
 * CPU time @task has used that its sum_exec_runtime does not show yet: the
 * scheduler adds a running thread's time at its CPU's tick and when it
 * leaves the CPU, so a look between ticks sees up to a tick too little,
 * and a guard that guessed a whole tick would demote a tick early. With
 * neither irq nor steal time accounting, the scheduler's task clock is
 * its CPU's sched_clock, so the time since se.exec_start (the last update)
 * is what is missing. With them the task clock lags by that time since
 * boot, and the guard can only say "a tick at most".
 */
static u64 ks_guard_unseen(struct task_struct *task, u64 *exec_ns)
{
#if !defined(CONFIG_IRQ_TIME_ACCOUNTING) && \
	!defined(CONFIG_PARAVIRT_TIME_ACCOUNTING) && defined(CONFIG_SMP)
	u64 exec, start, now;
	int tries = 3;
	bool on;

	/* An update between the reads would tear the pair: read it again. */
	do {
		exec = READ_ONCE(task->se.sum_exec_runtime);
		start = READ_ONCE(task->se.exec_start);
		/* The pair before on_cpu: off it, the pair is complete. */
		smp_rmb();
		on = READ_ONCE(task->on_cpu);
		now = cpu_clock(task_cpu(task));
		/* The clock before the pair's second read. */
		smp_rmb();
	} while ((exec != READ_ONCE(task->se.sum_exec_runtime) ||
		  start != READ_ONCE(task->se.exec_start)) && --tries);
	*exec_ns = exec;
	if (tries)
		return on && now > start ? now - start : 0;
#else
	*exec_ns = READ_ONCE(task->se.sum_exec_runtime);
#endif
	return task_is_running(task) ? TICK_NSEC : 0;
}

/* Demotes @task, @v's thread, keeping what it had for the restore. */
static void ks_guard_demote(struct ks_vcpu *v, struct task_struct *task)
{
	struct ks_vcpu_pol *p = ks_vcp(v);

	if (!test_bit(KS_VCPU_DEMOTED, &p->flags)) {
		if (!kobject_get_unless_zero(&v->kobj))
			return;
		p->demoted_task = get_task_struct(task);
		list_add(&p->demoted, &ks_guard_demoted);
		set_bit(KS_VCPU_DEMOTED, &p->flags);
		/* The bit before the class: the engine reads them in turn. */
		smp_mb__after_atomic();
		trace_kvmsched_rt_demote(v->vm->name, v->id, task_pid_nr(task));
	}
	ks_sched_demote(task, &p->demoted_from);
}

/*
 * Gives @v's demoted thread what it had, if it still has what the guard
 * gave it; if someone else changed it meanwhile, the engine repairs it.
 */
static void ks_guard_restore(struct ks_vcpu *v)
{
	struct ks_vcpu_pol *p = ks_vcp(v);
	struct task_struct *task = p->demoted_task;
	bool restored;

	list_del(&p->demoted);
	/* Its streak starts again here, wherever its run began. */
	p->streak_start_ns = 0;
	p->restored_ns = local_clock();
	restored = ks_sched_undemote(task, &p->demoted_from);
	/* The class before the bit: the engine acts once it sees it clear. */
	smp_mb__before_atomic();
	clear_bit(KS_VCPU_DEMOTED, &p->flags);
	trace_kvmsched_rt_restore(v->vm->name, v->id, task_pid_nr(task));
	if (!restored)
		ks_engine_kick(v, task);
	put_task_struct(task);
	kobject_put(&v->kobj);
}

/* Looks at one vCPU; returns when it needs another look, 0 for never. */
static u64 ks_guard_vcpu(struct ks_vcpu *v, int runtime_us, u32 period_us)
{
	struct ks_vcpu_pol *p = ks_vcp(v);
	struct ks_guard_view in;
	struct task_struct *task;
	enum ks_guard_act act;
	u64 next = 0;

	task = ks_vcpu_get_task(v);
	/* Not RT any more, or run by another thread: its demotion ends. */
	if (test_bit(KS_VCPU_DEMOTED, &p->flags) &&
	    (!READ_ONCE(p->sched_rt) || p->demoted_task != task))
		ks_guard_restore(v);
	if (!READ_ONCE(p->sched_rt)) {
		/* Start afresh when it is RT again. */
		p->guard.start_ns = 0;
		p->streak_start_ns = 0;
		goto out;
	}
	/* Not running yet: keep looking, nothing wakes us when it starts. */
	if (!task)
		return runtime_us == KS_GUARD_OFF ? 0 :
		       ks_guard_tick_ns(period_us);
	in.now_ns = ktime_get_ns();
	in.unseen_ns = ks_guard_unseen(task, &in.exec_ns);
	in.streak_ns = ks_guard_streak(v, task);
	in.demoted = test_bit(KS_VCPU_DEMOTED, &p->flags);
	act = ks_guard_decide(&p->guard, &in, runtime_us, period_us, &next);
	if (act == KS_GUARD_RESTORE)
		ks_guard_restore(v);
	else if (act == KS_GUARD_DEMOTE || in.demoted)
		/* Also made RT again while demoted (a racing set, a user). */
		ks_guard_demote(v, task);
	if (act == KS_GUARD_DEMOTE)
		atomic_long_inc(&p->rt_demotions);
out:
	if (task)
		put_task_struct(task);
	return next;
}

/* Demoted vCPUs whose VM KVM has destroyed: their threads get theirs. */
static void ks_guard_forget_dead(void)
{
	struct ks_vcpu_pol *p, *tmp;

	list_for_each_entry_safe(p, tmp, &ks_guard_demoted, demoted)
		if (!ks_vm_alive(ks_vcpu_of(p)->vm))
			ks_guard_restore(ks_vcpu_of(p));
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
		int runtime;
		u32 period;

		ks_guard_budget(vms[i], &runtime, &period);
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
	ks_guard_forget_dead();
	return tick;
}

static int ks_guard_fn(void *unused)
{
	ktime_t tick;
	u64 ns;

	while (!kthread_should_stop()) {
		atomic_set(&ks_sched_rt_news, 0);
		ns = ks_guard_pass();
		tick = ns ? ns_to_ktime(ns) : KTIME_MAX;
		/* kthread_stop() wakes us from here too. */
		wait_event_interruptible_hrtimeout(ks_sched_rt_wq,
						   atomic_read(&ks_sched_rt_news) ||
						   kthread_should_stop(), tick);
	}
	/* Unload: every demoted thread gets its class back. */
	while (!list_empty(&ks_guard_demoted))
		ks_guard_restore(ks_vcpu_of(list_first_entry(&ks_guard_demoted,
							     struct ks_vcpu_pol,
							     demoted)));
	return 0;
}

int ks_guard_init(void)
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
	sched_setattr_nocheck(t, &attr);
	ks_guard_thread = t;
	wake_up_process(t);
	return 0;
}

/*
 * Before the engine gives threads back and drains repairs: the guard's
 * last act restores what it demoted, and may queue repairs.
 */
void ks_guard_exit(void)
{
	kthread_stop(ks_guard_thread);
}
