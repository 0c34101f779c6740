// SPDX-License-Identifier: GPL-2.0
/*
 * The enforcement engine.
 *
 * No hook can veto a change of a thread's mask or class (sched_setaffinity,
 * sched_setattr, cpusets, hotplug all rewrite them), so kvmsched enforces
 * where it matters, the same way for every aspect in ks_aspects[]:
 *
 *  - vCPU threads: when a thread takes a vCPU (KVM_RUN's pid-change path,
 *    the bind hook) it gets task work with TWA_RESUME: KVM checks for
 *    pending work with interrupts off just before each guest entry,
 *    cancels the entry, runs the work as it does any notify-resume work
 *    and goes on into the guest, inside the same KVM_RUN. The work binds
 *    the thread, repairs it (set_cpus_allowed_ptr() migrates it) and
 *    registers a preempt notifier of the thread's own, so the VMM sees
 *    nothing. From then on, at each schedule-in (the only way onto another
 *    CPU) the notifier asks each aspect whether the thread misses the
 *    vCPU's published target, and whether the VM's policy generation
 *    moved; and a syscall that changes its mask or class (taskset, chrt,
 *    renice) is seen as it returns. On a miss the same work is queued,
 *    and runs before the next guest entry; queued on a thread running on
 *    another CPU, it kicks it out of guest mode. A KVM_RUN that changes
 *    nothing costs nothing.
 *  - Policy writes, VM birth (rules) and hotplug apply to the threads at
 *    once, from the writer's context or a work item.
 *  - Threads that run no vCPU (emulator, IO, vhost) cannot be caught
 *    before an entry: they are set at each write and at the VM's birth,
 *    placed as they are created, and kept by a periodic pass. A new thread
 *    of a process whose emulator threads have a target is seen at the
 *    sched_process_fork tracepoint, before it first runs: a user thread
 *    gets task work (TWA_RESUME) that places it before its first user
 *    instruction (a vCPU thread that spawns an IO thread would otherwise
 *    hand it its own, vCPU, mask); a worker that never returns to user
 *    mode (io_uring, vhost on 6.4+) is placed by a pass queued at once.
 *    vhost kthreads of older kernels, children of kthreadd, are the
 *    periodic pass's alone.
 *  - A halted vCPU runs its work when it wakes, which may be never. Only
 *    unload needs it run now: every KS_DRAIN_MS until all work has run, it
 *    gives each vCPU whose work is pending and whose thread sleeps a
 *    signal-style kick (TWA_SIGNAL, a no-op), which wakes it; that KVM_RUN
 *    returns EINTR, the one repair a VMM can notice. A runnable thread
 *    runs its work when it next gets a CPU, and is not kicked.
 *
 * Host IRQs that deliver into a VM (irq.c) cannot be caught before they
 * fire either: they are steered at each write, when the map of a VM's
 * IRQs changes (a vector requested or freed, an irqfd or route changed),
 * after hotplug and at each periodic pass; a move by anyone else is seen
 * as it happens (discovery probes irq_set_affinity_locked(), which every
 * writer goes through, /proc/irq and irqbalance included) and undone by a
 * pass queued at once, under a back-off (irqpol.h) that keeps kvmsched
 * from fighting a writer in a loop.
 *
 * Settings of KVM's VM object (halt polling, haltpoll.c) are not the
 * thread's: they are set at each write and at the VM's birth, and the
 * periodic pass repairs them. A VMM that sets one itself meanwhile
 * (KVM_ENABLE_CAP) has changed its mind about what the VM should have
 * without kvmsched: its value becomes the one given back.
 *
 * One record per thread, per IRQ and per VM kvmsched touched holds, for
 * each aspect, what it had before kvmsched and what kvmsched last gave it.
 * An empty policy or unload gives an aspect back only while the thread,
 * IRQ or VM still has what kvmsched gave it: otherwise someone else owns
 * it now.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/hashtable.h>
#include <linux/kobject.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/preempt.h>
#include <linux/rcupdate_wait.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "affinity.h"
#include "compat.h"
#include "engine.h"
#include "haltpoll.h"
#include "hostirq.h"
#include "irq.h"
#include "policy.h"
#include "registry.h"
#include "rules.h"
#include "sched.h"
#include "trace.h"

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
		 "Period of the pass that confines emulator threads and repairs drift, in ms (0: off; 0-60000, default 1000)");

/* Policy and thread changes; the full rule is in engine.h. */
DEFINE_MUTEX(ks_policy_mutex);

static const struct ks_aspect *const ks_aspects[KS_NR_ASPECTS] = {
	[KS_ASPECT_AFFINITY] = &ks_affinity_aspect,
	[KS_ASPECT_SCHED] = &ks_sched_aspect,
	[KS_ASPECT_IRQ] = &ks_irq_aspect,
	[KS_ASPECT_HALT_POLL] = &ks_halt_poll_aspect,
};

static bool ks_thread_aspect(int a)
{
	return ks_aspects[a]->get;
}

static bool ks_vm_aspect(int a)
{
	return ks_aspects[a]->vm_get;
}

/*
 * A thread kvmsched changed. state[] holds, per aspect whose bit is set
 * in touched, what the thread had before kvmsched (orig) and after its
 * last change (set), at ks_state_off[aspect].
 */
struct ks_thread {
	struct hlist_node hnode;	/* in ks_threads */
	struct pid *pid;
	unsigned long touched;		/* bit per aspect */
	unsigned long state[];
};

static DEFINE_HASHTABLE(ks_threads, 8);		/* under ks_policy_mutex */
/*
 * Offsets in a thread's record for thread aspects, in an IRQ's for IRQ
 * aspects, in a VM's (ks_vm_pol.vm_rec) for VM aspects.
 */
static size_t ks_state_size[KS_NR_ASPECTS], ks_state_off[KS_NR_ASPECTS];
static size_t ks_thread_size, ks_irq_rec_size, ks_vm_rec_size;

/* Whether VM aspects are set; false once unload gave them back. */
static bool ks_vm_states_held = true;		/* under ks_policy_mutex */

/*
 * A host IRQ kvmsched changed, like struct ks_thread. The IRQ number and
 * eventfd together name it: a number freed and requested again is another
 * IRQ, which kvmsched never gives this one's state.
 */
struct ks_irq_rec {
	struct hlist_node hnode;	/* in ks_irq_recs, by irq */
	int irq;
	void *eventfd;			/* compared only */
	unsigned long touched;		/* bit per aspect */
	bool seen;			/* by the running pass */
	struct ks_irq_backoff backoff;	/* against another writer */
	struct rcu_head rcu;
	unsigned long state[];
};

/* Under ks_policy_mutex; the moved-IRQ probe reads it under RCU. */
static DEFINE_HASHTABLE(ks_irq_recs, 6);

/* Scratch thread states per aspect; under ks_policy_mutex. */
static void *ks_have[KS_NR_ASPECTS], *ks_want[KS_NR_ASPECTS];
static void *ks_emu_want[KS_NR_ASPECTS];

/* Task works queued and not yet run; unload waits for zero. */
static atomic_t ks_nr_works = ATOMIC_INIT(0);

/* The last act of each of our task works. */
static void ks_work_done(void)
{
	if (atomic_dec_and_test(&ks_nr_works))
		wake_up_var(&ks_nr_works);
}

/*
 * Any context: queues @fn on @task as a task work of its own, which @fn
 * frees and ends with ks_work_done(). False if it could not.
 */
static bool ks_queue_oneshot(struct task_struct *task, task_work_func_t fn,
			     enum task_work_notify_mode mode)
{
	struct callback_head *cb = kmalloc(sizeof(*cb), GFP_NOWAIT | __GFP_NOWARN);

