/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scheduling policy: pure decisions about the class, priority, nice and
 * slice a thread should have, and the RT guard's budget state machine.
 * No locks, no allocation, no clock reads, no live task: callers pass
 * snapshots, so the KUnit suite can cover every case.
 */
#ifndef KS_SCHEDPOL_H
#define KS_SCHEDPOL_H

#include <linux/types.h>

/* Scheduling classes by their sysfs names; NONE: no setting. */
enum ks_policy {
	KS_POL_NONE,
	KS_POL_NORMAL,
	KS_POL_BATCH,
	KS_POL_IDLE,
	KS_POL_FIFO,
	KS_POL_RR,
	KS_POL_DEADLINE,	/* reported, never set */
};

#define KS_PRIO_MIN	1
#define KS_PRIO_MAX	99
#define KS_NICE_MIN	(-20)
#define KS_NICE_MAX	19
/* The range the scheduler clamps a custom slice to (0.1 ms to 100 ms). */
#define KS_SLICE_US_MIN	100
#define KS_SLICE_US_MAX	100000

/* One level of settings (a VM, a vCPU's override, emulator threads). */
struct ks_sched_cfg {
	u8 policy;		/* enum ks_policy; NONE: unset */
	u8 prio;		/* 0: unset */
	bool has_nice;
	s8 nice;
	u32 slice_us;		/* 0: unset */
};

/* What a thread has, or should have; policy NONE: leave it alone. */
struct ks_sched_attr {
	u8 policy;
	u8 prio;		/* 0 unless fifo or rr */
	s8 nice;
	u32 slice_us;		/* 0: the scheduler's default slice */
};

/* Which file of a ks_sched_cfg a write or read is for. */
enum ks_sched_field {
	KS_SF_POLICY,
	KS_SF_PRIORITY,
	KS_SF_NICE,
	KS_SF_SLICE,
};

static inline bool ks_policy_rt(u8 policy)
{
	return policy == KS_POL_FIFO || policy == KS_POL_RR;
}

const char *ks_policy_name(u8 policy);
int ks_policy_from_kernel(int policy);
int ks_policy_to_kernel(u8 policy);
int ks_sched_field_parse(const char *buf, enum ks_sched_field f,
			 struct ks_sched_cfg *cfg);
int ks_sched_field_show(const struct ks_sched_cfg *cfg, enum ks_sched_field f,
			char *buf, size_t size);
void ks_sched_cfg_merge(struct ks_sched_cfg *to,
			const struct ks_sched_cfg *from);
bool ks_sched_resolve(const struct ks_sched_cfg *own,
		      const struct ks_sched_cfg *vm, struct ks_sched_attr *out);
bool ks_sched_demoted(const struct ks_sched_attr *from,
		      struct ks_sched_attr *out);
bool ks_sched_matches(const struct ks_sched_attr *want,
		      const struct ks_sched_attr *have);
u64 ks_sched_pack(const struct ks_sched_attr *a);
void ks_sched_unpack(u64 packed, struct ks_sched_attr *a);

/* The RT guard's accounting window for one vCPU. */
struct ks_guard_win {
	u64 start_ns;		/* 0: no window open */
	u64 exec_ns;		/* the thread's CPU time when it opened */
	u64 until_ns;		/* demoted: the earliest restore */
	bool spent;		/* demoted for its runtime: the next window
				 * opens at until_ns
				 */
};

/* What the guard sees of one fifo or rr vCPU thread at one look. */
struct ks_guard_view {
	u64 now_ns;
	u64 exec_ns;		/* CPU time, as the scheduler last accounted it */
	u64 unseen_ns;		/* CPU time it may have used since then */
	u64 streak_ns;		/* on its CPU as fifo or rr without a break */
	bool demoted;
};

enum ks_guard_act {
	KS_GUARD_KEEP,
	KS_GUARD_DEMOTE,
	KS_GUARD_RESTORE,
};

#define KS_GUARD_OFF		(-1)
#define KS_GUARD_RUNTIME_MIN_US	1000
#define KS_GUARD_PERIOD_MIN_US	10000
#define KS_GUARD_PERIOD_MAX_US	10000000
/*
 * The host's own RT throttling share (95%), over a tenth of its period, so
 * that a kernel thread sharing the CPU waits at most about 100 ms.
 */
#define KS_GUARD_RUNTIME_DEF_US	95000
#define KS_GUARD_PERIOD_DEF_US	100000

/* The guard's shortest sleep, so that a look is never a busy loop. */
#define KS_GUARD_STEP_MIN_NS	(100 * NSEC_PER_USEC)

enum ks_guard_act ks_guard_decide(struct ks_guard_win *w,
				  const struct ks_guard_view *in,
				  int runtime_us, u32 period_us, u64 *next_ns);
u64 ks_guard_tick_ns(u32 period_us);
int ks_guard_check(int runtime_us, int period_us);

#endif /* KS_SCHEDPOL_H */
