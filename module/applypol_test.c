// SPDX-License-Identifier: GPL-2.0
/* KUnit: the words of an apply write. */
#include <kunit/test.h>

#include "applypol.c"

struct parse_case {
	const char *in;
	int n;				/* items, or -EINVAL */
	enum ks_apply_why why;		/* when rejected */
	const char *at;			/* the word rejected */
	struct { enum ks_apply_key key; int vcpu; const char *value; } it[3];
};

static const struct parse_case parse_cases[] = {
	{ "cpus=2-3\n", 1, 0, NULL, { { KS_AK_CPUS, -1, "2-3" } } },
	{ "cpus=2-3 sched_policy=fifo sched_priority=10", 3, 0, NULL,
	  { { KS_AK_CPUS, -1, "2-3" }, { KS_AK_SCHED_POLICY, -1, "fifo" },
	    { KS_AK_SCHED_PRIORITY, -1, "10" } } },
	/* Newlines and tabs separate as blanks do; an empty value clears. */
	{ "\tcpus=\n\nnice=-5\t\n", 2, 0, NULL,
	  { { KS_AK_CPUS, -1, "" }, { KS_AK_NICE, -1, "-5" } } },
	{ "vcpu.0.cpus=1 vcpu.12.nice=3 cpus=0-3", 3, 0, NULL,
	  { { KS_AK_CPUS, 0, "1" }, { KS_AK_NICE, 12, "3" },
	    { KS_AK_CPUS, -1, "0-3" } } },
	/* The same file of two vCPUs, or of a vCPU and the VM, is two files. */
	{ "vcpu.1.cpus=1 vcpu.2.cpus=2", 2, 0, NULL,
	  { { KS_AK_CPUS, 1, "1" }, { KS_AK_CPUS, 2, "2" } } },
	/* Only the first '=' splits: the value is the file's to judge. */
	{ "numa_mode=a=b", 1, 0, NULL, { { KS_AK_NUMA_MODE, -1, "a=b" } } },
	{ "emulator_sched_priority=1 halt_poll_ns= irq_cpus=vcpus", 3, 0, NULL,
	  { { KS_AK_EMULATOR_SCHED_PRIORITY, -1, "1" },
	    { KS_AK_HALT_POLL_NS, -1, "" }, { KS_AK_IRQ_CPUS, -1, "vcpus" } } },
	{ "", -EINVAL, KS_AW_EMPTY, "" },
	{ "\t\n\t\n", -EINVAL, KS_AW_EMPTY, "" },
	{ "cpus", -EINVAL, KS_AW_SYNTAX, "cpus" },
	{ "cpus vcpu.0.cpus=1", -EINVAL, KS_AW_SYNTAX, "cpus" },
	{ "=3", -EINVAL, KS_AW_SYNTAX, "=3" },
	{ "cpus=1 nice = 3", -EINVAL, KS_AW_SYNTAX, "nice" },
	{ "CPUS=1", -EINVAL, KS_AW_KEY, "CPUS=1" },
	{ "cpus=1 tid=4", -EINVAL, KS_AW_KEY, "tid=4" },
	{ "apply=cpus=1", -EINVAL, KS_AW_KEY, "apply=cpus=1" },
	{ "vcpu.0.emulator_cpus=1", -EINVAL, KS_AW_VCPU_KEY,
	  "vcpu.0.emulator_cpus=1" },
	{ "vcpu.0.halt_poll_ns=0", -EINVAL, KS_AW_VCPU_KEY,
	  "vcpu.0.halt_poll_ns=0" },
	{ "vcpu.01.cpus=1", -EINVAL, KS_AW_KEY, "vcpu.01.cpus=1" },
	{ "vcpu.-1.cpus=1", -EINVAL, KS_AW_KEY, "vcpu.-1.cpus=1" },
	{ "vcpu..cpus=1", -EINVAL, KS_AW_KEY, "vcpu..cpus=1" },
	{ "vcpu.0cpus=1", -EINVAL, KS_AW_KEY, "vcpu.0cpus=1" },
	{ "vcpu.99999999999.cpus=1", -EINVAL, KS_AW_KEY,
	  "vcpu.99999999999.cpus=1" },
	{ "vcpu.0.vcpu.0.cpus=1", -EINVAL, KS_AW_KEY, "vcpu.0.vcpu.0.cpus=1" },
	{ "cpus=1 cpus=2", -EINVAL, KS_AW_TWICE, "cpus=2" },
	{ "vcpu.3.nice=1 nice=0 vcpu.3.nice=2", -EINVAL, KS_AW_TWICE,
	  "vcpu.3.nice=2" },
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->in);
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