	if (!cb)
		return false;
	init_task_work(cb, fn);
	atomic_inc(&ks_nr_works);
	if (!task_work_add(task, cb, mode))
		return true;
	atomic_dec(&ks_nr_works);
	kfree(cb);
	return false;
}

/*
 * vCPUs whose repair is queued on a thread and has not started, each with
 * a reference on that thread, for unload's kick. Any context; innermost.
 */
static DEFINE_SPINLOCK(ks_pending_lock);
static LIST_HEAD(ks_pending);

/* How long unload lets queued repairs run by themselves between kicks. */
#define KS_DRAIN_MS	200

/*
 * Processes whose emulator threads have a target in some aspect, for the
 * fork probe. Written under ks_policy_mutex, read under RCU.
 */
struct ks_emu_proc {
	struct hlist_node hnode;	/* in ks_emu_procs */
	struct pid *tgid;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(ks_emu_procs, 6);
static atomic_t ks_nr_emu_procs = ATOMIC_INIT(0);
static struct tracepoint *ks_fork_tp, *ks_exit_tp;

/*
 * A thread that runs a vCPU, watched by a preempt notifier of its own: at
 * each schedule-in, before it can go on into the guest, the engine checks
 * it against its vCPU's targets. Nothing is added to a KVM_RUN that stays
 * on its CPU. Only the thread itself may register or unregister its
 * notifier: it does in its repair work, in the sched_process_exit probe,
 * and in the work unload queues on it.
 */
struct ks_runner {
	struct preempt_notifier pn;
	struct hlist_node hnode;	/* in ks_runners, by task */
	struct task_struct *task;	/* a reference */
	struct ks_vcpu __rcu *v;	/* the vCPU it took last; a reference */
	struct callback_head unwatch;	/* unload's, queued on task */
	bool watching;			/* pn registered */
	bool unwatch_queued;
	bool kicked;			/* unload woke it up */
	struct llist_node free;		/* on ks_runners_free */
};

/*
 * Guards ks_runners and each runner's v, watching and unwatch_queued, and
 * ks_runners_closed; readers of ks_runners use RCU. A notifier is
 * registered and unregistered under it, which keeps the thread from being
 * preempted halfway. Taken in the probes: nothing sleeps under it.
 */
static DEFINE_SPINLOCK(ks_runners_lock);
static DEFINE_HASHTABLE(ks_runners, 7);
static atomic_t ks_nr_runners = ATOMIC_INIT(0);
static bool ks_runners_closed;		/* unload: no new runner */
static LLIST_HEAD(ks_runners_free);
static void ks_runners_free_fn(struct work_struct *work);
static DECLARE_WORK(ks_runners_free_work, ks_runners_free_fn);

static int ks_cpuhp_state = -1;
static void ks_reconcile_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ks_reconcile_work, ks_reconcile_fn);
static void ks_hotplug_fn(struct work_struct *work);
static DECLARE_WORK(ks_hotplug_work, ks_hotplug_fn);
static void ks_births_fn(struct work_struct *work);
static DECLARE_WORK(ks_births_work, ks_births_fn);
static void ks_workers_fn(struct work_struct *work);
static DECLARE_WORK(ks_workers_work, ks_workers_fn);
static void ks_irq_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ks_irq_work, ks_irq_fn);
static void ks_engine_pass(bool resync);

static void *ks_orig(struct ks_thread *t, int a)
{
	return (char *)t->state + ks_state_off[a];
}

static void *ks_set(struct ks_thread *t, int a)
{
	return (char *)ks_orig(t, a) + ks_state_size[a];
}

static struct ks_thread *ks_thread_find(struct pid *pid)
{
	struct ks_thread *t;

	lockdep_assert_held(&ks_policy_mutex);
	hash_for_each_possible(ks_threads, t, hnode, (unsigned long)pid)
		if (t->pid == pid)
			return t;
	return NULL;
}

static void ks_thread_free(struct ks_thread *t)
{
	hash_del(&t->hnode);
	put_pid(t->pid);
	kfree(t);
}

/* Gives aspect @a of @task back, if it still has what kvmsched set. */
static bool ks_thread_give_back(struct ks_thread *t, struct task_struct *task,
				int a)
{
	const struct ks_aspect *asp = ks_aspects[a];

	asp->get(task, ks_have[a]);
	if (!asp->same(ks_have[a], ks_set(t, a)))
		return false;
	asp->set(task, ks_orig(t, a));
	return true;
}

/* @id's aspect @a had @was, someone else's value, and gets @want back. */
static void ks_trace_repair(int a, int id, const void *was, const void *want,
			    bool irq)
{
	const struct ks_aspect *asp = ks_aspects[a];
	char w[64], s[64];

	asp->format(was, w, sizeof(w));
	asp->format(want, s, sizeof(s));
	if (irq)
		trace_kvmsched_irq_move(asp->name, id, w, s);
	else
		trace_kvmsched_repair(asp->name, id, w, s);
}

/* Gives @task @want for aspect @a, and records what it got. */
static void ks_thread_set(struct ks_thread *t, struct task_struct *task, int a,
			  const void *want)
{
	const struct ks_aspect *asp = ks_aspects[a];
	int err;

	err = asp->set(task, want);
	if (err)
		pr_warn_ratelimited("cannot set %s of thread %d: %d\n",
				    asp->name, task_pid_nr(task), err);
	asp->get(task, ks_set(t, a));
}

/*
 * Gives @task @want for aspect @a, recording what it had before kvmsched
 * first changed it; @want NULL (no policy): its own back, and the aspect
 * forgotten. Returns whether the thread had to change, counted in
 * @changes if given; a thread that had lost what kvmsched last gave it
 * (someone else changed it) is drift, counted in @drifts if given. Both
 * count before the change: whoever sees the thread repaired sees it
 * counted.
 */
static bool ks_thread_apply_count(struct task_struct *task, int a,
				  const void *want, atomic_long_t *drifts,
				  atomic_long_t *changes)
{
	const struct ks_aspect *asp = ks_aspects[a];
	struct pid *pid = task_pid(task);
	struct ks_thread *t;

	lockdep_assert_held(&ks_policy_mutex);
	t = ks_thread_find(pid);
	if (!want) {
		if (!t || !test_bit(a, &t->touched))
			return false;
		ks_thread_give_back(t, task, a);
		clear_bit(a, &t->touched);
		if (!t->touched)
			ks_thread_free(t);
		return false;
	}
	asp->get(task, ks_have[a]);
	if (asp->satisfies(ks_have[a], want)) {
		/*
		 * Within the policy, the thread keeps what it has, unless
		 * that is what kvmsched gave it and the policy has moved on
		 * (the VM's cpus grown, a NUMA span widened): kvmsched's own
		 * value follows the policy. No repair: nothing drifted.
		 */
		if (t && test_bit(a, &t->touched) &&
		    asp->same(ks_have[a], ks_set(t, a)) &&
		    !asp->same(want, ks_set(t, a)))
			ks_thread_set(t, task, a, want);
		return false;
	}
	if (!t) {
		/* On failure the allocator says so; the next pass retries. */
		t = kzalloc(ks_thread_size, GFP_KERNEL);
		if (!t)
			return false;
		t->pid = get_pid(pid);
		hash_add(ks_threads, &t->hnode, (unsigned long)pid);
	}
	if (!test_and_set_bit(a, &t->touched)) {
		memcpy(ks_orig(t, a), ks_have[a], ks_state_size[a]);
	} else if (!asp->same(ks_have[a], ks_set(t, a))) {
		if (drifts) {
			atomic_long_inc(drifts);
			/* Counted before the change is seen, on any CPU. */
			smp_mb__after_atomic();
		}
		if (want && trace_kvmsched_repair_enabled())
			ks_trace_repair(a, task_pid_nr(task), ks_have[a], want,
					false);
	}
	if (changes) {
		atomic_long_inc(changes);
		/* As for drifts: the count before the change. */
		smp_mb__after_atomic();
	}
	ks_thread_set(t, task, a, want);
	return true;
}

