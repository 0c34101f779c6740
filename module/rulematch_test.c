// SPDX-License-Identifier: GPL-2.0
/* KUnit: rule names, match lines and the precedence between rules. */
#include <kunit/test.h>

#include "rulematch.c"

struct name_case {
	const char *in;
	int err;
};

static const struct name_case name_cases[] = {
	{ "a", 0 },
	{ "vm-1_web.2", 0 },
	{ "0123456789012345678901234567890", 0 },	/* 31 */
	{ "01234567890123456789012345678901", -EINVAL },	/* 32 */
	{ "", -EINVAL },
	{ ".hidden", -EINVAL },
	{ "a/b", -EINVAL },
	{ "a b", -EINVAL },
	{ "caf\xc3\xa9", -EINVAL },
};

static void name_desc(const struct name_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->in);
}

KUNIT_ARRAY_PARAM(name, name_cases, name_desc);

static void name_table(struct kunit *test)
{
	const struct name_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, ks_rule_name_check(c->in, strlen(c->in)), c->err);
}

struct match_case {
	const char *in;
	int err;
	enum ks_match_kind kind;
	int pid;
	const char *arg;
	bool later;
};

static const struct match_case match_cases[] = {
	{ "", 0, KS_MATCH_NONE },
	{ "\n", 0, KS_MATCH_NONE },
	{ "pid 1\n", 0, KS_MATCH_PID, 1, "1" },
	{ "pid 4194304", 0, KS_MATCH_PID, PID_MAX_LIMIT, "4194304" },
	{ "pid 4194305", -ERANGE },
	{ "pid 0", -ERANGE },
	{ "pid -3", -ERANGE },
	{ "pid 99999999999", -ERANGE },
	{ "pid 12x", -EINVAL },
	{ "pid ", -EINVAL },
	{ "pid", -EINVAL },
	{ "comm qemu-system-x86\n", 0, KS_MATCH_COMM, 0, "qemu-system-x86" },
	{ "comm CPU 0/KVM", 0, KS_MATCH_COMM, 0, "CPU 0/KVM" },
	{ "comm 0123456789abcdef", -ERANGE },
	{ "cgroup /machine.slice/vm1\n", 0, KS_MATCH_CGROUP, 0,
	  "/machine.slice/vm1" },
	{ "cgroup machine.slice", -EINVAL },
	{ "cgroup_path /machine.slice/machine-qemu\\x2d5\\x2dvm1.scope\n", 0,
	  KS_MATCH_CGROUP, 0, "/machine.slice/machine-qemu\\x2d5\\x2dvm1.scope",
	  true },
	{ "cgroup_path machine.slice", -EINVAL },
	{ "cgroup_path", -EINVAL },
	{ "cgroup_pat /a", -EINVAL },
	{ "uid 0", -EINVAL },
	{ "PID 1", -EINVAL },
	{ "pid 1\nx", -EINVAL },
};

static void match_desc(const struct match_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%.*s\"",
		 (int)strcspn(c->in, "\n"), c->in);
}

KUNIT_ARRAY_PARAM(match, match_cases, match_desc);

static void match_table(struct kunit *test)
{
	const struct match_case *c = test->param_value;
	struct ks_match_spec spec;
	int err = ks_match_parse(c->in, strlen(c->in), &spec);

	KUNIT_ASSERT_EQ(test, err, c->err);
	if (err)
		return;
	KUNIT_EXPECT_EQ(test, spec.kind, c->kind);
	KUNIT_EXPECT_EQ(test, spec.later, c->later);
	if (c->kind == KS_MATCH_PID)
		KUNIT_EXPECT_EQ(test, spec.pid, c->pid);
	if (c->kind != KS_MATCH_NONE) {
		KUNIT_ASSERT_EQ(test, spec.len, strlen(c->arg));
		KUNIT_EXPECT_EQ(test, memcmp(spec.arg, c->arg, spec.len), 0);
	}
}

/* Each case: a beats b, and never the other way round. */
struct better_case {
	const char *why;
	struct ks_match_score a, b;
};

static const struct better_case better_cases[] = {
	{ "pid over cgroup", { KS_MATCH_PID, 0, "z" },
	  { KS_MATCH_CGROUP, 5, "a" } },
	{ "pid over comm", { KS_MATCH_PID, 0, "z" }, { KS_MATCH_COMM, 0, "a" } },
	{ "cgroup over comm", { KS_MATCH_CGROUP, 1, "z" },
	  { KS_MATCH_COMM, 0, "a" } },
	{ "deeper cgroup", { KS_MATCH_CGROUP, 3, "z" },
	  { KS_MATCH_CGROUP, 2, "a" } },
	{ "equal: name order", { KS_MATCH_COMM, 0, "a" },
	  { KS_MATCH_COMM, 0, "b" } },
	{ "equal pids: name order", { KS_MATCH_PID, 0, "rule1" },
	  { KS_MATCH_PID, 0, "rule2" } },
};

static void better_desc(const struct better_case *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(better, better_cases, better_desc);

static void better_table(struct kunit *test)
{
	const struct better_case *c = test->param_value;

	KUNIT_EXPECT_TRUE(test, ks_match_better(&c->a, &c->b));
	KUNIT_EXPECT_FALSE(test, ks_match_better(&c->b, &c->a));
}

static struct kunit_case rulematch_cases[] = {
	KUNIT_CASE_PARAM(name_table, name_gen_params),
	KUNIT_CASE_PARAM(match_table, match_gen_params),
	KUNIT_CASE_PARAM(better_table, better_gen_params),
	{}
};

static struct kunit_suite rulematch_suite = {
	.name = "kvmsched_rulematch",
	.test_cases = rulematch_cases,
};

kunit_test_suite(rulematch_suite);