static void parse_table(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	struct ks_apply_item *items;
	enum ks_apply_why why = 0;
	const char *at = NULL;
	char buf[128];
	int n, i;

	items = kunit_kcalloc(test, KS_APPLY_MAX_ITEMS, sizeof(*items),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, items);
	strscpy(buf, c->in, sizeof(buf));
	n = ks_apply_parse(buf, items, &why, &at);
	KUNIT_ASSERT_EQ(test, n, c->n);
	if (n < 0) {
		KUNIT_EXPECT_EQ(test, why, c->why);
		KUNIT_EXPECT_STREQ(test, at, c->at);
		return;
	}
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, items[i].key, c->it[i].key);
		KUNIT_EXPECT_EQ(test, items[i].vcpu, c->it[i].vcpu);
		KUNIT_EXPECT_STREQ(test, items[i].value, c->it[i].value);
	}
}

/* KS_APPLY_MAX_ITEMS settings are taken; one more is not. */
static void parse_limit(struct kunit *test)
{
	struct ks_apply_item *items;
	enum ks_apply_why why = 0;
	const char *at = NULL;
	size_t size = (KS_APPLY_MAX_ITEMS + 1) * 24;
	char *buf;
	int i, len = 0;

	items = kunit_kcalloc(test, KS_APPLY_MAX_ITEMS, sizeof(*items),
			      GFP_KERNEL);
	buf = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, items);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < KS_APPLY_MAX_ITEMS; i++)
		len += scnprintf(buf + len, size - len, "vcpu.%d.nice=1 ", i);
	KUNIT_EXPECT_EQ(test, ks_apply_parse(buf, items, &why, &at),
			KS_APPLY_MAX_ITEMS);
	KUNIT_EXPECT_EQ(test, items[KS_APPLY_MAX_ITEMS - 1].vcpu,
			KS_APPLY_MAX_ITEMS - 1);

	len = 0;
	for (i = 0; i <= KS_APPLY_MAX_ITEMS; i++)
		len += scnprintf(buf + len, size - len, "vcpu.%d.nice=1 ", i);
	KUNIT_EXPECT_EQ(test, ks_apply_parse(buf, items, &why, &at), -EINVAL);
	KUNIT_EXPECT_EQ(test, why, KS_AW_TOO_MANY);
}

/* Every key names a file, and names differ. */
static void key_names(struct kunit *test)
{
	int a, b;

	for (a = 0; a < KS_NR_APPLY_KEYS; a++) {
		KUNIT_ASSERT_NOT_NULL(test, ks_apply_key_name(a));
		for (b = 0; b < a; b++)
			KUNIT_EXPECT_STRNEQ(test, ks_apply_key_name(a),
					    ks_apply_key_name(b));
	}
}

static struct kunit_case applypol_cases[] = {
	KUNIT_CASE_PARAM(parse_table, parse_gen_params),
	KUNIT_CASE(parse_limit),
	KUNIT_CASE(key_names),
	{}
};

static struct kunit_suite applypol_suite = {
	.name = "kvmsched_applypol",
	.test_cases = applypol_cases,
};

kunit_test_suite(applypol_suite);