/*
 * Under cpus_read_lock() (its assertion is not exported): every aspect
 * recomputes @v's target and publishes it; @task, if given (@v's thread),
 * gets them. @count: a thread that had lost what kvmsched last gave it,
 * once it has had the VM's latest policy, is drift: its repair is counted
 * per aspect.
 */
static void ks_vcpu_sync(struct ks_vcpu *v, struct task_struct *task,
			 bool count)
{
	struct ks_vcpu_pol *p = ks_vcp(v);
	struct ks_vm *vm = v->vm;
	bool current_gen;
	int a, has;

	lockdep_assert_held(&ks_policy_mutex);
	current_gen = READ_ONCE(p->applied_gen) == ks_vmp(vm)->gen;
	for (a = 0; a < KS_NR_ASPECTS; a++) {
		const struct ks_aspect *asp = ks_aspects[a];

		if (!ks_thread_aspect(a))
			continue;
		has = asp->vcpu_target(v, task, ks_want[a]);
		if (has < 0 || !task)
			continue;
		ks_thread_apply_count(task, a, has ? ks_want[a] : NULL,
				      count && current_gen ? &p->repairs[a] :
				      NULL, NULL);
		if (!has || !asp->vcpu_give_up)
			continue;
		asp->get(task, ks_have[a]);
		if (!asp->satisfies(ks_have[a], ks_want[a]))
			asp->vcpu_give_up(v);
	}
	if (task)
		WRITE_ONCE(p->applied_gen, ks_vmp(vm)->gen);
}

static struct ks_runner *ks_runner_find(struct task_struct *task);
static void ks_vcpu_check(struct ks_vcpu *v, int cpu);

/*
 * A thread that runs a vCPU and is not watched yet (bound by the scan at
 * load, or its binding missed) gets its repair work, which watches it.
 */
static void ks_vcpu_sync_thread(struct ks_vcpu *v, bool count)
{
	struct task_struct *task = ks_vcpu_get_task(v);
	bool watched;

	ks_vcpu_sync(v, task, count);
	if (!task)
		return;
	rcu_read_lock();
	watched = ks_runner_find(task);
	rcu_read_unlock();
	if (!watched)
		ks_engine_kick(v, task);
	put_task_struct(task);
}

static void ks_vm_sync_vcpus(struct ks_vm *vm, bool count)
{
	struct ks_vcpu **vcpus;
	int i, n;

	n = ks_vm_get_vcpus(vm, &vcpus);
	if (n < 0) {
		pr_warn_ratelimited("out of memory placing VM %s\n",
				    vm->name);
		return;
	}
	for (i = 0; i < n; i++)
		ks_vcpu_sync_thread(vcpus[i], count);
	ks_put_vcpus(vcpus, n);
}

/* The VMM's threads and vhost workers, with references. */
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

static struct ks_emu_proc *ks_emu_proc_find(struct pid *tgid)
{
	struct ks_emu_proc *p;

	hash_for_each_possible_rcu(ks_emu_procs, p, hnode, (unsigned long)tgid)
		if (p->tgid == tgid)
			return p;
	return NULL;
}

static void ks_emu_proc_forget(struct ks_emu_proc *p)
{
	hash_del_rcu(&p->hnode);
	atomic_dec(&ks_nr_emu_procs);
	put_pid(p->tgid);
	kfree_rcu(p, rcu);
}

/* Lists @tgid for the fork probe while it @has emulator targets. */
static void ks_emu_proc_mark(struct pid *tgid, bool has)
{
	struct ks_emu_proc *p;

	lockdep_assert_held(&ks_policy_mutex);
	p = ks_emu_proc_find(tgid);
	if (p && !has) {
		ks_emu_proc_forget(p);
	} else if (!p && has) {
		/* Without it, new threads wait for the periodic pass. */
		p = kzalloc(sizeof(*p), GFP_KERNEL);
		if (!p)
			return;
		p->tgid = get_pid(tgid);
		hash_add_rcu(ks_emu_procs, &p->hnode, (unsigned long)tgid);
		atomic_inc(&ks_nr_emu_procs);
	}
}

/*
 * Each aspect's target for the emulator threads of @tgid, into
 * ks_emu_want[]; @has[a] false: none. Returns whether any aspect has one.
 */
static bool ks_emulator_targets(struct pid *tgid, struct ks_vm **vms, int n,
				bool *has)
{
	bool any = false;
	int a;

	for (a = 0; a < KS_NR_ASPECTS; a++) {
		has[a] = ks_thread_aspect(a) &&
			 ks_aspects[a]->emulator_target(tgid, vms, n,
							ks_emu_want[a]);
		any |= has[a];
	}
	return any;
}

/*
 * @task, a thread of @tgid, gets the emulator targets unless it runs a
 * vCPU; each change counted in @repairs, if given.
 */
static void ks_emulator_place(struct task_struct *task, struct pid *tgid,
			      struct ks_vm **vms, int n, const bool *has,
			      atomic_long_t *repairs)
{
	int a;

	if (ks_vms_run_thread(tgid, task_pid(task), vms, n))
		return;
	for (a = 0; a < KS_NR_ASPECTS; a++)
		if (ks_thread_aspect(a))
			ks_thread_apply_count(task, a,
					      has[a] ? ks_emu_want[a] : NULL,
					      NULL, repairs);
}

/*
 * The threads of process @tgid that run no vCPU get each aspect's
 * emulator target. @count: changes are drift, counted on the process's
 * first VM (the threads are shared by its VMs).
 */
