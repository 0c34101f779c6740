// SPDX-License-Identifier: GPL-2.0
/* KUnit: interrupt-steering policy (MSI decoding, targets, back-off). */
#include <kunit/test.h>

#include "irqpol.c"

/* vCPU ids as VMMs give them, and one gap (id 2 is not a vCPU). */
static const int ids[] = { 0, 1, 3, 255 };

struct msi_case {
	const char *name;
	u32 lo, hi, data;
	bool x2apic_format;
	int want;
};

#define MSI_LO(dest)	(0xfee00000 | ((dest) << 12))

static const struct msi_case msi_cases[] = {
	{ "physical, fixed, vCPU 1", MSI_LO(1), 0, 0x30, false, 1 },
	{ "physical, lowest priority", MSI_LO(3), 0, 0x130, false, 3 },
	{ "no such vCPU", MSI_LO(2), 0, 0x30, false, -1 },
	{ "xAPIC broadcast", MSI_LO(0xff), 0, 0x30, false, -1 },
	{ "x2APIC format: 255 is an id", MSI_LO(0xff), 0, 0x30, true, 255 },
	{ "x2APIC format: high bits", MSI_LO(1), 0x100, 0x30, true, -1 },
	{ "x2APIC broadcast", MSI_LO(0xff), 0xffffff00, 0x30, true, -1 },
	{ "high bits ignored without x2APIC format", MSI_LO(1), 0x100, 0x30,
	  false, 1 },
	{ "logical destination", MSI_LO(1) | 4, 0, 0x30, false, -1 },
	{ "NMI delivery", MSI_LO(1), 0, 0x430, false, -1 },
	{ "SMI delivery", MSI_LO(1), 0, 0x230, false, -1 },
	{ "not an MSI address", 0xfed00000 | (1 << 12), 0, 0x30, false, -1 },
	{ "redirection hint is still one vCPU", MSI_LO(0) | 8, 0, 0x130,
	  false, 0 },
};

