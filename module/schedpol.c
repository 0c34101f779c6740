// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduling policy decisions: parsing the sysfs values, combining a
 * vCPU's override with its VM's settings, and the RT guard's budget.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <uapi/linux/sched.h>

#include "blank.h"
#include "schedpol.h"

static const char *const ks_policy_names[] = {
	[KS_POL_NONE] = "",
	[KS_POL_NORMAL] = "normal",
	[KS_POL_BATCH] = "batch",
	[KS_POL_IDLE] = "idle",
	[KS_POL_FIFO] = "fifo",
	[KS_POL_RR] = "rr",
	[KS_POL_DEADLINE] = "deadline",
};

static const int ks_kernel_policies[] = {
	[KS_POL_NORMAL] = SCHED_NORMAL,
	[KS_POL_BATCH] = SCHED_BATCH,
	[KS_POL_IDLE] = SCHED_IDLE,
	[KS_POL_FIFO] = SCHED_FIFO,
	[KS_POL_RR] = SCHED_RR,
	[KS_POL_DEADLINE] = SCHED_DEADLINE,
};

const char *ks_policy_name(u8 policy)
{
	return policy < ARRAY_SIZE(ks_policy_names) ? ks_policy_names[policy] :
	       "";
}

/* KS_POL_* for a SCHED_* value; NONE for one this file does not know. */
int ks_policy_from_kernel(int policy)
{
	int i;

	for (i = KS_POL_NORMAL; i < ARRAY_SIZE(ks_kernel_policies); i++)
		if (ks_kernel_policies[i] == policy)
			return i;
	return KS_POL_NONE;
}

int ks_policy_to_kernel(u8 policy)
{
	return policy && policy < ARRAY_SIZE(ks_kernel_policies) ?
	       ks_kernel_policies[policy] : SCHED_NORMAL;
}

/* An integer in [min, max], or an empty line for "unset" (*set false). */
static int ks_int_parse(const char *buf, int min, int max, bool *set,
			int *val)
{
	int err;

	*set = !ks_blank(buf);
	if (!*set)
		return 0;
	err = kstrtoint(buf, 10, val);
	if (err)
		return err;
	return *val < min || *val > max ? -ERANGE : 0;
}

/*
 * Parses a write of field @f into @cfg, leaving the other fields alone.
 * -EINVAL: not a value of that field; -ERANGE: a number out of its range.
 * On error @cfg is unchanged.
 */
int ks_sched_field_parse(const char *buf, enum ks_sched_field f,
			 struct ks_sched_cfg *cfg)
{
	bool set;
	int i, val, err;

	switch (f) {
	case KS_SF_POLICY:
		if (ks_blank(buf)) {
			cfg->policy = KS_POL_NONE;
			return 0;
		}
		/* Deadline needs runtime, deadline and period: not offered. */
		for (i = KS_POL_NORMAL; i < KS_POL_DEADLINE; i++) {
			if (sysfs_streq(buf, ks_policy_names[i])) {
				cfg->policy = i;
				return 0;
			}
		}
		return -EINVAL;
	case KS_SF_PRIORITY:
		err = ks_int_parse(buf, KS_PRIO_MIN, KS_PRIO_MAX, &set, &val);
		if (!err)
			cfg->prio = set ? val : 0;
		return err;
	case KS_SF_NICE:
		err = ks_int_parse(buf, KS_NICE_MIN, KS_NICE_MAX, &set, &val);
		if (!err) {
			cfg->has_nice = set;
			cfg->nice = set ? val : 0;
		}
		return err;
	case KS_SF_SLICE:
		err = ks_int_parse(buf, KS_SLICE_US_MIN, KS_SLICE_US_MAX, &set,
				   &val);
		if (!err)
			cfg->slice_us = set ? val : 0;
		return err;
	}
	return -EINVAL;
}

/* The value of field @f as a line; unset fields are an empty line. */
int ks_sched_field_show(const struct ks_sched_cfg *cfg, enum ks_sched_field f,
			char *buf, size_t size)
{
	switch (f) {
	case KS_SF_POLICY:
		return scnprintf(buf, size, "%s\n", ks_policy_name(cfg->policy));
	case KS_SF_PRIORITY:
		return cfg->prio ? scnprintf(buf, size, "%u\n", cfg->prio) :
		       scnprintf(buf, size, "\n");
	case KS_SF_NICE:
		return cfg->has_nice ? scnprintf(buf, size, "%d\n", cfg->nice) :
		       scnprintf(buf, size, "\n");
	case KS_SF_SLICE:
		return cfg->slice_us ?
		       scnprintf(buf, size, "%u\n", cfg->slice_us) :
		       scnprintf(buf, size, "\n");
	}
	return 0;
}