static void ks_emulator_sync(struct pid *tgid, struct ks_vm **vms, int n,
			     bool count)
{
	struct task_struct **threads;
	bool has[KS_NR_ASPECTS];
	atomic_long_t *repairs = NULL;
	int i, nt;

	lockdep_assert_held(&ks_policy_mutex);
	for (i = 0; count && i < n; i++) {
		if (vms[i]->tgid == tgid) {
			repairs = &ks_vmp(vms[i])->emulator_repairs;
			break;
		}
	}
	ks_emu_proc_mark(tgid, ks_emulator_targets(tgid, vms, n, has));
	nt = ks_emulator_threads(tgid, &threads);
	if (nt < 0)
		return;
	for (i = 0; i < nt; i++) {
		ks_emulator_place(threads[i], tgid, vms, n, has, repairs);
		put_task_struct(threads[i]);
	}
	kfree(threads);
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

static void *ks_irq_orig(struct ks_irq_rec *r, int a)
{
	return (char *)r->state + ks_state_off[a];
}

static void *ks_irq_set_state(struct ks_irq_rec *r, int a)
{
	return (char *)ks_irq_orig(r, a) + ks_state_size[a];
}

static struct ks_irq_rec *ks_irq_rec_find(int irq, void *eventfd)
{
	struct ks_irq_rec *r;

	hash_for_each_possible_rcu(ks_irq_recs, r, hnode, irq,
				   lockdep_is_held(&ks_policy_mutex))
		if (r->irq == irq && (!eventfd || r->eventfd == eventfd))
			return r;
	return NULL;
}

static void ks_irq_rec_free(struct ks_irq_rec *r)
{
	hash_del_rcu(&r->hnode);
	kfree_rcu(r, rcu);
}

/* Gives aspect @a of the IRQ @desc back, if it still has what we set. */
static void ks_irq_give_back(struct ks_irq_rec *r, struct irq_desc *desc,
			     int a)
{
	const struct ks_aspect *asp = ks_aspects[a];

	if (!asp->irq_get(desc, ks_have[a]) &&
	    asp->same(ks_have[a], ks_irq_set_state(r, a)))
		asp->irq_set(desc, ks_irq_orig(r, a));
	clear_bit(a, &r->touched);
}

/* Gives the IRQ @desc @want for aspect @a, and records what it got. */
static void ks_irq_set(struct ks_irq_rec *r, struct irq_desc *desc, int a,
		       const void *want)
{
	const struct ks_aspect *asp = ks_aspects[a];
	int err = asp->irq_set(desc, want);

	if (err)
		pr_warn_ratelimited("cannot set %s of IRQ %d: %d\n", asp->name,
				    r->irq, err);
	asp->irq_get(desc, ks_irq_set_state(r, a));
}

/*
 * Aspect @a of @irq, held as @desc and now ks_have[a], gets @want, with
 * the rule threads follow (ks_thread_apply_count()): within the policy it
 * keeps what it has, unless that is kvmsched's own value and the policy
 * moved on; a move by someone else is a repair, made at once or after the
 * back-off. Returns the outcome for ks_irq_pol, and in *@retry_ns how
 * soon a pass must come back to it.
 */
static int ks_irq_apply(struct ks_irq *irq, struct irq_desc *desc, int a,
			const void *want, u64 *retry_ns)
{
	const struct ks_aspect *asp = ks_aspects[a];
	struct ks_irq_rec *r = ks_irq_rec_find(irq->irq, irq->eventfd);
	bool drift = false;
	u64 wait;

	if (asp->satisfies(ks_have[a], want)) {
		if (r && test_bit(a, &r->touched) &&
		    asp->same(ks_have[a], ks_irq_set_state(r, a)) &&
		    !asp->same(want, ks_irq_set_state(r, a)))
			ks_irq_set(r, desc, a, want);
		return 1;
	}
	if (!r) {
		r = kzalloc(ks_irq_rec_size, GFP_KERNEL);
		if (!r)
			return -ENOMEM;
		r->irq = irq->irq;
		r->eventfd = irq->eventfd;
		r->seen = true;
		hash_add_rcu(ks_irq_recs, &r->hnode, irq->irq);
	}
	if (!test_and_set_bit(a, &r->touched))
		memcpy(ks_irq_orig(r, a), ks_have[a], ks_state_size[a]);
	else
		drift = !asp->same(ks_have[a], ks_irq_set_state(r, a));
	if (drift) {
		wait = ks_irq_backoff_next(&r->backoff, ktime_get_ns());
		if (wait) {
			*retry_ns = min(*retry_ns, wait);
			return -EBUSY;
		}
		atomic_long_inc(&ks_irqp(irq)->repairs);
	}
	if (trace_kvmsched_irq_move_enabled())
		ks_trace_repair(a, irq->irq, ks_have[a], want, true);
	ks_irq_set(r, desc, a, want);
	return 1;
}

/* How soon a pass retries an IRQ whose request_mutex was taken. */
#define KS_IRQ_RETRY_NS	(10ULL * NSEC_PER_MSEC)

/* Under ks_policy_mutex and cpus_read_lock(): @irq of @vm, one of @vms. */
static void ks_irq_sync(struct ks_vm *vm, struct ks_irq *irq,
			struct ks_vm **vms, int n, u64 *retry_ns)
{
	struct ks_irq_rec *r = ks_irq_rec_find(irq->irq, irq->eventfd);
	struct irq_desc *desc;
	int a, has, err;

	lockdep_assert_held(&ks_policy_mutex);
	if (r)
		r->seen = true;
	for (a = 0; a < KS_NR_ASPECTS; a++) {
		const struct ks_aspect *asp = ks_aspects[a];

		if (!asp->irq_target)
			continue;
		has = asp->irq_target(vm, irq, vms, n, ks_want[a]);
		if (has < 0 || (!has && !(r && test_bit(a, &r->touched)))) {
			ks_irqp(irq)->outcome = has;
			continue;
		}
		err = ks_hostirq_hold(irq->irq, irq->eventfd, &desc);
		if (err) {
			/* Gone: the next map refresh drops it. */
			if (err == -EBUSY)
				*retry_ns = min_t(u64, *retry_ns, KS_IRQ_RETRY_NS);
			continue;
		}
		err = asp->irq_get(desc, ks_have[a]);
		if (err)
			ks_irqp(irq)->outcome = err;
		else if (!has)
			ks_irq_give_back(r, desc, a);
		else
			ks_irqp(irq)->outcome = ks_irq_apply(irq, desc, a,
							     ks_want[a],
							     retry_ns);
		ks_hostirq_release(desc);
		if (!has)
			ks_irqp(irq)->outcome = 0;
	}
	r = ks_irq_rec_find(irq->irq, irq->eventfd);
	if (r && !r->touched)
		ks_irq_rec_free(r);
}

static void ks_irq_retry(u64 retry_ns)
{
	if (retry_ns != U64_MAX)
		queue_delayed_work(system_unbound_wq, &ks_irq_work,
				   nsecs_to_jiffies(retry_ns) + 1);
}

/*
 * Under ks_policy_mutex and cpus_read_lock(): the IRQs of @vm. False if
 * they could not be listed (out of memory).
 */
static bool ks_irq_sync_vm(struct ks_vm *vm, struct ks_vm **vms, int n,
			   u64 *retry_ns)
{
	struct ks_irq **irqs;
	int i, ni;

	ni = ks_vm_get_irqs(vm, &irqs);
	if (ni < 0) {
		*retry_ns = min_t(u64, *retry_ns, KS_IRQ_RETRY_NS);
		return false;
	}
	for (i = 0; i < ni; i++)
		ks_irq_sync(vm, irqs[i], vms, n, retry_ns);
	ks_put_irqs(irqs, ni);
	return true;
}

/* After a change of @vm's settings. */
static void ks_vm_sync_irqs(struct ks_vm *vm)
{
	u64 retry_ns = U64_MAX;
	struct ks_vm **vms;
	int n;

	n = ks_get_vms(&vms);
	if (n < 0)
		return;
	ks_irq_sync_vm(vm, vms, n, &retry_ns);
	ks_put_vms(vms, n);
	ks_irq_retry(retry_ns);
}

/*
 * Pins the IRQ of @r for unload or a give-back: a request or free of it
 * in progress ends soon, so wait for it, a little.
 */
static int ks_irq_rec_hold(struct ks_irq_rec *r, struct irq_desc **desc)
{
	int err, tries = 100;

	while ((err = ks_hostirq_hold(r->irq, r->eventfd, desc)) == -EBUSY &&
	       --tries)
		usleep_range(1000, 2000);
	return err;
}

/* @r's IRQ gets back what kvmsched changed; false if it must wait. */
static bool ks_irq_rec_give_back_all(struct ks_irq_rec *r, bool wait)
{
	struct irq_desc *desc;
	int a, err;

	err = wait ? ks_irq_rec_hold(r, &desc) :
		     ks_hostirq_hold(r->irq, r->eventfd, &desc);
	if (err == -EBUSY)
		return false;
	/* Freed meanwhile: nothing to give back to. */
	for (a = 0; !err && a < KS_NR_ASPECTS; a++)
		if (test_bit(a, &r->touched))
			ks_irq_give_back(r, desc, a);
	if (!err)
		ks_hostirq_release(desc);
	ks_irq_rec_free(r);
	return true;
}

/*
 * Every VM's IRQs steered again, after the map is refreshed; IRQs no VM
 * has any more (unpaired, their VM gone, kvm.ko gone) are given back.
 */
static void ks_irq_pass(void)
{
	u64 retry_ns = U64_MAX;
	struct ks_irq_rec *r;
	struct hlist_node *tmp;
	struct ks_vm **vms;
	bool complete;
	int i, n, bkt;

	/* Before the mutex: it waits for sysfs work (registry.h). */
	ks_registry_refresh_irqs();
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	hash_for_each(ks_irq_recs, bkt, r, hnode)
		r->seen = false;
	n = ks_get_vms(&vms);
	complete = n >= 0;
	for (i = 0; i < n; i++)
		complete &= ks_irq_sync_vm(vms[i], vms, n, &retry_ns);
	if (n >= 0)
		ks_put_vms(vms, n);
	/* A snapshot that failed saw nothing: keep what it did not see. */
	hash_for_each_safe(ks_irq_recs, bkt, tmp, r, hnode)
		if (complete && !r->seen && !ks_irq_rec_give_back_all(r, false))
			retry_ns = min_t(u64, retry_ns, KS_IRQ_RETRY_NS);
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	ks_irq_retry(retry_ns);
}

static void ks_irq_fn(struct work_struct *work)
{
	ks_irq_pass();
}

void ks_engine_irqs_changed(void)
{
	mod_delayed_work(system_unbound_wq, &ks_irq_work, 0);
}

void ks_engine_irq_moved(int irq)
{
	bool ours;

	rcu_read_lock();
	ours = ks_irq_rec_find(irq, NULL);
	rcu_read_unlock();
	if (ours)
		mod_delayed_work(system_unbound_wq, &ks_irq_work, 0);
}

static void *ks_vm_orig(struct ks_vm_pol *vp, int a)
{
	return (char *)vp->vm_rec + ks_state_off[a];
}

static void *ks_vm_set_state(struct ks_vm_pol *vp, int a)
{
	return (char *)ks_vm_orig(vp, a) + ks_state_size[a];
}

struct ks_vm_op {
	const struct ks_aspect *asp;
	void *state;
};

static void ks_vm_get_fn(struct kvm *kvm, void *arg)
{
	struct ks_vm_op *op = arg;

	op->asp->vm_get(kvm, op->state);
}

static void ks_vm_set_fn(struct kvm *kvm, void *arg)
{
	struct ks_vm_op *op = arg;

	op->asp->vm_set(kvm, op->state);
}

/* Aspect @a of @vm's KVM object, read or written: -ENODEV once dead. */
static int ks_vm_state(struct ks_vm *vm, int a, void *state, bool write)
{
	struct ks_vm_op op = { ks_aspects[a], state };

	return ks_vm_with_kvm(vm, write ? ks_vm_set_fn : ks_vm_get_fn, &op);
}

/*
 * Every VM aspect of @vm gets its target, or its own back (if it still
 * has what kvmsched set) when it has none. @count: a VM that lost what
 * kvmsched set is drift, counted and traced; what it had then is what
 * its VMM chose, and what it gets back later.
 */
static void ks_vm_sync_states(struct ks_vm *vm, bool count)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	int a, has;

	lockdep_assert_held(&ks_policy_mutex);
	for (a = 0; a < KS_NR_ASPECTS; a++) {
		const struct ks_aspect *asp = ks_aspects[a];

		if (!ks_vm_aspect(a))
			continue;
		has = ks_vm_states_held && asp->vm_target(vm, ks_want[a]);
		if (!has && !test_bit(a, &vp->vm_touched))
			continue;
		if (!vp->vm_rec) {
			/* On failure the allocator says so; the next pass retries. */
			vp->vm_rec = kzalloc(ks_vm_rec_size, GFP_KERNEL);
			if (!vp->vm_rec)
				continue;
		}
		if (ks_vm_state(vm, a, ks_have[a], false))
			continue;
		if (!has) {
			if (asp->same(ks_have[a], ks_vm_set_state(vp, a)))
				ks_vm_state(vm, a, ks_vm_orig(vp, a), true);
			clear_bit(a, &vp->vm_touched);
			continue;
		}
		if (!test_and_set_bit(a, &vp->vm_touched)) {
			memcpy(ks_vm_orig(vp, a), ks_have[a], ks_state_size[a]);
		} else if (!asp->same(ks_have[a], ks_vm_set_state(vp, a))) {
			memcpy(ks_vm_orig(vp, a), ks_have[a], ks_state_size[a]);
			if (count)
				atomic_long_inc(&vp->repairs[a]);
			if (trace_kvmsched_repair_enabled())
				ks_trace_repair(a, pid_nr(vm->tgid), ks_have[a],
						ks_want[a], false);
		}
		if (!asp->same(ks_have[a], ks_want[a]))
			ks_vm_state(vm, a, ks_want[a], true);
		memcpy(ks_vm_set_state(vp, a), ks_want[a], ks_state_size[a]);
	}
}

