// SPDX-License-Identifier: GPL-2.0
/* KUnit: scheduling policy (parsing, resolution, matching, the RT guard). */
#include <kunit/test.h>

#include "schedpol.c"

struct field_case {
	const char *why;
	enum ks_sched_field f;
	const char *in;
	int err;
	const char *shown;	/* the field read back; the old value on error */
};

/* Every case starts from policy rr, priority 7, nice 3, slice 500. */
static const struct field_case field_cases[] = {
	{ "policy fifo", KS_SF_POLICY, "fifo\n", 0, "fifo\n" },
	{ "policy idle, no newline", KS_SF_POLICY, "idle", 0, "idle\n" },
	{ "policy batch", KS_SF_POLICY, "batch", 0, "batch\n" },
	{ "policy normal", KS_SF_POLICY, "normal", 0, "normal\n" },
	{ "policy cleared by an empty line", KS_SF_POLICY, "\n", 0, "\n" },
	{ "policy deadline is not offered", KS_SF_POLICY, "deadline", -EINVAL,
	  "rr\n" },
	{ "policy unknown", KS_SF_POLICY, "other", -EINVAL, "rr\n" },
	{ "policy by number", KS_SF_POLICY, "1", -EINVAL, "rr\n" },
	{ "policy with trailing junk", KS_SF_POLICY, "fifo x", -EINVAL,
	  "rr\n" },
	{ "priority 1", KS_SF_PRIORITY, "1", 0, "1\n" },
	{ "priority 99", KS_SF_PRIORITY, "99\n", 0, "99\n" },
	{ "priority cleared", KS_SF_PRIORITY, "", 0, "\n" },
	{ "priority 0", KS_SF_PRIORITY, "0", -ERANGE, "7\n" },
	{ "priority 100", KS_SF_PRIORITY, "100", -ERANGE, "7\n" },
	{ "priority -1", KS_SF_PRIORITY, "-1", -ERANGE, "7\n" },
	{ "priority overflowing int", KS_SF_PRIORITY, "99999999999", -ERANGE,
	  "7\n" },
	{ "priority not a number", KS_SF_PRIORITY, "high", -EINVAL, "7\n" },
	{ "priority in hex", KS_SF_PRIORITY, "0x10", -EINVAL, "7\n" },
	{ "nice -20", KS_SF_NICE, "-20", 0, "-20\n" },
	{ "nice 19", KS_SF_NICE, "19", 0, "19\n" },
	{ "nice 0 is a setting, not unset", KS_SF_NICE, "0", 0, "0\n" },
	{ "nice cleared", KS_SF_NICE, "\n", 0, "\n" },
	{ "nice -21", KS_SF_NICE, "-21", -ERANGE, "3\n" },
	{ "nice 20", KS_SF_NICE, "20", -ERANGE, "3\n" },
	{ "nice 1.5", KS_SF_NICE, "1.5", -EINVAL, "3\n" },
	{ "slice 100", KS_SF_SLICE, "100", 0, "100\n" },
	{ "slice 100000", KS_SF_SLICE, "100000", 0, "100000\n" },
	{ "slice cleared", KS_SF_SLICE, "", 0, "\n" },
	{ "slice 99", KS_SF_SLICE, "99", -ERANGE, "500\n" },
	{ "slice 100001", KS_SF_SLICE, "100001", -ERANGE, "500\n" },
	{ "slice 0", KS_SF_SLICE, "0", -ERANGE, "500\n" },
	{ "slice with a unit", KS_SF_SLICE, "3ms", -EINVAL, "500\n" },
};