static void msi_case_desc(const struct msi_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(msi, msi_cases, msi_case_desc);

static void msi_table(struct kunit *test)
{
	const struct msi_case *c = test->param_value;
	struct ks_msi_route r = { c->lo, c->hi, c->data };

	KUNIT_EXPECT_EQ(test, ks_msi_target_vcpu(&r, c->x2apic_format, ids,
						 ARRAY_SIZE(ids)), c->want);
}

/* Two vCPUs with the same id cannot both be the one. */
static void msi_ambiguous(struct kunit *test)
{
	static const int twice[] = { 1, 1 };
	struct ks_msi_route r = { MSI_LO(1), 0, 0x30 };

	KUNIT_EXPECT_EQ(test, ks_msi_target_vcpu(&r, false, twice, 2), -1);
	KUNIT_EXPECT_EQ(test, ks_msi_target_vcpu(&r, false, twice, 0), -1);
}

static struct cpumask *irq_mask(struct kunit *test, unsigned long bits)
{
	struct cpumask *m = kunit_kzalloc(test, cpumask_size(), GFP_KERNEL);
	unsigned int cpu;

	KUNIT_ASSERT_NOT_NULL(test, m);
	for (cpu = 0; cpu < min_t(unsigned int, nr_cpu_ids, BITS_PER_LONG); cpu++)
		if (bits & BIT(cpu))
			cpumask_set_cpu(cpu, m);
	return m;
}

struct decide_case {
	const char *name;
	enum ks_irq_mode mode;
	unsigned long list, vcpu, vcpus, emulator, home, online;
	enum ks_irq_decision want;
	unsigned long target;
};

static const struct decide_case decide_cases[] = {
	{ "no policy", KS_IRQ_UNSET, 0, 0x1, 0x3, 0x4, 0, 0xf, KS_IRQ_FREE, 0 },
	{ "unset: the home node", KS_IRQ_UNSET, 0, 0x1, 0x3, 0, 0xc, 0xf,
	  KS_IRQ_STEER, 0xc },
	{ "list", KS_IRQ_LIST, 0x6, 0x1, 0, 0, 0xc, 0xf, KS_IRQ_STEER, 0x6 },
	{ "list, partly offline", KS_IRQ_LIST, 0x6, 0, 0, 0, 0, 0xb,
	  KS_IRQ_STEER, 0x2 },
	{ "list, all offline: held", KS_IRQ_LIST, 0x6, 0, 0, 0, 0, 0x9,
	  KS_IRQ_HOLD, 0 },
	{ "follow: its vCPU", KS_IRQ_FOLLOW, 0, 0x2, 0x3, 0, 0xc, 0xf,
	  KS_IRQ_STEER, 0x2 },
	{ "follow: no target vCPU, all vCPUs", KS_IRQ_FOLLOW, 0, 0, 0x3, 0,
	  0xc, 0xf, KS_IRQ_STEER, 0x3 },
	{ "follow: no placement, the home node", KS_IRQ_FOLLOW, 0, 0, 0, 0,
	  0xc, 0xf, KS_IRQ_STEER, 0xc },
	{ "follow: nothing to follow", KS_IRQ_FOLLOW, 0, 0, 0, 0x1, 0, 0xf,
	  KS_IRQ_FREE, 0 },
	{ "follow: its vCPU's CPUs offline", KS_IRQ_FOLLOW, 0, 0x2, 0x3, 0, 0,
	  0xd, KS_IRQ_HOLD, 0 },
	{ "emulator", KS_IRQ_EMULATOR, 0, 0x2, 0x3, 0x8, 0, 0xf,
	  KS_IRQ_STEER, 0x8 },
	{ "emulator without emulator CPUs", KS_IRQ_EMULATOR, 0, 0x2, 0x3, 0,
	  0xc, 0xf, KS_IRQ_FREE, 0 },
};

static void decide_case_desc(const struct decide_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(decide, decide_cases, decide_case_desc);

static void decide_table(struct kunit *test)
{
	const struct decide_case *c = test->param_value;
	struct cpumask *target = irq_mask(test, 0xff);
	struct ks_irq_in in = {
		.mode = c->mode,
		.list = irq_mask(test, c->list),
		.vcpu = irq_mask(test, c->vcpu),
		.vcpus = irq_mask(test, c->vcpus),
		.emulator = irq_mask(test, c->emulator),
		.home = irq_mask(test, c->home),
		.online = irq_mask(test, c->online),
	};

	if (nr_cpu_ids < 4)
		kunit_skip(test, "needs 4 possible CPUs");
	KUNIT_EXPECT_EQ(test, ks_irq_decide(&in, target), c->want);
	if (c->want == KS_IRQ_STEER)
		KUNIT_EXPECT_EQ(test, cpumask_bits(target)[0], c->target);
}

struct parse_case {
	const char *in;
	int err;
	enum ks_irq_mode mode;
	unsigned long list;
};

static const struct parse_case irq_parse_cases[] = {
	{ "", 0, KS_IRQ_UNSET },
	{ "\n", 0, KS_IRQ_UNSET },
	{ " \t", 0, KS_IRQ_UNSET },
	{ "follow", 0, KS_IRQ_FOLLOW },
	{ "follow\n", 0, KS_IRQ_FOLLOW },
	{ "emulator\n", 0, KS_IRQ_EMULATOR },
	{ "0-1\n", 0, KS_IRQ_LIST, 0x3 },
	{ "1,3", 0, KS_IRQ_LIST, 0xa },
	{ "Follow", -EINVAL },
	{ "follow me", -EINVAL },
	{ "emulator,1", -EINVAL },
	{ "1-", -EINVAL },
	{ ",", -EINVAL },
	{ "-1", -EINVAL },
	{ "2", -ENODEV },
	{ "100000", -ERANGE },
};

static void irq_parse_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->in);
}

KUNIT_ARRAY_PARAM(irq_parse, irq_parse_cases, irq_parse_desc);

