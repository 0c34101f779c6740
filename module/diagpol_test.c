// SPDX-License-Identifier: GPL-2.0
/* KUnit: diagnosis policy (the window ring, the percentages, top_cause). */
#include <kunit/test.h>

#include "diagpol.c"

#define MS	1000000ULL

/* A ring of two samples 1 s apart whose counters grew by @d (in ms). */
static void ring_of(struct ks_diag_ring *r, const u64 *d)
{
	struct ks_diag_sample s = { .t_ns = 5000 * MS };
	int c;

	*r = (struct ks_diag_ring){ };
	for (c = 0; c < KS_DG_NR; c++)
		s.v[c] = 1000 * MS;
	ks_diag_push(r, &s);
	s.t_ns += 1000 * MS;
	for (c = 0; c < KS_DG_NR; c++)
		s.v[c] += d[c] * MS;
	ks_diag_push(r, &s);
}

struct cause_case {
	const char *why;
	u64 d[KS_DG_NR];	/* runtime, guest, poll, delay, emulator: ms */
	u32 cpu, guest, poll, exit, emulator, steal;
	enum ks_diag_cause cause;
};

static const struct cause_case cause_cases[] = {
	{ "a spinning guest", { 1000, 980, 0, 0, 10 },
	  101, 98, 0, 2, 1, 0, KS_CAUSE_GUEST },
	{ "a halting guest that polls", { 900, 40, 800, 0, 5 },
	  91, 4, 80, 6, 1, 0, KS_CAUSE_HALT_POLL },
	{ "a port-I/O loop", { 1000, 200, 0, 0, 300 },
	  130, 20, 0, 80, 30, 0, KS_CAUSE_EXITS },
	{ "a busy VMM thread, an idle guest", { 10, 0, 0, 0, 990 },
	  100, 0, 0, 1, 99, 0, KS_CAUSE_EMULATOR },
	{ "two busy VMs on one CPU", { 500, 490, 0, 500, 0 },
	  50, 49, 0, 1, 0, 50, KS_CAUSE_CONTENTION },
	{ "contention beats idle", { 10, 10, 0, 300, 0 },
	  1, 1, 0, 0, 0, 30, KS_CAUSE_CONTENTION },
	{ "a halted guest, polling off", { 2, 1, 0, 0, 20 },
	  2, 0, 0, 0, 2, 0, KS_CAUSE_IDLE },
	{ "idle just under the mark", { 170, 20, 0, 10, 24 },
	  19, 2, 0, 15, 2, 1, KS_CAUSE_IDLE },
	{ "at the mark, not idle", { 180, 60, 0, 0, 20 },
	  20, 6, 0, 12, 2, 0, KS_CAUSE_EXITS },
	{ "steal just under the mark", { 600, 590, 0, 194, 0 },
	  60, 59, 0, 1, 0, 19, KS_CAUSE_GUEST },
	{ "a tie goes to the guest", { 400, 200, 0, 0, 0 },
	  40, 20, 0, 20, 0, 0, KS_CAUSE_GUEST },
	{ "tick-sampled guest time beyond the runtime", { 200, 208, 0, 0, 0 },
	  20, 20, 0, 0, 0, 0, KS_CAUSE_GUEST },
	{ "four vCPUs spinning", { 4000, 3990, 0, 0, 10 },
	  401, 399, 0, 1, 1, 0, KS_CAUSE_GUEST },
};

static void cause_case_desc(const struct cause_case *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cause, cause_cases, cause_case_desc);

static void cause_table(struct kunit *test)
{
	const struct cause_case *c = test->param_value;
	struct ks_diag_ring r;
	struct ks_diag d;

	ring_of(&r, c->d);
	KUNIT_ASSERT_EQ(test, ks_diag_compute(&r, &d), 0);
	KUNIT_EXPECT_EQ(test, d.window_ms, 1000);
	KUNIT_EXPECT_EQ(test, d.cpu_pct, c->cpu);
	KUNIT_EXPECT_EQ(test, d.guest_pct, c->guest);
	KUNIT_EXPECT_EQ(test, d.halt_poll_pct, c->poll);
	KUNIT_EXPECT_EQ(test, d.exit_pct, c->exit);
	KUNIT_EXPECT_EQ(test, d.emulator_pct, c->emulator);
	KUNIT_EXPECT_EQ(test, d.steal_pct, c->steal);
	KUNIT_EXPECT_STREQ(test, ks_diag_cause_name(d.top_cause),
			   ks_diag_cause_name(c->cause));
}

/* Under two samples, or none apart in time, there is no window. */
static void no_window(struct kunit *test)
{
	struct ks_diag_sample s = { .t_ns = 7 };
	struct ks_diag_ring r = { };
	struct ks_diag d;

	KUNIT_EXPECT_EQ(test, ks_diag_compute(&r, &d), -EAGAIN);
	ks_diag_push(&r, &s);
	KUNIT_EXPECT_EQ(test, ks_diag_compute(&r, &d), -EAGAIN);
	ks_diag_push(&r, &s);
	KUNIT_EXPECT_EQ(test, ks_diag_compute(&r, &d), -EAGAIN);
}

/*
 * Past KS_DIAG_SLOTS + 1 samples the oldest go: the window is the last
 * KS_DIAG_SLOTS intervals, and what happened before it is not counted.
 */
static void ring_slides(struct kunit *test)
{
	struct ks_diag_sample s = { };
	struct ks_diag_ring r = { };
	struct ks_diag d;
	int i;

	for (i = 0; i < 3 * KS_DIAG_SLOTS; i++) {
		s.t_ns = i * 100 * MS;
		/* Busy for the first 10 intervals, then idle. */
		if (i < KS_DIAG_SLOTS)
			s.v[KS_DG_RUNTIME] += 100 * MS;
		ks_diag_push(&r, &s);
		KUNIT_EXPECT_LE(test, r.nr, KS_DIAG_SLOTS + 1);
	}
	KUNIT_ASSERT_EQ(test, ks_diag_compute(&r, &d), 0);
	KUNIT_EXPECT_EQ(test, d.window_ms, KS_DIAG_SLOTS * 100);
	KUNIT_EXPECT_EQ(test, d.cpu_pct, 0);
	KUNIT_EXPECT_EQ(test, d.top_cause, KS_CAUSE_IDLE);
}

/* A counter that steps back (a VM's vCPU gone) reads as no time. */
static void step_back_is_zero(struct kunit *test)
{
	static const u64 zero[KS_DG_NR];
	struct ks_diag_ring r;
	struct ks_diag d;

	ring_of(&r, zero);
	r.s[1].v[KS_DG_RUNTIME] = 0;
	KUNIT_ASSERT_EQ(test, ks_diag_compute(&r, &d), 0);
	KUNIT_EXPECT_EQ(test, d.cpu_pct, 0);
	KUNIT_EXPECT_EQ(test, d.exit_pct, 0);
}

static struct kunit_case diagpol_cases[] = {
	KUNIT_CASE_PARAM(cause_table, cause_gen_params),
	KUNIT_CASE(no_window),
	KUNIT_CASE(ring_slides),
	KUNIT_CASE(step_back_is_zero),
	{}
};

static struct kunit_suite diagpol_suite = {
	.name = "kvmsched_diagpol",
	.test_cases = diagpol_cases,
};

kunit_test_suite(diagpol_suite);