static void field_desc(const struct field_case *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(field, field_cases, field_desc);

static void field_table(struct kunit *test)
{
	const struct field_case *c = test->param_value;
	struct ks_sched_cfg cfg = {
		.policy = KS_POL_RR, .prio = 7, .has_nice = true, .nice = 3,
		.slice_us = 500,
	};
	struct ks_sched_cfg before = cfg;
	char buf[32];

	KUNIT_EXPECT_EQ(test, ks_sched_field_parse(c->in, c->f, &cfg), c->err);
	ks_sched_field_show(&cfg, c->f, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, c->shown);
	/* The other fields never change. */
	if (c->f != KS_SF_POLICY)
		KUNIT_EXPECT_EQ(test, cfg.policy, before.policy);
	if (c->f != KS_SF_PRIORITY)
		KUNIT_EXPECT_EQ(test, cfg.prio, before.prio);
	if (c->f != KS_SF_NICE)
		KUNIT_EXPECT_EQ(test, cfg.nice, before.nice);
	if (c->f != KS_SF_SLICE)
		KUNIT_EXPECT_EQ(test, cfg.slice_us, before.slice_us);
}

#define CFG(pol, pr, hn, n, sl) \
	{ .policy = pol, .prio = pr, .has_nice = hn, .nice = n, .slice_us = sl }
#define UNSET CFG(KS_POL_NONE, 0, false, 0, 0)

struct resolve_case {
	const char *why;
	struct ks_sched_cfg own, vm;
	struct ks_sched_attr want;
	bool rt;
};

static const struct resolve_case resolve_cases[] = {
	{ "nothing set: leave alone", UNSET, UNSET,
	  { KS_POL_NONE }, false },
	{ "VM fifo 10", UNSET, CFG(KS_POL_FIFO, 10, false, 0, 0),
	  { KS_POL_FIFO, 10, 0, 0 }, true },
	{ "VM rr without priority gets 1", UNSET, CFG(KS_POL_RR, 0, false, 0, 0),
	  { KS_POL_RR, 1, 0, 0 }, true },
	{ "override beats VM per field", CFG(KS_POL_NONE, 20, false, 0, 0),
	  CFG(KS_POL_FIFO, 10, true, -5, 0),
	  { KS_POL_FIFO, 20, -5, 0 }, true },
	{ "override class beats VM class", CFG(KS_POL_BATCH, 0, false, 0, 0),
	  CFG(KS_POL_FIFO, 10, true, 4, 0),
	  { KS_POL_BATCH, 0, 4, 0 }, false },
	{ "override nice 0 beats VM nice", CFG(KS_POL_NONE, 0, true, 0, 0),
	  CFG(KS_POL_NORMAL, 0, true, 7, 0),
	  { KS_POL_NORMAL, 0, 0, 0 }, false },
	{ "nice alone means normal", UNSET, CFG(KS_POL_NONE, 0, true, -3, 0),
	  { KS_POL_NORMAL, 0, -3, 0 }, false },
	{ "slice alone means normal", CFG(KS_POL_NONE, 0, false, 0, 3000),
	  UNSET, { KS_POL_NORMAL, 0, 0, 3000 }, false },
	{ "priority alone is not a class", UNSET,
	  CFG(KS_POL_NONE, 50, false, 0, 0), { KS_POL_NONE }, false },
	{ "idle keeps nice and slice", CFG(KS_POL_IDLE, 0, true, 1, 0),
	  CFG(KS_POL_NONE, 0, false, 0, 800),
	  { KS_POL_IDLE, 0, 1, 800 }, false },
};

static void resolve_desc(const struct resolve_case *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(resolve, resolve_cases, resolve_desc);

static void resolve_table(struct kunit *test)
{
	const struct resolve_case *c = test->param_value;
	struct ks_sched_attr got;

	KUNIT_EXPECT_EQ(test, ks_sched_resolve(&c->own, &c->vm, &got), c->rt);
	KUNIT_EXPECT_EQ(test, got.policy, c->want.policy);
	KUNIT_EXPECT_EQ(test, got.prio, c->want.prio);
	if (got.policy) {
		KUNIT_EXPECT_EQ(test, got.nice, c->want.nice);
		KUNIT_EXPECT_EQ(test, got.slice_us, c->want.slice_us);
	}
}

static void resolve_null_levels(struct kunit *test)
{
	struct ks_sched_cfg emu = CFG(KS_POL_BATCH, 0, true, 10, 0);
	struct ks_sched_attr got;

	KUNIT_EXPECT_FALSE(test, ks_sched_resolve(&emu, NULL, &got));
	KUNIT_EXPECT_EQ(test, got.policy, KS_POL_BATCH);
	KUNIT_EXPECT_EQ(test, got.nice, 10);
	KUNIT_EXPECT_FALSE(test, ks_sched_resolve(NULL, NULL, &got));
	KUNIT_EXPECT_EQ(test, got.policy, KS_POL_NONE);
}

/* A demoted thread runs idle with its nice; only fifo and rr are demoted. */
static void demoted_class(struct kunit *test)
{
	static const struct ks_sched_attr fifo = { KS_POL_FIFO, 10, 2, 0 };
	static const struct ks_sched_attr rr = { KS_POL_RR, 99, -4, 0 };
	static const struct ks_sched_attr normal = { KS_POL_NORMAL, 0, 2, 0 };
	struct ks_sched_attr got;

	KUNIT_EXPECT_TRUE(test, ks_sched_demoted(&fifo, &got));
	KUNIT_EXPECT_EQ(test, got.policy, KS_POL_IDLE);
	KUNIT_EXPECT_EQ(test, got.prio, 0);
	KUNIT_EXPECT_EQ(test, got.nice, 2);
	KUNIT_EXPECT_TRUE(test, ks_sched_demoted(&rr, &got));
	KUNIT_EXPECT_EQ(test, got.policy, KS_POL_IDLE);
	KUNIT_EXPECT_EQ(test, got.nice, -4);
	KUNIT_EXPECT_FALSE(test, ks_sched_demoted(&normal, &got));
}

struct match_case {
	const char *why;
	struct ks_sched_attr want, have;
	bool match;
};

static const struct match_case match_cases[] = {
	{ "same fifo", { KS_POL_FIFO, 10 }, { KS_POL_FIFO, 10, 5 }, true },
	{ "fifo priority differs", { KS_POL_FIFO, 10 }, { KS_POL_FIFO, 11 },
	  false },
	{ "fifo against rr", { KS_POL_FIFO, 10 }, { KS_POL_RR, 10 }, false },
	{ "normal nice differs", { KS_POL_NORMAL, 0, -5 },
	  { KS_POL_NORMAL, 0, 0 }, false },
	{ "normal, default slice wanted", { KS_POL_NORMAL, 0, 1, 0 },
	  { KS_POL_NORMAL, 0, 1, 3000 }, false },
	{ "normal, slice differs", { KS_POL_NORMAL, 0, 1, 2000 },
	  { KS_POL_NORMAL, 0, 1, 3000 }, false },
	{ "batch nice", { KS_POL_BATCH, 0, 3 }, { KS_POL_BATCH, 0, 3 }, true },
	{ "idle ignores nice", { KS_POL_IDLE, 0, 3 }, { KS_POL_IDLE, 0, -9 },
	  true },
	{ "normal against deadline", { KS_POL_NORMAL },
	  { KS_POL_DEADLINE }, false },
};

static void match_desc(const struct match_case *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(match, match_cases, match_desc);

static void match_table(struct kunit *test)
{
	const struct match_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, ks_sched_matches(&c->want, &c->have), c->match);
}

static void cfg_merge(struct kunit *test)
{
	struct ks_sched_cfg vm = CFG(KS_POL_FIFO, 10, false, 0, 0);
	const struct ks_sched_cfg rule = CFG(KS_POL_NONE, 20, true, -4, 0);

	ks_sched_cfg_merge(&vm, &rule);
	KUNIT_EXPECT_EQ(test, vm.policy, KS_POL_FIFO);
	KUNIT_EXPECT_EQ(test, vm.prio, 20);
	KUNIT_EXPECT_TRUE(test, vm.has_nice);
	KUNIT_EXPECT_EQ(test, vm.nice, -4);
	KUNIT_EXPECT_EQ(test, vm.slice_us, 0);
}

static void pack_roundtrip(struct kunit *test)
{
	static const struct ks_sched_attr attrs[] = {
		{ KS_POL_FIFO, 99, -20, 0 },
		{ KS_POL_RR, 1, 19, 100000 },
		{ KS_POL_NORMAL, 0, -1, 100 },
		{ KS_POL_IDLE, 0, 0, 0 },
	};
	const struct ks_sched_attr none = { KS_POL_NONE, 0, 5, 10 };
	struct ks_sched_attr got;
	int i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		KUNIT_EXPECT_NE(test, ks_sched_pack(&attrs[i]), 0);
		ks_sched_unpack(ks_sched_pack(&attrs[i]), &got);
		KUNIT_EXPECT_EQ(test, got.policy, attrs[i].policy);
		KUNIT_EXPECT_EQ(test, got.prio, attrs[i].prio);
		KUNIT_EXPECT_EQ(test, got.nice, attrs[i].nice);
		KUNIT_EXPECT_EQ(test, got.slice_us, attrs[i].slice_us);
	}
	/* No class: no target, whatever else is in it. */
	KUNIT_EXPECT_EQ(test, ks_sched_pack(&none), 0);
}

static void policy_kernel_names(struct kunit *test)
{
	int p;

	for (p = KS_POL_NORMAL; p <= KS_POL_DEADLINE; p++)
		KUNIT_EXPECT_EQ(test,
				ks_policy_from_kernel(ks_policy_to_kernel(p)), p);
	KUNIT_EXPECT_EQ(test, ks_policy_from_kernel(SCHED_FIFO), KS_POL_FIFO);
	KUNIT_EXPECT_EQ(test, ks_policy_from_kernel(SCHED_IDLE), KS_POL_IDLE);
	KUNIT_EXPECT_EQ(test, ks_policy_from_kernel(4), KS_POL_NONE);
	KUNIT_EXPECT_EQ(test, ks_policy_from_kernel(42), KS_POL_NONE);
	KUNIT_EXPECT_STREQ(test, ks_policy_name(KS_POL_RR), "rr");
	KUNIT_EXPECT_STREQ(test, ks_policy_name(200), "");
}

#define MS	NSEC_PER_MSEC

/* One look of a guard scenario, with what it must decide. */
struct guard_step {
	u64 now_ms, exec_ms, unseen_ms;
	enum ks_guard_act act;
	u64 next_ms;
	u64 streak_ms;
};

static void guard_run(struct kunit *test, int runtime_us, u32 period_us,
		      const struct guard_step *steps, int n)
{
	struct ks_guard_win w = {};
	struct ks_guard_view in = {};
	enum ks_guard_act act;
	u64 next;
	int i;

	for (i = 0; i < n; i++) {
		in.now_ns = steps[i].now_ms * MS;
		in.exec_ns = steps[i].exec_ms * MS;
		in.unseen_ns = steps[i].unseen_ms * MS;
		in.streak_ns = steps[i].streak_ms * MS;
		act = ks_guard_decide(&w, &in, runtime_us, period_us, &next);
		KUNIT_EXPECT_EQ_MSG(test, act, steps[i].act, "step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, next, steps[i].next_ms * MS,
				    "step %d", i);
		if (act == KS_GUARD_DEMOTE)
			in.demoted = true;
		else if (act == KS_GUARD_RESTORE)
			in.demoted = false;
	}
}

/*
 * 95 ms of every 100, a 4 ms tick: a spinner is demoted when its CPU time
 * and a tick reach 95 ms, and restored when the period ends; the guard
 * looks when the runtime could first be reached.
 */
static void guard_spinner(struct kunit *test)
{
	static const struct guard_step steps[] = {
		{ 1000, 500, 4, KS_GUARD_KEEP, 91 },	/* window opens */
		{ 1091, 588, 4, KS_GUARD_KEEP, 3 },	/* accounted late */
		{ 1094, 591, 4, KS_GUARD_DEMOTE, 6 },	/* 91 + 4 */
		{ 1097, 592, 4, KS_GUARD_KEEP, 3 },	/* stays demoted */
		{ 1100, 592, 4, KS_GUARD_RESTORE, 91 },	/* next window */
		{ 1191, 683, 4, KS_GUARD_DEMOTE, 9 },
		{ 1200, 684, 0, KS_GUARD_RESTORE, 95 },
		/*
		 * Looked 3 ms late, 5 ms past the runtime: demoted until 5 ms
		 * past the window's end, where the next one opens.
		 */
		{ 1298, 780, 4, KS_GUARD_DEMOTE, 7 },
		{ 1305, 781, 4, KS_GUARD_RESTORE, 91 },
	};

	guard_run(test, 95000, 100000, steps, ARRAY_SIZE(steps));
}

/*
 * A guard 2 ms late to demote and 3 ms late to restore: each window grows
 * by the 2 ms the thread ran past its runtime, and in each the other
 * threads get their 5 ms, the restore's delay among them.
 */
static void guard_lateness(struct kunit *test)
{
	static const struct guard_step steps[] = {
		{ 1000, 500, 0, KS_GUARD_KEEP, 95 },
		{ 1097, 597, 0, KS_GUARD_DEMOTE, 5 },	/* until 1102 */
		{ 1105, 597, 0, KS_GUARD_RESTORE, 95 },	/* from 1102 */
		{ 1202, 694, 0, KS_GUARD_DEMOTE, 2 },	/* until 1204 */
		{ 1207, 694, 0, KS_GUARD_RESTORE, 95 },
	};

	guard_run(test, 95000, 100000, steps, ARRAY_SIZE(steps));
}

/*
 * The guard looked 5 ms after the window's end: the spinner ran 104 ms of
 * the window, which the look must not forgive by opening the next one.
 */
static void guard_late_look(struct kunit *test)
{
	static const struct guard_step steps[] = {
		{ 1000, 500, 4, KS_GUARD_KEEP, 91 },
		{ 1105, 605, 4, KS_GUARD_DEMOTE, 9 },	/* until 1114 */
		{ 1114, 606, 0, KS_GUARD_RESTORE, 95 },
		/*
		 * 70 of 100, looked 20 ms late: the next window opened at
		 * 1214 and is charged 20 ms.
		 */
		{ 1234, 696, 0, KS_GUARD_KEEP, 75 },
		{ 1309, 771, 4, KS_GUARD_DEMOTE, 9 },	/* until 1318 */
		{ 1318, 772, 0, KS_GUARD_RESTORE, 95 },
		/*
		 * A look 2 periods on (the guard held up, a shorter period):
		 * a fresh window, not 2 s charged at once.
		 */
		{ 1520, 972, 4, KS_GUARD_KEEP, 91 },
	};

	guard_run(test, 95000, 100000, steps, ARRAY_SIZE(steps));
}

/*
 * A vCPU that starts spinning late in a window: its run without a break
 * reaches the runtime well before the next window's budget does.
 */
static void guard_streak(struct kunit *test)
{
	static const struct guard_step steps[] = {
		{ 1000, 500, 0, KS_GUARD_KEEP, 95 },
		{ 1095, 535, 4, KS_GUARD_KEEP, 5, 35 },		/* from 1060 */
		{ 1100, 540, 4, KS_GUARD_KEEP, 55, 40 },	/* streak first */
		{ 1155, 595, 4, KS_GUARD_DEMOTE, 5, 95 },
		{ 1160, 596, 0, KS_GUARD_RESTORE, 95 },
	};

	guard_run(test, 95000, 100000, steps, ARRAY_SIZE(steps));
}

/* A vCPU that mostly halts never spends its runtime. */
static void guard_halter(struct kunit *test)
{
	static const struct guard_step steps[] = {
		{ 10, 0, 0, KS_GUARD_KEEP, 95 },
		{ 60, 20, 0, KS_GUARD_KEEP, 50 },	/* window ends first */
		{ 110, 41, 4, KS_GUARD_KEEP, 91 },	/* new window */
		{ 201, 130, 0, KS_GUARD_KEEP, 6 },	/* 89 ms of 95 */
		{ 207, 130, 0, KS_GUARD_KEEP, 3 },	/* window ends first */
		{ 210, 130, 0, KS_GUARD_KEEP, 95 },	/* new window */
		{ 220, 3, 0, KS_GUARD_KEEP, 95 },	/* a new thread */
	};

	guard_run(test, 95000, 100000, steps, ARRAY_SIZE(steps));
}

/*
 * A runtime shorter than a tick: the unaccounted tick counts for half of
 * it, so the thread still runs; looks are never closer than 100 us.
 */
static void guard_short_runtime(struct kunit *test)
{
	struct ks_guard_win w = {};
	struct ks_guard_view in = { .now_ns = 10 * MS, .unseen_ns = 4 * MS };
	u64 next;

	KUNIT_EXPECT_EQ(test, ks_guard_decide(&w, &in, 1000, 10000, &next),
			KS_GUARD_KEEP);
	KUNIT_EXPECT_EQ(test, next, MS / 2);
	in.now_ns += 100 * NSEC_PER_USEC;
	in.exec_ns = 499 * NSEC_PER_USEC;
	KUNIT_EXPECT_EQ(test, ks_guard_decide(&w, &in, 1000, 10000, &next),
			KS_GUARD_KEEP);
	KUNIT_EXPECT_EQ(test, next, KS_GUARD_STEP_MIN_NS);
	in.exec_ns = 500 * NSEC_PER_USEC;
	KUNIT_EXPECT_EQ(test, ks_guard_decide(&w, &in, 1000, 10000, &next),
			KS_GUARD_DEMOTE);
}

/*
 * The whole period as runtime never demotes, and needs no look; a runtime
 * lowered later starts a fresh window, not one charged with all before.
 */
static void guard_whole_period(struct kunit *test)
{
	static const struct guard_step steps[] = {
		{ 10, 0, 4, KS_GUARD_KEEP, 0 },
		{ 200, 190, 4, KS_GUARD_KEEP, 0 },
	};
	struct ks_guard_win w = {};
	struct ks_guard_view in = { .unseen_ns = 4 * MS };
	u64 next;

	guard_run(test, 100000, 100000, steps, ARRAY_SIZE(steps));
	in.now_ns = 10 * MS;
	KUNIT_EXPECT_EQ(test, ks_guard_decide(&w, &in, 100000, 100000, &next),
			KS_GUARD_KEEP);
	in.now_ns = 150 * MS;
	in.exec_ns = 140 * MS;
	KUNIT_EXPECT_EQ(test, ks_guard_decide(&w, &in, 95000, 100000, &next),
			KS_GUARD_KEEP);
	KUNIT_EXPECT_EQ(test, next, 91 * MS);
}

static void guard_off(struct kunit *test)
{
	struct ks_guard_win w = {};
	struct ks_guard_view in = { .now_ns = 5 * MS };
	u64 next;

	KUNIT_EXPECT_EQ(test, ks_guard_decide(&w, &in, 1000, 10000, &next),
			KS_GUARD_KEEP);
	in.now_ns = 7 * MS;
	in.exec_ns = 3 * MS;
	KUNIT_EXPECT_EQ(test, ks_guard_decide(&w, &in, 1000, 10000, &next),
			KS_GUARD_DEMOTE);
	/* Turned off while demoted: restored at once, window forgotten. */
	in.now_ns = 8 * MS;
	in.demoted = true;
	KUNIT_EXPECT_EQ(test, ks_guard_decide(&w, &in, KS_GUARD_OFF, 10000,
					      &next), KS_GUARD_RESTORE);
	KUNIT_EXPECT_EQ(test, w.start_ns, 0);
	KUNIT_EXPECT_EQ(test, next, 0);
	in.demoted = false;
	in.exec_ns = 9 * MS;
	KUNIT_EXPECT_EQ(test, ks_guard_decide(&w, &in, KS_GUARD_OFF, 10000,
					      &next), KS_GUARD_KEEP);
}

static void guard_budget(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ks_guard_check(95000, 100000), 0);
	KUNIT_EXPECT_EQ(test, ks_guard_check(KS_GUARD_OFF, 100000), 0);
	KUNIT_EXPECT_EQ(test, ks_guard_check(100000, 100000), 0);
	KUNIT_EXPECT_EQ(test, ks_guard_check(1000, 10000), 0);
	KUNIT_EXPECT_EQ(test, ks_guard_check(999, 10000), -ERANGE);
	KUNIT_EXPECT_EQ(test, ks_guard_check(0, 10000), -ERANGE);
	KUNIT_EXPECT_EQ(test, ks_guard_check(-2, 10000), -ERANGE);
	KUNIT_EXPECT_EQ(test, ks_guard_check(20000, 10000), -ERANGE);
	KUNIT_EXPECT_EQ(test, ks_guard_check(1000, 9999), -ERANGE);
	KUNIT_EXPECT_EQ(test, ks_guard_check(1000, 10000001), -ERANGE);
	KUNIT_EXPECT_EQ(test, ks_guard_tick_ns(100000), 5 * MS);
	KUNIT_EXPECT_EQ(test, ks_guard_tick_ns(10000), 1 * MS);
}

static struct kunit_case schedpol_cases[] = {
	KUNIT_CASE_PARAM(field_table, field_gen_params),
	KUNIT_CASE_PARAM(resolve_table, resolve_gen_params),
	KUNIT_CASE(resolve_null_levels),
	KUNIT_CASE(demoted_class),
	KUNIT_CASE_PARAM(match_table, match_gen_params),
	KUNIT_CASE(cfg_merge),
	KUNIT_CASE(pack_roundtrip),
	KUNIT_CASE(policy_kernel_names),
	KUNIT_CASE(guard_spinner),
	KUNIT_CASE(guard_halter),
	KUNIT_CASE(guard_late_look),
	KUNIT_CASE(guard_lateness),
	KUNIT_CASE(guard_streak),
	KUNIT_CASE(guard_short_runtime),
	KUNIT_CASE(guard_whole_period),
	KUNIT_CASE(guard_off),
	KUNIT_CASE(guard_budget),
	{}
};

static struct kunit_suite schedpol_suite = {
	.name = "kvmsched_schedpol",
	.test_cases = schedpol_cases,
};

kunit_test_suite(schedpol_suite);