/* CPUs 0, 1 and 3 online. */
static void parse_table(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	struct cpumask *list = irq_mask(test, 0);
	enum ks_irq_mode mode = KS_IRQ_EMULATOR;
	int err;

	if (nr_cpu_ids < 4)
		kunit_skip(test, "needs 4 possible CPUs");
	err = ks_irq_parse(c->in, irq_mask(test, 0xb), &mode, list);
	KUNIT_EXPECT_EQ(test, err, c->err);
	if (err) {
		KUNIT_EXPECT_EQ(test, mode, KS_IRQ_EMULATOR);
		return;
	}
	KUNIT_EXPECT_EQ(test, mode, c->mode);
	KUNIT_EXPECT_EQ(test, cpumask_bits(list)[0], c->list);
}

#define MS	NSEC_PER_MSEC

/* A writer that undoes every repair at once: bursts, then doubling waits. */
static void backoff_fight(struct kunit *test)
{
	struct ks_irq_backoff b = { };
	u64 now = 1000 * MS;
	int i;

	for (i = 0; i < KS_IRQ_BURST; i++)
		KUNIT_EXPECT_EQ(test, ks_irq_backoff_next(&b, now + i), 0);
	/* The burst's last repair starts the first wait. */
	KUNIT_EXPECT_EQ(test, ks_irq_backoff_next(&b, now + 10), 0);
	KUNIT_EXPECT_EQ(test, ks_irq_backoff_next(&b, now + 10 + 40 * MS),
			60 * MS);
	KUNIT_EXPECT_EQ(test, ks_irq_backoff_next(&b, now + 10 + 100 * MS), 0);
	KUNIT_EXPECT_EQ(test, b.delay_ns, 200 * MS);
	now += 10 + 100 * MS;
	for (i = 0; i < 10; i++) {
		now += b.delay_ns;
		KUNIT_EXPECT_EQ(test, ks_irq_backoff_next(&b, now), 0);
	}
	KUNIT_EXPECT_EQ(test, b.delay_ns, KS_IRQ_BACKOFF_MAX_NS);
	/* Quiet for the longest wait: repairs are immediate again. */
	now += 2 * KS_IRQ_BACKOFF_MAX_NS;
	KUNIT_EXPECT_EQ(test, ks_irq_backoff_next(&b, now), 0);
	KUNIT_EXPECT_EQ(test, b.delay_ns, 0);
}

/* irqbalance's 10 s rounds never trigger it. */
static void backoff_slow_writer(struct kunit *test)
{
	struct ks_irq_backoff b = { };
	u64 now = 5 * MS;
	int i;

	for (i = 0; i < 20; i++) {
		KUNIT_EXPECT_EQ(test, ks_irq_backoff_next(&b, now), 0);
		now += 10000 * MS;
	}
	KUNIT_EXPECT_EQ(test, b.delay_ns, 0);
	/* Four within a second, then a second later four more: no wait. */
	for (i = 0; i < KS_IRQ_BURST; i++)
		KUNIT_EXPECT_EQ(test, ks_irq_backoff_next(&b, now + i * MS), 0);
	now += KS_IRQ_BURST_NS;
	for (i = 0; i < KS_IRQ_BURST; i++)
		KUNIT_EXPECT_EQ(test, ks_irq_backoff_next(&b, now + i * MS), 0);
	KUNIT_EXPECT_EQ(test, b.delay_ns, 0);
}

static struct kunit_case irqpol_cases[] = {
	KUNIT_CASE_PARAM(msi_table, msi_gen_params),
	KUNIT_CASE(msi_ambiguous),
	KUNIT_CASE_PARAM(decide_table, decide_gen_params),
	KUNIT_CASE_PARAM(parse_table, irq_parse_gen_params),
	KUNIT_CASE(backoff_fight),
	KUNIT_CASE(backoff_slow_writer),
	{}
};

static struct kunit_suite irqpol_suite = {
	.name = "kvmsched_irqpol",
	.test_cases = irqpol_cases,
};

kunit_test_suite(irqpol_suite);