/* Copies the fields set in @from (a rule) over those of @to (a VM). */
void ks_sched_cfg_merge(struct ks_sched_cfg *to, const struct ks_sched_cfg *from)
{
	if (from->policy)
		to->policy = from->policy;
	if (from->prio)
		to->prio = from->prio;
	if (from->has_nice) {
		to->has_nice = true;
		to->nice = from->nice;
	}
	if (from->slice_us)
		to->slice_us = from->slice_us;
}

/*
 * What a thread governed by @own, then @vm (either may be NULL), should
 * have. Each field comes from @own if set there, else from @vm. Without a
 * class, a nice or slice alone means "normal"; fifo and rr without a
 * priority get 1. Returns whether the class is fifo or rr: the RT guard
 * watches those.
 */
bool ks_sched_resolve(const struct ks_sched_cfg *own,
		      const struct ks_sched_cfg *vm, struct ks_sched_attr *out)
{
	static const struct ks_sched_cfg unset;
	bool rt;

	own = own ?: &unset;
	vm = vm ?: &unset;
	memset(out, 0, sizeof(*out));
	out->policy = own->policy ?: vm->policy;
	out->nice = own->has_nice ? own->nice : vm->has_nice ? vm->nice : 0;
	out->slice_us = own->slice_us ?: vm->slice_us;
	if (!out->policy) {
		if (!own->has_nice && !vm->has_nice && !out->slice_us)
			return false;
		out->policy = KS_POL_NORMAL;
	}
	rt = ks_policy_rt(out->policy);
	if (rt)
		out->prio = own->prio ?: vm->prio ?: KS_PRIO_MIN;
	return rt;
}

/*
 * What the RT guard gives a fifo or rr thread that has @from while it is
 * demoted: idle, so that every other thread of its CPU, kernel threads
 * first of all, preempts it at once; its nice kept, the weight it has if
 * it leaves RT for good. False if @from is not fifo or rr.
 */
bool ks_sched_demoted(const struct ks_sched_attr *from,
		      struct ks_sched_attr *out)
{
	memset(out, 0, sizeof(*out));
	if (!ks_policy_rt(from->policy))
		return false;
	out->policy = KS_POL_IDLE;
	out->nice = from->nice;
	return true;
}

/*
 * Whether a thread that has @have satisfies @want: the class, and what
 * that class uses (the priority for fifo and rr, nice and slice for
 * normal and batch; slice 0 is the scheduler's default).
 */
bool ks_sched_matches(const struct ks_sched_attr *want,
		      const struct ks_sched_attr *have)
{
	if (want->policy != have->policy)
		return false;
	if (ks_policy_rt(want->policy))
		return want->prio == have->prio;
	if (want->policy != KS_POL_NORMAL && want->policy != KS_POL_BATCH)
		return true;
	return want->nice == have->nice && want->slice_us == have->slice_us;
}

/* One word, so that hooks can read a target without a lock; 0: none. */
u64 ks_sched_pack(const struct ks_sched_attr *a)
{
	if (!a->policy)
		return 0;
	return a->policy | (u64)a->prio << 8 | (u64)(u8)a->nice << 16 |
	       (u64)a->slice_us << 24;
}

void ks_sched_unpack(u64 packed, struct ks_sched_attr *a)
{
	a->policy = packed & 0xff;
	a->prio = (packed >> 8) & 0xff;
	a->nice = (s8)((packed >> 16) & 0xff);
	a->slice_us = packed >> 24;
}

/*
 * One look of the guard at a thread running fifo or rr. Within each window
 * of @period_us it may run @runtime_us. Once its CPU time in the window,
 * counting what the scheduler has not accounted yet, reaches the runtime,
 * it is demoted until the window ends, and on for as long as it ran past
 * its runtime before the look, so that the other threads of its CPU get
 * the whole period minus the runtime however late the guard looked. The
 * next window opens when the demotion is due to end, not at the look
 * that restores it: what the restore's own delay costs is the other
 * threads' gain within the window, not the thread's loss. It is demoted
 * for the period minus the runtime, the next window opening at its
 * restore, once it has kept its CPU for the runtime without sleeping
 * (@in->streak_ns), whatever the windows: a thread that starts spinning
 * late in one window must not run on through the whole next one. A
 * window that ends without a demotion is followed at once by the next; a
 * look that finds the window over for a whole period more (the guard was
 * held up, the period was shortened) opens a fresh one. A runtime of the
 * whole period never demotes; KS_GUARD_OFF restores and forgets the
 * window.
 *
 * *@next_ns is set to when the guard must look again: the earliest the
 * runtime can be reached (CPU time grows no faster than the clock), the
 * window's end, or the restore; 0 when nothing can change until a setting
 * does.
 */
