// SPDX-License-Identifier: GPL-2.0
/* KUnit: halt-polling policy (halt_poll_ns writes and state compares). */
#include <kunit/test.h>

#include "haltpollpol.c"

struct parse_case {
	const char *in;
	int err;
	struct ks_halt_cfg cfg;	/* when err is 0 */
};

static const struct parse_case parse_cases[] = {
	{ "\n", 0, { false, 0 } },
	{ "", 0, { false, 0 } },
	{ " \t\n", 0, { false, 0 } },
	{ "0\n", 0, { true, 0 } },
	{ "200000\n", 0, { true, 200000 } },
	{ "4294967295\n", 0, { true, U32_MAX } },
	{ "4294967296\n", -ERANGE },
	{ "99999999999999999999\n", -ERANGE },
	{ "-1\n", -EINVAL },
	{ "1e6\n", -EINVAL },
	{ "10 20\n", -EINVAL },
	{ "0x10\n", -EINVAL },
	{ "default\n", -EINVAL },
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%.*s\"",
		 (int)strcspn(c->in, "\n"), c->in);
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

/* A bad write leaves the setting as it was. */
static void parse_table(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	struct ks_halt_cfg cfg = { .set = true, .max_ns = 777 };

	KUNIT_EXPECT_EQ(test, ks_halt_parse(c->in, &cfg), c->err);
	if (c->err) {
		KUNIT_EXPECT_TRUE(test, cfg.set);
		KUNIT_EXPECT_EQ(test, cfg.max_ns, 777);
		return;
	}
	KUNIT_EXPECT_EQ(test, cfg.set, c->cfg.set);
	KUNIT_EXPECT_EQ(test, cfg.max_ns, c->cfg.max_ns);
}

static void target_follows_cfg(struct kunit *test)
{
	struct ks_halt_cfg unset = { }, zero = { true, 0 };
	struct ks_halt_state want = { false, 5 };

	KUNIT_EXPECT_FALSE(test, ks_halt_target(&unset, &want));
	KUNIT_EXPECT_TRUE(test, ks_halt_target(&zero, &want));
	KUNIT_EXPECT_TRUE(test, want.override);
	KUNIT_EXPECT_EQ(test, want.max_ns, 0);
}

struct same_case {
	const char *why;
	struct ks_halt_state a, b;
	bool same;
};

static const struct same_case same_cases[] = {
	{ "equal overrides", { true, 100 }, { true, 100 }, true },
	{ "overrides of other maxima", { true, 100 }, { true, 0 }, false },
	{ "an override against the default", { true, 100 }, { false, 100 }, false },
	{ "the default whatever the VM's max", { false, 100 }, { false, 7 }, true },
};

static void same_case_desc(const struct same_case *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(same, same_cases, same_case_desc);

static void same_table(struct kunit *test)
{
	const struct same_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, ks_halt_same(&c->a, &c->b), c->same);
	KUNIT_EXPECT_EQ(test, ks_halt_same(&c->b, &c->a), c->same);
}

static struct kunit_case haltpollpol_cases[] = {
	KUNIT_CASE_PARAM(parse_table, parse_gen_params),
	KUNIT_CASE(target_follows_cfg),
	KUNIT_CASE_PARAM(same_table, same_gen_params),
	{}
};

static struct kunit_suite haltpollpol_suite = {
	.name = "kvmsched_haltpollpol",
	.test_cases = haltpollpol_cases,
};

kunit_test_suite(haltpollpol_suite);