void ks_engine_give_back_vms(void)
{
	struct ks_vm **vms;
	int i, n, touched = 0;

	mutex_lock(&ks_policy_mutex);
	ks_vm_states_held = false;
	n = ks_get_vms(&vms);
	for (i = 0; i < n; i++) {
		touched += !!ks_vmp(vms[i])->vm_touched;
		ks_vm_sync_states(vms[i], false);
	}
	if (n >= 0)
		ks_put_vms(vms, n);
	else
		pr_warn("out of memory at unload: VM settings not given back\n");
	mutex_unlock(&ks_policy_mutex);
	if (touched)
		pr_info("gave back the halt polling of %d VMs, if still their own\n",
			touched);
}

/*
 * A VM is born once: the first of its vCPU's first repair, the births
 * pass and a policy write matches the rules against it (so that a rule
 * matched later cannot undo a write). True if a rule gave it settings.
 */
static bool ks_vm_birth(struct ks_vm *vm)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	bool got;

	lockdep_assert_held(&ks_policy_mutex);
	if (vp->born)
		return false;
	got = ks_rules_apply(vm);
	if (got)
		WRITE_ONCE(vp->gen, vp->gen + 1);
	/*
	 * After the generation: a schedule-in check that sees the VM born
	 * sees the generation its rule moved, and has its vCPU repaired.
	 */
	smp_store_release(&vp->born, true);
	return got;
}

void ks_engine_birth(struct ks_vm *vm)
{
	ks_vm_birth(vm);
}

void ks_engine_resync(struct ks_vm *vm, struct ks_vcpu *v, bool emulator)
{
	lockdep_assert_held(&ks_policy_mutex);
	ks_vm_birth(vm);
	WRITE_ONCE(ks_vmp(vm)->gen, ks_vmp(vm)->gen + 1);
	if (v)
		ks_vcpu_sync_thread(v, false);
	else if (emulator)
		ks_vm_sync_emulator(vm);
	else
		ks_vm_sync_vcpus(vm, false);
	/* The IRQs follow the vCPUs and the emulator threads. */
	ks_vm_sync_irqs(vm);
	ks_vm_sync_states(vm, false);
}

/* VMs not born yet: their rules, and their threads placed. */
static void ks_births_fn(struct work_struct *work)
{
	struct ks_vm **vms;
	int i, n;

	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	n = ks_get_vms(&vms);
	for (i = 0; i < n; i++) {
		if (ks_vm_birth(vms[i])) {
			ks_vm_sync_vcpus(vms[i], false);
			ks_emulator_sync(vms[i]->tgid, vms, n, false);
			ks_vm_sync_states(vms[i], false);
		}
	}
	if (n >= 0)
		ks_put_vms(vms, n);
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
}

