// SPDX-License-Identifier: GPL-2.0
/* KUnit: statistics policy (a counter across source changes and resets). */
#include <kunit/test.h>

#include "statspol.c"

struct take_case {
	const char *why;
	struct ks_stat_acc before;
	u64 now;
	bool same;
	u64 sum;	/* after the reading */
};

static const struct take_case take_cases[] = {
	{ "first reading of a new source", { 0, 0 }, 500, false, 500 },
	{ "the source moved on", { 500, 500 }, 800, true, 800 },
	{ "the source stood still", { 800, 800 }, 800, true, 800 },
	{ "a new thread counts from its start", { 800, 900 }, 40, false, 940 },
	{ "a new thread that has not run yet", { 800, 900 }, 0, false, 900 },
	{ "a reset source counts from the reset", { 800, 900 }, 30, true, 930 },
	{ "a reset to zero adds nothing", { 800, 900 }, 0, true, 900 },
	{ "large values", { U64_MAX - 10, 7 }, U64_MAX, true, 17 },
};

static void take_case_desc(const struct take_case *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(take, take_cases, take_case_desc);

static void take_table(struct kunit *test)
{
	const struct take_case *c = test->param_value;
	struct ks_stat_acc acc = c->before;

	ks_stat_take(&acc, c->now, c->same);
	KUNIT_EXPECT_EQ(test, acc.sum, c->sum);
	KUNIT_EXPECT_EQ(test, acc.raw, c->now);
}

/* Whatever the sources do, the sum never goes backwards. */
static void take_never_backwards(struct kunit *test)
{
	static const struct { u64 now; bool same; } seq[] = {
		{ 100, false }, { 50, true }, { 60, true }, { 10, false },
		{ 5, true }, { 1000, true }, { 0, false }, { 0, true },
	};
	struct ks_stat_acc acc = { };
	u64 last = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(seq); i++) {
		ks_stat_take(&acc, seq[i].now, seq[i].same);
		KUNIT_EXPECT_GE(test, acc.sum, last);
		last = acc.sum;
	}
	/* 100, then 50 + 10 after the reset, 10 + 5 + 995, 0. */
	KUNIT_EXPECT_EQ(test, acc.sum, 100 + 50 + 10 + 10 + 5 + 995);
}

/* A set's sum: members leaving is no reset, members joining count. */
static void take_sum_members(struct kunit *test)
{
	struct ks_stat_acc acc = { };

	ks_stat_take_sum(&acc, 1000);		/* A 600 + B 400 */
	KUNIT_EXPECT_EQ(test, acc.sum, 1000);
	ks_stat_take_sum(&acc, 500);		/* A left, B at 500 */
	KUNIT_EXPECT_EQ(test, acc.sum, 1000);
	ks_stat_take_sum(&acc, 650);		/* B at 650 */
	KUNIT_EXPECT_EQ(test, acc.sum, 1150);
	ks_stat_take_sum(&acc, 750);		/* C joins with 100 */
	KUNIT_EXPECT_EQ(test, acc.sum, 1250);
	ks_stat_take_sum(&acc, 750);
	KUNIT_EXPECT_EQ(test, acc.sum, 1250);
}

static struct kunit_case statspol_cases[] = {
	KUNIT_CASE_PARAM(take_table, take_gen_params),
	KUNIT_CASE(take_never_backwards),
	KUNIT_CASE(take_sum_members),
	{}
};

static struct kunit_suite statspol_suite = {
	.name = "kvmsched_statspol",
	.test_cases = statspol_cases,
};

kunit_test_suite(statspol_suite);
