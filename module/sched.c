// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduling aspect.
 *
 * A vCPU's target is what schedpol.c resolves from its own settings and
 * its VM's, published packed in one word for the engine's schedule-in
 * check, which compares the thread with it; the RT guard lends a demoted
 * thread another class meanwhile. The emulator threads' target is the
 * emulator settings of the process's first VM that has any.
 * A thread state is a struct ks_sched_attr.
 */
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/isolation.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <uapi/linux/sched/types.h>

#include "affinity.h"
#include "engine.h"
#include "features.h"
#include "policy.h"
#include "registry.h"
#include "sched.h"

DECLARE_WAIT_QUEUE_HEAD(ks_sched_rt_wq);
atomic_t ks_sched_rt_news = ATOMIC_INIT(0);

void ks_sched_rt_changed(void)
{
	atomic_set(&ks_sched_rt_news, 1);
	wake_up(&ks_sched_rt_wq);
}

static u32 ks_task_slice_us(struct task_struct *p)
{
#ifdef KS_HAVE_CUSTOM_SLICE
	return p->se.custom_slice ? div_u64(p->se.slice, NSEC_PER_USEC) : 0;
#else
	return 0;
#endif
}

void ks_task_sched(struct task_struct *p, struct ks_sched_attr *a)
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

/* A deadline thread is left alone: there is nothing kvmsched may do. */
static bool ks_sched_ok(const struct ks_sched_attr *want,
			const struct ks_sched_attr *have)
{
	return have->policy == KS_POL_DEADLINE || ks_sched_matches(want, have);
}

static size_t ks_sched_size(void)
{
	return sizeof(struct ks_sched_attr);
}

static void ks_sched_get(struct task_struct *task, void *state)
{
	ks_task_sched(task, state);
}

static bool ks_sched_satisfies(const void *have, const void *want)
{
	return ks_sched_ok(want, have);
}

static bool ks_sched_same_state(const void *a, const void *b)
{
	return ks_sched_same(a, b);
}

/* "policy/priority/nice/slice_us", as the sysfs files name them. */
static void ks_sched_format(const void *state, char *buf, size_t len)
{
	const struct ks_sched_attr *s = state;

	scnprintf(buf, len, "%s/%u/%d/%u", ks_policy_name(s->policy), s->prio,
		  s->nice, s->slice_us);
}

static int ks_sched_set_state(struct task_struct *task, const void *state)
{
	return ks_sched_set(task, state);
}

/*
 * While the RT guard has demoted @v's thread, the class is the guard's: it
 * gives the thread back what it had when the demotion ends. A target that
 * is no longer RT is the engine's again at once.
 */
static bool ks_sched_guards(struct ks_vcpu *v, const struct ks_sched_attr *want)
{
	return ks_policy_rt(want->policy) &&
	       test_bit(KS_VCPU_DEMOTED, &ks_vcp(v)->flags);
}

static int ks_sched_vcpu_target(struct ks_vcpu *v, struct task_struct *task,
				void *want)
{
	struct ks_vcpu_pol *p = ks_vcp(v);
	struct ks_sched_attr *a = want;
	bool rt, was_rt;
	u64 packed;

	lockdep_assert_held(&ks_policy_mutex);
	rt = ks_sched_resolve(&p->sched, &ks_vmp(v->vm)->sched, a);
	packed = ks_sched_pack(a);
	WRITE_ONCE(p->sched_want, packed);
	was_rt = p->sched_rt;
	/* Published before the wake: the guard may run at once. */
	WRITE_ONCE(p->sched_rt, rt);
	if (rt && !was_rt)
		ks_sched_rt_changed();
	/* A set racing a demotion is undone at the guard's next look. */
	if (ks_sched_guards(v, a))
		return -EAGAIN;
	/* The guard's streak of this thread starts no earlier than here. */
	if (task && rt &&
	    !ks_policy_rt(ks_policy_from_kernel(READ_ONCE(task->policy)))) {
		WRITE_ONCE(p->rt_since_ns, local_clock());
		/* Before the thread turns RT: the guard reads its policy first. */
		smp_wmb();
	}
	return a->policy != KS_POL_NONE;
}

/* The schedule-in check: does current, @v's thread, miss its target? */
static bool ks_sched_vcpu_violated(struct ks_vcpu *v, int cpu)
{
	u64 packed = READ_ONCE(ks_vcp(v)->sched_want);
	struct ks_sched_attr want, have;

	if (!packed)
		return false;
	ks_sched_unpack(packed, &want);
	if (ks_sched_guards(v, &want))
		return false;
	ks_task_sched(current, &have);
	return !ks_sched_ok(&want, &have);
}

/*
 * A target the thread cannot take (a refused change) would make every
 * guest entry fail: the hook stops asking, and the periodic pass tries
 * again.
 */
static void ks_sched_vcpu_give_up(struct ks_vcpu *v)
{
	WRITE_ONCE(ks_vcp(v)->sched_want, 0);
}

/*
 * The emulator threads' target: the emulator settings of the first VM of
 * @tgid among @vms that has any. False: none has.
 */
static bool ks_sched_emulator_target(struct pid *tgid, struct ks_vm **vms,
				     int n, void *want)
{
	struct ks_sched_attr *attr = want;
	int i;

	lockdep_assert_held(&ks_policy_mutex);
	memset(attr, 0, sizeof(*attr));
	for (i = 0; i < n && !attr->policy; i++)
		if (vms[i]->tgid == tgid)
			ks_sched_resolve(&ks_vmp(vms[i])->emulator_sched, NULL,
					 attr);
	return attr->policy;
}

const struct ks_aspect ks_sched_aspect = {
	.name = "scheduling",
	.size = ks_sched_size,
	.vcpu_target = ks_sched_vcpu_target,
	.vcpu_violated = ks_sched_vcpu_violated,
	.vcpu_give_up = ks_sched_vcpu_give_up,
	.emulator_target = ks_sched_emulator_target,
	.get = ks_sched_get,
	.satisfies = ks_sched_satisfies,
	.same = ks_sched_same_state,
	.format = ks_sched_format,
	.set = ks_sched_set_state,
};

bool ks_sched_demote(struct task_struct *task, struct ks_sched_attr *from)
{
	struct ks_sched_attr have, idle;

	ks_task_sched(task, &have);
	if (!ks_sched_demoted(&have, &idle))
		return false;
	*from = have;
	return !ks_sched_set(task, &idle);
}

bool ks_sched_undemote(struct task_struct *task,
		       const struct ks_sched_attr *from)
{
	/* An exiting thread's class no longer matters to anyone. */
	if ((READ_ONCE(task->flags) & PF_EXITING) ||
	    ks_policy_from_kernel(READ_ONCE(task->policy)) != KS_POL_IDLE)
		return false;
	return !ks_sched_set(task, from);
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
	struct ks_mask *m = v && ks_vcp(v)->cpus ? ks_vcp(v)->cpus : ks_vmp(vm)->cpus;
	const struct cpumask *cpus = m ? ks_mask_cpus(m) : cpu_online_mask;

	if (!cpumask_intersects(cpus, housekeeping_cpumask(HK_TYPE_DOMAIN)))
		return;
	pr_warn_ratelimited("%s: fifo/rr on CPUs %*pbl, not all isolated from housekeeping: %s\n",
			    what, cpumask_pr_args(cpus),
			    ks_vmp(vm)->guard_runtime_us == KS_GUARD_OFF ?
			    "the RT guard is off, their kernel threads can starve" :
			    "the RT guard bounds their kernel threads' wait");
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