void ks_engine_vm_appeared(void)
{
	queue_work(system_unbound_wq, &ks_births_work);
}

/* A new user thread of a VMM with emulator targets, before user mode. */
static void ks_newborn_fn(struct callback_head *cb)
{
	struct pid *tgid = task_tgid(current);
	bool has[KS_NR_ASPECTS];
	struct ks_vm **vms;
	int n;

	kfree(cb);
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	n = ks_get_vms(&vms);
	if (n > 0 && ks_emulator_targets(tgid, vms, n, has))
		ks_emulator_place(current, tgid, vms, n, has, NULL);
	if (n >= 0)
		ks_put_vms(vms, n);
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	ks_work_done();
}

/* Workers that never reach user mode: one pass places them all. */
static void ks_workers_fn(struct work_struct *work)
{
	ks_engine_pass(false);
}

/* sched_process_fork: @child exists and has not run yet. */
static void ks_fork_probe(void *data, struct task_struct *parent,
			  struct task_struct *child)
{
	bool listed;

	if (!atomic_read(&ks_nr_emu_procs))
		return;
	rcu_read_lock();
	listed = ks_emu_proc_find(task_tgid(child));
	rcu_read_unlock();
	if (!listed)
		return;
	if (child->flags & KS_PF_NO_USER) {
		queue_work(system_unbound_wq, &ks_workers_work);
		return;
	}
	/* On failure the periodic pass places it. */
	ks_queue_oneshot(child, ks_newborn_fn, TWA_RESUME);
}

static void ks_find_tps(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		ks_fork_tp = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		ks_exit_tp = tp;
}

static struct ks_runner *ks_runner_find(struct task_struct *task)
{
	struct ks_runner *r;

	hash_for_each_possible_rcu(ks_runners, r, hnode, (unsigned long)task,
				   lockdep_is_held(&ks_runners_lock))
		if (r->task == task)
			return r;
	return NULL;
}

static void ks_runners_free_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&ks_runners_free);
	struct ks_runner *r, *tmp;

	/* Unlisted before a grace period: no RCU reader still holds one. */
	synchronize_rcu();
	llist_for_each_entry_safe(r, tmp, list, free) {
		struct ks_vcpu *v = rcu_dereference_protected(r->v, true);

		if (v)
			kobject_put(&v->kobj);
		put_task_struct(r->task);
		kfree(r);
	}
}

/* Unlists @r, whose notifier is unregistered, and frees it soon. */
static void ks_runner_forget(struct ks_runner *r)
{
	lockdep_assert_held(&ks_runners_lock);
	hash_del_rcu(&r->hnode);
	atomic_dec(&ks_nr_runners);
	llist_add(&r->free, &ks_runners_free);
	queue_work(system_unbound_wq, &ks_runners_free_work);
}

static void ks_runner_unregister(struct ks_runner *r)
{
	lockdep_assert_held(&ks_runners_lock);
	if (r->watching)
		preempt_notifier_unregister(&r->pn);
	r->watching = false;
}

/*
 * Current stops being watched: it no longer runs a live vCPU, or exits.
 * A runner unload has queued work on is freed by that work.
 */
static void ks_runner_unwatch_current(void)
{
	struct ks_runner *r;

	spin_lock(&ks_runners_lock);
	r = ks_runner_find(current);
	if (r) {
		ks_runner_unregister(r);
		if (!r->unwatch_queued)
			ks_runner_forget(r);
	}
	spin_unlock(&ks_runners_lock);
}

static void ks_runner_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct ks_runner *r = container_of(pn, struct ks_runner, pn);
	struct ks_vcpu *v;

	rcu_read_lock();
	v = rcu_dereference(r->v);
	if (v && READ_ONCE(v->thread) == task_pid(current))
		ks_vcpu_check(v, cpu);
	rcu_read_unlock();
}

static void ks_runner_sched_out(struct preempt_notifier *pn,
				struct task_struct *next)
{
}

static struct preempt_ops ks_runner_ops = {
	.sched_in = ks_runner_sched_in,
	.sched_out = ks_runner_sched_out,
};

/* Current, which runs @v, is watched, against @v from now on. */
static void ks_runner_watch(struct ks_vcpu *v)
{
	struct ks_runner *r, *new = kzalloc(sizeof(*new), GFP_KERNEL);
	struct ks_vcpu *old = NULL;

	spin_lock(&ks_runners_lock);
	r = ks_runner_find(current);
	/* Past the exit probe, a new notifier would outlive the thread. */
	if (!r && new && !ks_runners_closed && !(current->flags & PF_EXITING)) {
		r = new;
		new = NULL;
		r->task = get_task_struct(current);
		preempt_notifier_init(&r->pn, &ks_runner_ops);
		preempt_notifier_register(&r->pn);
		r->watching = true;
		hash_add_rcu(ks_runners, &r->hnode, (unsigned long)current);
		atomic_inc(&ks_nr_runners);
	}
	if (r && r->watching &&
	    rcu_access_pointer(r->v) != v && kobject_get_unless_zero(&v->kobj)) {
		old = rcu_dereference_protected(r->v,
						lockdep_is_held(&ks_runners_lock));
		rcu_assign_pointer(r->v, v);
	}
	spin_unlock(&ks_runners_lock);
	kfree(new);
	/* A vCPU is RCU-freed: a notifier that just read it is safe. */
	if (old)
		kobject_put(&old->kobj);
}

/*
 * In @v's thread, before its next guest entry: every aspect's target and
 * the VM's birth; the thread is watched from now on, or, its VM gone,
 * no longer.
 */
static void ks_vcpu_repair(struct ks_vcpu *v)
{
	struct ks_vm *vm = v->vm;
	bool born, alive;

	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	alive = ks_vm_alive(vm);
	if (alive && READ_ONCE(v->thread) == task_pid(current)) {
		born = ks_vm_birth(vm);
		ks_vcpu_sync(v, current, true);
		if (born)
			ks_vm_sync_emulator(vm);
		ks_runner_watch(v);
	}
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	if (!alive)
		ks_runner_unwatch_current();
}

static void ks_vcpu_twork(struct callback_head *cb)
{
	struct ks_vcpu_pol *p = container_of(cb, struct ks_vcpu_pol, twork);
	struct ks_vcpu *v = ks_vcpu_of(p);

	spin_lock_irq(&ks_pending_lock);
	list_del(&p->pending);
	spin_unlock_irq(&ks_pending_lock);
	put_task_struct(p->twork_task);
	/* Cleared first: drift while we work queues another pass. */
	clear_bit(KS_VCPU_WORK_QUEUED, &p->flags);
	ks_vcpu_repair(v);
	kobject_put(&v->kobj);
	ks_work_done();
}

/* Current took a vCPU: bound, repaired and watched before it enters. */
static void ks_bind_fn(struct callback_head *cb)
{
	struct ks_vcpu *v;

	kfree(cb);
	v = ks_registry_bind_current();
	if (v) {
		ks_vcpu_repair(v);
		kobject_put(&v->kobj);
	}
	ks_work_done();
}

void ks_engine_thread_binds(void)
{
	/* On failure the periodic pass binds it. */
	ks_queue_oneshot(current, ks_bind_fn, TWA_RESUME);
}

void ks_engine_thread_changed(struct task_struct *task)
{
	struct ks_runner *r;
	struct ks_vcpu *v;

	rcu_read_lock();
	r = ks_runner_find(task);
	v = r ? rcu_dereference(r->v) : NULL;
	if (v && READ_ONCE(v->thread) == task_pid(task))
		ks_engine_kick(v, task);
	rcu_read_unlock();
}