enum ks_guard_act ks_guard_decide(struct ks_guard_win *w,
				  const struct ks_guard_view *in,
				  int runtime_us, u32 period_us, u64 *next_ns)
{
	u64 runtime = (u64)runtime_us * NSEC_PER_USEC;
	u64 period = (u64)period_us * NSEC_PER_USEC;
	enum ks_guard_act act = KS_GUARD_KEEP;
	bool spent = w->spent;
	u64 unseen, used, late;

	*next_ns = 0;
	w->spent = false;
	if (runtime_us == KS_GUARD_OFF) {
		w->start_ns = 0;
		return in->demoted ? KS_GUARD_RESTORE : KS_GUARD_KEEP;
	}
	if (in->demoted) {
		if (w->start_ns && in->now_ns < w->until_ns) {
			w->spent = spent;
			*next_ns = w->until_ns - in->now_ns;
			return KS_GUARD_KEEP;
		}
		act = KS_GUARD_RESTORE;
		if (w->start_ns && spent) {
			w->start_ns = w->until_ns;
			w->exec_ns = in->exec_ns;
		} else {
			w->start_ns = 0;
		}
	}
	if (runtime >= period) {
		w->start_ns = 0;
		return act;
	}
	/*
	 * A fresh window: none yet; less CPU time than at its start (another
	 * thread runs the vCPU); or over for a whole period more already.
	 */
	if (!w->start_ns || in->exec_ns < w->exec_ns ||
	    in->now_ns - w->start_ns >= 2 * period) {
		w->start_ns = in->now_ns;
		w->exec_ns = in->exec_ns;
	}
	/*
	 * The unaccounted time counts at most half the runtime: a runtime
	 * shorter than a scheduler tick must still let the thread run.
	 */
	unseen = min(in->unseen_ns, runtime / 2);
	used = in->exec_ns - w->exec_ns + unseen;
	if (in->now_ns - w->start_ns >= period) {
		/*
		 * A look after the window's end: at most @late of what the
		 * thread used ran past it. If the rest still reaches the
		 * runtime, the window is over budget, else the next one is
		 * current, charged with what may have run since it opened.
		 */
		late = in->now_ns - w->start_ns - period;
		if (used - min(used, late) < runtime) {
			w->exec_ns = in->exec_ns -
				     min(in->exec_ns - w->exec_ns, late);
			w->start_ns += period;
			used = in->exec_ns - w->exec_ns + unseen;
		}
	}
	if (used >= runtime) {
		w->until_ns = max(w->start_ns + period + (used - runtime),
				  in->now_ns + KS_GUARD_STEP_MIN_NS);
		w->spent = true;
		*next_ns = w->until_ns - in->now_ns;
		return KS_GUARD_DEMOTE;
	}
	if (in->streak_ns >= runtime) {
		/* The rest of the period, and a useful time. */
		*next_ns = max_t(u64, period - runtime, KS_GUARD_STEP_MIN_NS);
		w->until_ns = in->now_ns + *next_ns;
		return KS_GUARD_DEMOTE;
	}
	*next_ns = max(min(runtime - max(used, in->streak_ns),
			   w->start_ns + period - in->now_ns),
		       KS_GUARD_STEP_MIN_NS);
	return act;
}

/*
 * How often the guard looks for the thread of an RT vCPU that has not run
 * yet: a twentieth of the period, and at most every millisecond.
 */
u64 ks_guard_tick_ns(u32 period_us)
{
	return max_t(u64, period_us * NSEC_PER_USEC / 20, NSEC_PER_MSEC);
}

/* Whether a guard budget is valid: -ERANGE if not. */
int ks_guard_check(int runtime_us, int period_us)
{
	if (period_us < KS_GUARD_PERIOD_MIN_US ||
	    period_us > KS_GUARD_PERIOD_MAX_US)
		return -ERANGE;
	if (runtime_us == KS_GUARD_OFF)
		return 0;
	return runtime_us < KS_GUARD_RUNTIME_MIN_US || runtime_us > period_us ?
	       -ERANGE : 0;
}
