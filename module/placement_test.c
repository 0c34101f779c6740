// SPDX-License-Identifier: GPL-2.0
/* KUnit: placement policy (parsing and the target-mask decision). */
#include <kunit/test.h>
#include <linux/slab.h>

#include "placement.c"

static struct cpumask *mask_alloc(struct kunit *test)
{
	struct cpumask *m = kunit_kzalloc(test, cpumask_size(), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	return m;
}

/*
 * A mask given as bits, CPU 0 the lowest; bits of CPUs beyond nr_cpu_ids
 * are dropped (no cpumask operation may touch them).
 */
static struct cpumask *mask_of(struct kunit *test, unsigned long bits)
{
	struct cpumask *m = mask_alloc(test);
	unsigned int cpu;

	for (cpu = 0; cpu < min_t(unsigned int, nr_cpu_ids, BITS_PER_LONG); cpu++)
		if (bits & BIT(cpu))
			cpumask_set_cpu(cpu, m);
	return m;
}

static unsigned long bits_of(const struct cpumask *m)
{
	return cpumask_bits(m)[0];
}

struct parse_case {
	const char *in;
	int err;
	unsigned long want;	/* with every possible CPU online */
};

static const struct parse_case parse_cases[] = {
	{ "", 0, 0 },
	{ "\n", 0, 0 },
	{ "0", 0, 0x1 },
	{ "0\n", 0, 0x1 },
	{ "  1,3\n", 0, 0xa },
	{ "0-3", 0, 0xf },
	{ "0-3:2/4", 0, 0x3 },
	{ "1,", 0, 0x2 },
	{ "abc", -EINVAL, 0 },
	{ "0-", -EINVAL, 0 },
	{ "3-1", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "1 2", 0, 0x6 },	/* the kernel's cpulists take spaces too */
	{ "0x1", -EINVAL, 0 },
	{ "99999", -ERANGE, 0 },
	{ "0-99999", -ERANGE, 0 },
	{ "18446744073709551616", -ERANGE, 0 },
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->in);
	strreplace(desc, '\n', ' ');
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

static void parse_table(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	struct cpumask *out = mask_alloc(test);

	KUNIT_EXPECT_EQ(test, ks_cpulist_parse(c->in, cpu_possible_mask, out),
			c->err);
	if (!c->err)
		KUNIT_EXPECT_EQ(test, bits_of(out), c->want);
}

static void parse_boundaries(struct kunit *test)
{
	struct cpumask *out = mask_alloc(test);
	unsigned int last = nr_cpu_ids - 1;
	char s[32];

	snprintf(s, sizeof(s), "%u", last);
	KUNIT_EXPECT_EQ(test, ks_cpulist_parse(s, cpu_possible_mask, out), 0);
	KUNIT_EXPECT_TRUE(test, cpumask_test_cpu(last, out));
	KUNIT_EXPECT_EQ(test, cpumask_weight(out), 1);

	snprintf(s, sizeof(s), "%u", nr_cpu_ids);
	KUNIT_EXPECT_EQ(test, ks_cpulist_parse(s, cpu_possible_mask, out),
			-ERANGE);

	snprintf(s, sizeof(s), "0-%u", last);
	KUNIT_EXPECT_EQ(test, ks_cpulist_parse(s, cpu_possible_mask, out), 0);
	KUNIT_EXPECT_TRUE(test, cpumask_equal(out, cpu_possible_mask));

	/* As long as the kernel allows: fine only if that many CPUs exist. */
	snprintf(s, sizeof(s), "0-%u", CONFIG_NR_CPUS - 1);
	KUNIT_EXPECT_EQ(test, ks_cpulist_parse(s, cpu_possible_mask, out),
			nr_cpu_ids == CONFIG_NR_CPUS ? 0 : -ERANGE);
}

static void parse_offline(struct kunit *test)
{
	struct cpumask *online = mask_of(test, 0x1), *out = mask_alloc(test);

	if (nr_cpu_ids < 2)
		kunit_skip(test, "needs 2 CPUs");
	KUNIT_EXPECT_EQ(test, ks_cpulist_parse("1", online, out), -ENODEV);
	KUNIT_EXPECT_EQ(test, ks_cpulist_parse("0-1", online, out), -ENODEV);
	KUNIT_EXPECT_EQ(test, ks_cpulist_parse("0", online, out), 0);
	KUNIT_EXPECT_EQ(test, ks_cpulist_parse("", mask_of(test, 0), out), 0);
}

struct decide_case {
	const char *name;
	unsigned long own, vm, online;
	enum ks_place place;
	unsigned long target;
	unsigned long node;	/* the NUMA span's CPUs; 0: no NUMA policy */
};

static const struct decide_case decide_cases[] = {
	{ "no policy", 0x0, 0x0, 0xf, KS_PLACE_FREE, 0x0 },
	{ "VM cpus", 0x0, 0x3, 0xf, KS_PLACE_VM, 0x3 },
	{ "own cpus override the VM's", 0x4, 0x3, 0xf, KS_PLACE_OWN, 0x4 },
	{ "own cpus wider than the VM's", 0xf, 0x1, 0xf, KS_PLACE_OWN, 0xf },
	{ "own cpus partly offline", 0x6, 0x3, 0xb, KS_PLACE_OWN, 0x2 },
	{ "own cpus offline: VM's", 0x4, 0x3, 0xb, KS_PLACE_FALLBACK_VM, 0x3 },
	{ "own and VM cpus offline", 0x4, 0x3, 0x8, KS_PLACE_FALLBACK_ANY,
	  0x8 },
	{ "VM cpus offline", 0x0, 0x3, 0xc, KS_PLACE_FALLBACK_ANY, 0xc },
	{ "own cpus offline, no VM cpus", 0x4, 0x0, 0xb,
	  KS_PLACE_FALLBACK_ANY, 0xb },
	{ "CPU 0 only", 0x1, 0x0, 0xf, KS_PLACE_OWN, 0x1 },
	{ "last CPU only", 0x8, 0x0, 0xf, KS_PLACE_OWN, 0x8 },
	{ "nothing online", 0x1, 0x1, 0x0, KS_PLACE_FREE, 0x0 },
	{ "node only", 0x0, 0x0, 0xf, KS_PLACE_NODE, 0xc, 0xc },
	{ "VM cpus within the node", 0x0, 0x6, 0xf, KS_PLACE_NODE, 0x4, 0xc },
	{ "own cpus beat the node", 0x1, 0x0, 0xf, KS_PLACE_OWN, 0x1, 0xc },
	{ "own cpus offline: node", 0x1, 0x0, 0xe, KS_PLACE_FALLBACK_VM, 0xc,
	  0xc },
	{ "VM cpus offline: the node's", 0x0, 0x4, 0xb, KS_PLACE_NODE, 0x8,
	  0xc },
	{ "VM cpus off the node: the node's", 0x0, 0x3, 0xf, KS_PLACE_NODE,
	  0xc, 0xc },
	{ "node offline: VM cpus", 0x0, 0x3, 0x3, KS_PLACE_VM, 0x3, 0xc },
	{ "all offline: any", 0x0, 0x2, 0x1, KS_PLACE_FALLBACK_ANY, 0x1, 0xc },
	{ "node partly offline", 0x0, 0x0, 0x7, KS_PLACE_NODE, 0x4, 0xc },
};

static void decide_case_desc(const struct decide_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(decide, decide_cases, decide_case_desc);

static void decide_table(struct kunit *test)
{
	const struct decide_case *c = test->param_value;
	struct cpumask *target = mask_of(test, 0xff);

	if (nr_cpu_ids < 4)
		kunit_skip(test, "needs 4 CPUs");
	KUNIT_EXPECT_EQ(test, ks_place_decide(mask_of(test, c->own),
					      mask_of(test, c->vm),
					      mask_of(test, c->node),
					      mask_of(test, c->online),
					      target), c->place);
	KUNIT_EXPECT_EQ(test, bits_of(target), c->target);
}

struct violated_case {
	const char *why;
	unsigned long target, allowed;
	int cpu;
	bool violated;
};

static const struct violated_case violated_cases[] = {
	{ "on target, mask equal", 0xc, 0xc, 2, false },
	{ "on target, mask a subset (6.2+ user mask)", 0xc, 0x4, 2, false },
	{ "CPU outside target", 0xc, 0xc, 1, true },
	{ "mask wider than target", 0xc, 0xf, 3, true },
	{ "mask disjoint from target", 0xc, 0x1, 0, true },
};

static void violated_desc(const struct violated_case *c, char *desc)
{
	strscpy(desc, c->why, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(violated, violated_cases, violated_desc);

static void violated_table(struct kunit *test)
{
	const struct violated_case *c = test->param_value;

	if (nr_cpu_ids < 4)
		kunit_skip(test, "needs 4 possible CPUs");
	KUNIT_EXPECT_EQ(test, ks_place_violated(mask_of(test, c->target),
						mask_of(test, c->allowed),
						c->cpu), c->violated);
}

static void place_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, ks_place_name(KS_PLACE_FREE), "free");
	KUNIT_EXPECT_STREQ(test, ks_place_name(KS_PLACE_OWN), "own");
	KUNIT_EXPECT_STREQ(test, ks_place_name(KS_PLACE_VM), "vm");
	KUNIT_EXPECT_STREQ(test, ks_place_name(KS_PLACE_FALLBACK_VM),
			   "fallback_vm");
	KUNIT_EXPECT_STREQ(test, ks_place_name(KS_PLACE_FALLBACK_ANY),
			   "fallback_any");
	KUNIT_EXPECT_STREQ(test, ks_place_name(KS_PLACE_FALLBACK_ANY + 1), "?");
}

static struct kunit_case placement_cases[] = {
	KUNIT_CASE_PARAM(parse_table, parse_gen_params),
	KUNIT_CASE(parse_boundaries),
	KUNIT_CASE(parse_offline),
	KUNIT_CASE_PARAM(decide_table, decide_gen_params),
	KUNIT_CASE_PARAM(violated_table, violated_gen_params),
	KUNIT_CASE(place_names),
	{}
};

static struct kunit_suite placement_suite = {
	.name = "kvmsched_placement",
	.test_cases = placement_cases,
};

kunit_test_suite(placement_suite);