/* sched_process_exit: current exits, in do_exit(). */
static void ks_exit_probe(void *data, struct task_struct *p)
{
	if (atomic_read(&ks_nr_runners))
		ks_runner_unwatch_current();
}

static void ks_unwatch_fn(struct callback_head *cb)
{
	struct ks_runner *r = container_of(cb, struct ks_runner, unwatch);

	spin_lock(&ks_runners_lock);
	ks_runner_unregister(r);
	ks_runner_forget(r);
	spin_unlock(&ks_runners_lock);
	ks_work_done();
}

/*
 * Unload: no new runner, and every watched thread gets work that
 * unregisters its notifier. A thread past its last task work has already
 * been through the exit probe.
 */
static void ks_unwatch_all(void)
{
	struct hlist_node *tmp;
	struct ks_runner *r;
	int bkt;

	spin_lock(&ks_runners_lock);
	ks_runners_closed = true;
	hash_for_each_safe(ks_runners, bkt, tmp, r, hnode) {
		if (!r->watching) {
			ks_runner_forget(r);
			continue;
		}
		init_task_work(&r->unwatch, ks_unwatch_fn);
		atomic_inc(&ks_nr_works);
		if (!task_work_add(r->task, &r->unwatch, TWA_RESUME)) {
			r->unwatch_queued = true;
			continue;
		}
		/* Past its task works, so past the exit probe: unwatched. */
		atomic_dec(&ks_nr_works);
		if (!WARN_ON_ONCE(r->watching))
			ks_runner_forget(r);
	}
	spin_unlock(&ks_runners_lock);
}

/*
 * TWA_RESUME kicks a thread running on another CPU out of guest mode
 * (set_notify_resume()), so the RT guard's demotions take effect at once.
 */
void ks_engine_kick(struct ks_vcpu *v, struct task_struct *task)
{
	struct ks_vcpu_pol *p = ks_vcp(v);
	unsigned long flags;

	if (test_and_set_bit(KS_VCPU_WORK_QUEUED, &p->flags))
		return;
	if (!kobject_get_unless_zero(&v->kobj))
		goto undo;
	atomic_inc(&ks_nr_works);
	init_task_work(&p->twork, ks_vcpu_twork);
	/* Listed before it can run: the work unlists itself first. */
	p->twork_task = get_task_struct(task);
	spin_lock_irqsave(&ks_pending_lock, flags);
	list_add(&p->pending, &ks_pending);
	spin_unlock_irqrestore(&ks_pending_lock, flags);
	if (!task_work_add(task, &p->twork, TWA_RESUME))
		return;
	/* The thread is exiting: nobody will enter the guest. */
	spin_lock_irqsave(&ks_pending_lock, flags);
	list_del(&p->pending);
	spin_unlock_irqrestore(&ks_pending_lock, flags);
	put_task_struct(task);
	atomic_dec(&ks_nr_works);
	kobject_put(&v->kobj);
undo:
	clear_bit(KS_VCPU_WORK_QUEUED, &p->flags);
}

/* Atomic context: @v's thread is current, scheduled in on @cpu. */
static void ks_vcpu_check(struct ks_vcpu *v, int cpu)
{
	int a;

	/* Born first: pairs with ks_vm_birth(). */
	if (!smp_load_acquire(&ks_vmp(v->vm)->born) ||
	    READ_ONCE(ks_vcp(v)->applied_gen) != READ_ONCE(ks_vmp(v->vm)->gen))
		goto kick;
	for (a = 0; a < KS_NR_ASPECTS; a++)
		if (ks_thread_aspect(a) && ks_aspects[a]->vcpu_violated(v, cpu))
			goto kick;
	return;
kick:
	ks_engine_kick(v, current);
}

static void ks_unload_kick_fn(struct callback_head *cb)
{
	ks_work_done();
}

static void ks_unload_kick_free_fn(struct callback_head *cb)
{
	kfree(cb);
	ks_work_done();
}

/*
 * Unload: a repair pending on a thread that sleeps is on a halted vCPU. A
 * no-op TWA_SIGNAL work wakes the thread, which then runs both; once per
 * vCPU.
 */
static void ks_kick_sleeping(void)
{
	struct ks_vcpu_pol *p;
	struct ks_runner *r;
	int bkt;

	spin_lock(&ks_runners_lock);
	hash_for_each(ks_runners, bkt, r, hnode) {
		/* Its own work: the runner may be gone before the kick runs. */
		if (r->unwatch_queued && !r->kicked &&
		    !task_is_running(r->task))
			r->kicked = ks_queue_oneshot(r->task,
						     ks_unload_kick_free_fn,
						     TWA_SIGNAL);
	}
	spin_unlock(&ks_runners_lock);
	spin_lock_irq(&ks_pending_lock);
	list_for_each_entry(p, &ks_pending, pending) {
		if (task_is_running(p->twork_task) ||
		    test_and_set_bit(KS_VCPU_UNLOAD_KICKED, &p->flags))
			continue;
		init_task_work(&p->unload_kick, ks_unload_kick_fn);
		atomic_inc(&ks_nr_works);
		/* Fails only if the thread exits, which runs its works. */
		if (task_work_add(p->twork_task, &p->unload_kick, TWA_SIGNAL))
			atomic_dec(&ks_nr_works);
	}
	spin_unlock_irq(&ks_pending_lock);
}

/* The aspects' looks at @vm; true if any target changed. */
static bool ks_vm_look(struct ks_vm *vm)
{
	bool moved = false;
	int a;

	for (a = 0; a < KS_NR_ASPECTS; a++)
		if (ks_aspects[a]->vm_look)
			moved |= ks_aspects[a]->vm_look(vm);
	return moved;
}

/*
 * Every VM again: targets after hotplug (@resync, the active CPUs changed),
 * or drift on threads that no guest entry checks (masks widened in place,
 * emulator threads). Also forgets threads that have exited.
 */
static void ks_engine_pass(bool resync)
{
	struct ks_emu_proc *p;
	struct ks_thread *t;
	struct hlist_node *tmp;
	struct ks_vm **vms;
	int i, j, n, bkt;
	bool moved;

	/* A binding the bind hook missed: its thread is repaired and watched. */
	ks_registry_refresh_threads();
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	n = ks_get_vms(&vms);
	for (i = 0; i < n; i++) {
		/* Looks judge a pass's worth of the threads' doing. */
		moved = !resync && ks_vm_look(vms[i]);
		if (ks_vm_birth(vms[i]) || resync || moved)
			WRITE_ONCE(ks_vmp(vms[i])->gen, ks_vmp(vms[i])->gen + 1);
		ks_vm_sync_vcpus(vms[i], !resync);
		ks_vm_sync_states(vms[i], !resync);
		for (j = 0; j < i && vms[j]->tgid != vms[i]->tgid; j++)
			;
		if (j == i)
			ks_emulator_sync(vms[i]->tgid, vms, n, !resync);
	}
	if (n >= 0)
		ks_put_vms(vms, n);
	rcu_read_lock();
	hash_for_each_safe(ks_threads, bkt, tmp, t, hnode)
		if (!pid_task(t->pid, PIDTYPE_PID))
			ks_thread_free(t);
	hash_for_each_safe(ks_emu_procs, bkt, tmp, p, hnode)
		if (!pid_task(p->tgid, PIDTYPE_TGID))
			ks_emu_proc_forget(p);
	rcu_read_unlock();
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
}

static void ks_reconcile_fn(struct work_struct *work)
{
	unsigned int ms = READ_ONCE(reconcile_ms);

	if (ms) {
		ks_engine_pass(false);
		ks_irq_pass();
	}
	queue_delayed_work(system_unbound_wq, &ks_reconcile_work,
			   msecs_to_jiffies(ms ? ms : 1000));
}

/* cpus_read_lock() in the pass waits for the hotplug operation to end. */
static void ks_hotplug_fn(struct work_struct *work)
{
	ks_engine_pass(true);
	/* Hotplug breaks IRQ masks without telling anyone: set them again. */
	ks_irq_pass();
}

static int ks_cpu_changed(unsigned int cpu)
{
	queue_work(system_unbound_wq, &ks_hotplug_work);
	return 0;
}

/* What a VM's or vCPU's block points to, freed with the object. */
static void ks_vm_pol_free(struct ks_vm *vm)
{
	kfree(ks_vmp(vm)->cpus);
	kfree(ks_vmp(vm)->emulator_cpus);
	kfree(ks_vmp(vm)->irq.cpus);
	kfree(ks_vmp(vm)->vm_rec);
}

static void ks_vcpu_pol_free(struct ks_vcpu *v)
{
	struct ks_vcpu_pol *p = ks_vcp(v);

	kfree(rcu_dereference_protected(p->target, true));
	kfree(p->cpus);
}

static void ks_irq_pol_free(struct ks_irq *irq)
{
}

const struct ks_registry_owner ks_engine_owner = {
	.vm_size = sizeof(struct ks_vm_pol),
	.vcpu_size = sizeof(struct ks_vcpu_pol),
	.irq_size = sizeof(struct ks_irq_pol),
	.vm_free = ks_vm_pol_free,
	.vcpu_free = ks_vcpu_pol_free,
	.irq_free = ks_irq_pol_free,
};

static void ks_engine_free_scratch(void)
{
	int a;

	for (a = 0; a < KS_NR_ASPECTS; a++) {
		kfree(ks_have[a]);
		kfree(ks_want[a]);
		kfree(ks_emu_want[a]);
	}
}

int ks_engine_init(void)
{
	size_t off = 0, irq_off = 0, vm_off = 0;
	int a, ret;

	for (a = 0; a < KS_NR_ASPECTS; a++) {
		ks_state_size[a] = ks_aspects[a]->size();
		if (ks_thread_aspect(a)) {
			ks_state_off[a] = off;
			off += 2 * ALIGN(ks_state_size[a], sizeof(long));
		} else if (ks_vm_aspect(a)) {
			ks_state_off[a] = vm_off;
			vm_off += 2 * ALIGN(ks_state_size[a], sizeof(long));
		} else {
			ks_state_off[a] = irq_off;
			irq_off += 2 * ALIGN(ks_state_size[a], sizeof(long));
		}
		ks_have[a] = kzalloc(ks_state_size[a], GFP_KERNEL);
		ks_want[a] = kzalloc(ks_state_size[a], GFP_KERNEL);
		ks_emu_want[a] = kzalloc(ks_state_size[a], GFP_KERNEL);
		if (!ks_have[a] || !ks_want[a] || !ks_emu_want[a]) {
			ks_engine_free_scratch();
			return -ENOMEM;
		}
	}
	ks_thread_size = sizeof(struct ks_thread) + off;
	ks_irq_rec_size = sizeof(struct ks_irq_rec) + irq_off;
	ks_vm_rec_size = vm_off;
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "kvmsched:online",
					ks_cpu_changed, ks_cpu_changed);
	if (ret < 0) {
		ks_engine_free_scratch();
		return ret;
	}
	ks_cpuhp_state = ret;
	for_each_kernel_tracepoint(ks_find_tps, NULL);
	/* A watched thread must unregister its notifier as it exits. */
	if (!ks_exit_tp ||
	    tracepoint_probe_register(ks_exit_tp, ks_exit_probe, NULL)) {
		pr_err("no sched_process_exit tracepoint to probe\n");
		cpuhp_remove_state_nocalls(ks_cpuhp_state);
		ks_engine_free_scratch();
		return -ENOENT;
	}
	preempt_notifier_inc();
	/* Without it, new threads wait for the periodic pass. */
	if (!ks_fork_tp ||
	    tracepoint_probe_register(ks_fork_tp, ks_fork_probe, NULL)) {
		pr_warn("no sched_process_fork: new VMM threads are placed by the periodic pass\n");
		ks_fork_tp = NULL;
	}
	queue_delayed_work(system_unbound_wq, &ks_reconcile_work,
			   msecs_to_jiffies(1000));
	return 0;
}

/* Every thread gets back what kvmsched changed, if it still has it. */
static void ks_give_back_all(void)
{
	struct ks_emu_proc *p;
	struct task_struct *task;
	struct ks_thread *t;
	struct hlist_node *tmp;
	int a, bkt, restored = 0, kept = 0, irqs = 0;
	struct ks_irq_rec *r;

	mutex_lock(&ks_policy_mutex);
	hash_for_each_safe(ks_irq_recs, bkt, tmp, r, hnode) {
		ks_irq_rec_give_back_all(r, true);
		irqs++;
	}
	hash_for_each_safe(ks_emu_procs, bkt, tmp, p, hnode)
		ks_emu_proc_forget(p);
	hash_for_each_safe(ks_threads, bkt, tmp, t, hnode) {
		task = get_pid_task(t->pid, PIDTYPE_PID);
		for (a = 0; task && a < KS_NR_ASPECTS; a++) {
			if (!test_bit(a, &t->touched))
				continue;
			if (ks_thread_give_back(t, task, a))
				restored++;
			else
				kept++;
		}
		if (task)
			put_task_struct(task);
		ks_thread_free(t);
	}
	mutex_unlock(&ks_policy_mutex);
	if (restored || kept)
		pr_info("gave back %d thread settings, kept %d changed by others since\n",
			restored, kept);
	if (irqs)
		pr_info("gave back the masks of %d IRQs kvmsched steered, if still its own\n",
			irqs);
}

/*
 * After the hooks are gone (every VM forgotten, so a repair still queued
 * does nothing) and the RT guard has stopped: stop the passes, give every
 * thread back what it had, then wait until no task can run our work or
 * still be inside it. Giving back first matters: an RT vCPU left RT with
 * no guard could keep a starved task from the quiescent state that
 * synchronize_rcu_tasks() waits for.
 */
void ks_engine_quiesce(void)
{
	if (ks_fork_tp) {
		tracepoint_probe_unregister(ks_fork_tp, ks_fork_probe, NULL);
		tracepoint_synchronize_unregister();
	}
	cpuhp_remove_state_nocalls(ks_cpuhp_state);
	cancel_delayed_work_sync(&ks_reconcile_work);
	cancel_work_sync(&ks_hotplug_work);
	cancel_work_sync(&ks_births_work);
	cancel_work_sync(&ks_workers_work);
	cancel_delayed_work_sync(&ks_irq_work);
	ks_give_back_all();
	ks_unwatch_all();
	while (!wait_var_event_timeout(&ks_nr_works, !atomic_read(&ks_nr_works),
				       msecs_to_jiffies(KS_DRAIN_MS)))
		ks_kick_sleeping();
	/* Every runner is unregistered now, by its thread: free them. */
	flush_work(&ks_runners_free_work);
	tracepoint_probe_unregister(ks_exit_tp, ks_exit_probe, NULL);
	tracepoint_synchronize_unregister();
	preempt_notifier_dec();
	synchronize_rcu_tasks();
}

void ks_engine_exit(void)
{
	ks_engine_free_scratch();
}
