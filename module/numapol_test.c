// SPDX-License-Identifier: GPL-2.0
/* KUnit: NUMA policy (parsing, auto's choice, widening, hysteresis). */
#include <kunit/test.h>

#include "numapol.c"

struct node_case {
	const char *in;
	int err;
	int node;
};

/* Four nodes; node 2 has no online CPU (offline, or memory only). */
static const struct node_case node_cases[] = {
	{ "", 0, KS_NUMA_NONE },
	{ "\n", 0, KS_NUMA_NONE },
	{ "auto", 0, KS_NUMA_AUTO },
	{ "auto\n", 0, KS_NUMA_AUTO },
	{ "0", 0, 0 },
	{ "3\n", 0, 3 },
	{ "+1", 0, 1 },
	{ "2", -ENODEV, 0 },
	{ "4", -ERANGE, 0 },
	{ "64", -ERANGE, 0 },
	{ "-1", -ERANGE, 0 },
	{ "99999999999", -ERANGE, 0 },
	{ "Auto", -EINVAL, 0 },
	{ "autox", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "0x1", -EINVAL, 0 },
	{ "1,2", -EINVAL, 0 },
	{ "node0", -EINVAL, 0 },
};

static void node_case_desc(const struct node_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->in);
	strreplace(desc, '\n', ' ');
}

KUNIT_ARRAY_PARAM(node, node_cases, node_case_desc);

static void node_table(struct kunit *test)
{
	const struct node_case *c = test->param_value;
	int node = 42;

	KUNIT_EXPECT_EQ(test, ks_numa_parse_node(c->in, 4, 0xb, &node),
			c->err);
	KUNIT_EXPECT_EQ(test, node, c->err ? 42 : c->node);
}

/* A host with more nodes than kvmsched homes on. */
static void node_past_max(struct kunit *test)
{
	int node = 42;

	KUNIT_EXPECT_EQ(test, ks_numa_parse_node("63", 100, U64_MAX, &node), 0);
	KUNIT_EXPECT_EQ(test, node, 63);
	KUNIT_EXPECT_EQ(test, ks_numa_parse_node("64", 100, U64_MAX, &node),
			-ERANGE);
}

static void mode_parse(struct kunit *test)
{
	enum ks_numa_mode mode = KS_NUMA_PREFERRED;

	KUNIT_EXPECT_EQ(test, ks_numa_parse_mode("strict\n", &mode), 0);
	KUNIT_EXPECT_EQ(test, mode, KS_NUMA_STRICT);
	KUNIT_EXPECT_EQ(test, ks_numa_parse_mode("preferred", &mode), 0);
	KUNIT_EXPECT_EQ(test, mode, KS_NUMA_PREFERRED);
	KUNIT_EXPECT_EQ(test, ks_numa_parse_mode("", &mode), -EINVAL);
	KUNIT_EXPECT_EQ(test, ks_numa_parse_mode("Strict", &mode), -EINVAL);
	KUNIT_EXPECT_EQ(test, ks_numa_parse_mode("interleave", &mode),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mode, KS_NUMA_PREFERRED);
	KUNIT_EXPECT_STREQ(test, ks_numa_mode_name(KS_NUMA_STRICT), "strict");
}

struct choose_case {
	const char *name;
	struct ks_numa_load load[4];
	int want;
};

static const struct choose_case choose_cases[] = {
	{ "empty host: lowest id", { { 4 }, { 4 } }, 0 },
	{ "most free CPUs", { { 4, 2 }, { 4, 1 } }, 1 },
	{ "free before memory", { { 4, 3, 1 << 20 }, { 4, 2 } }, 1 },
	{ "tie: where the memory is", { { 4, 2, 10 }, { 4, 2, 20 } }, 1 },
	{ "tie on both: lowest id", { { 4, 2, 20 }, { 4, 2, 20 } }, 0 },
	{ "overcommitted: least over", { { 4, 9 }, { 4, 6 } }, 1 },
	{ "no CPUs, no home", { { 0, 0, 1 << 20 }, { 2, 2 } }, 1 },
	{ "bigger node", { { 2 }, { 8, 4 }, { 4 } }, 1 },
	{ "no node has CPUs", { { 0 }, { 0 } }, -ENODEV },
};

static void choose_case_desc(const struct choose_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(choose, choose_cases, choose_case_desc);

static void choose_table(struct kunit *test)
{
	const struct choose_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, ks_numa_choose(c->load, 4), c->want);
}

/*
 * Distances from node 0 of a four-socket host: 1 and 2 one hop away, 3 two
 * hops. From node 1: 0 and 3 one hop, 2 two hops.
 */
static const u8 dist0[] = { 10, 20, 20, 30 };
static const u8 dist1[] = { 20, 10, 30, 20 };

static void span_order(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0xf, 0), 0x1);
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0xf, 1), 0x7);
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0xf, 2), 0xf);
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0xf, 9), 0xf);
	KUNIT_EXPECT_EQ(test, ks_numa_max_hops(0, dist0, 4, 0xf), 2);
	KUNIT_EXPECT_EQ(test, ks_numa_span(1, dist1, 4, 0xf, 1), 0xb);
	/* Nodes without CPUs are skipped: one step reaches node 3. */
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0x9, 1), 0x9);
	KUNIT_EXPECT_EQ(test, ks_numa_max_hops(0, dist0, 4, 0x9), 1);
	/* A single node is its own span, with nowhere to widen. */
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 1, 0x1, 3), 0x1);
	KUNIT_EXPECT_EQ(test, ks_numa_max_hops(0, dist0, 1, 0x1), 0);
}

/* A home without online CPUs: the nearest nodes, never the whole host. */
static void span_fallback(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0xe, 0), 0x6);
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0xe, 1), 0xe);
	KUNIT_EXPECT_EQ(test, ks_numa_max_hops(0, dist0, 4, 0xe), 1);
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0x8, 0), 0x8);
	/* Its CPUs back: home alone again. */
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0xf, 0), 0x1);
	/* Nothing online, or no such node: no span. */
	KUNIT_EXPECT_EQ(test, ks_numa_span(0, dist0, 4, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, ks_numa_span(4, dist0, 4, 0xf, 0), 0);
}

/* One look of a widening scenario, with what it must decide. */
struct spill_step {
	u64 delay_ms;
	bool wider_idle;
	enum ks_numa_act act;
	u8 hops;
	u64 narrower_idle_ms;	/* if not ~0: the room one step in */
};

static void spill_run(struct kunit *test, const struct spill_step *steps,
		      int n, unsigned int max_hops)
{
	struct ks_numa_pressure in = { .window_ns = 1000 * NSEC_PER_MSEC,
				       .max_hops = max_hops };
	struct ks_numa_spill s = {};
	int i;

	for (i = 0; i < n; i++) {
		in.delay_ns = steps[i].delay_ms * NSEC_PER_MSEC;
		in.wider_idle = steps[i].wider_idle;
		/* A spinner: what it does not wait for, it runs. */
		in.used_ns = in.window_ns - in.delay_ns;
		in.narrower_idle_ns = steps[i].narrower_idle_ms ?
				      steps[i].narrower_idle_ms * NSEC_PER_MSEC :
				      in.used_ns;
		KUNIT_EXPECT_EQ_MSG(test, ks_numa_decide(&s, &in, 20),
				    steps[i].act, "step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, s.hops, steps[i].hops, "step %d", i);
	}
}

/*
 * 20% of a 1 s window: widen at 200 ms of run delay when the next step is
 * idle, one step per look; narrow after three looks under 50 ms.
 */
static void spill_hysteresis(struct kunit *test)
{
	static const struct spill_step steps[] = {
		{ 100, true, KS_NUMA_KEEP, 0 },		/* under the mark */
		{ 200, false, KS_NUMA_KEEP, 0 },	/* nowhere idle */
		{ 200, true, KS_NUMA_WIDEN, 1 },
		{ 500, true, KS_NUMA_WIDEN, 2 },
		{ 900, true, KS_NUMA_KEEP, 2 },		/* widest already */
		{ 40, true, KS_NUMA_KEEP, 2 },
		{ 40, true, KS_NUMA_KEEP, 2 },
		{ 60, true, KS_NUMA_KEEP, 2 },		/* not calm: again */
		{ 40, true, KS_NUMA_KEEP, 2 },
		{ 40, true, KS_NUMA_KEEP, 2 },
		{ 49, true, KS_NUMA_NARROW, 1 },	/* third calm look */
		{ 0, true, KS_NUMA_KEEP, 1 },
		{ 0, true, KS_NUMA_KEEP, 1 },
		{ 0, true, KS_NUMA_NARROW, 0 },
		{ 0, true, KS_NUMA_KEEP, 0 },		/* home: stays */
	};

	spill_run(test, steps, ARRAY_SIZE(steps), 2);
}

/*
 * Calm because it is widened: no narrowing until the span one step in has
 * room for what it uses (990 ms), short by half the 200 ms mark at most,
 * then at once.
 */
static void spill_room(struct kunit *test)
{
	static const struct spill_step steps[] = {
		{ 300, true, KS_NUMA_WIDEN, 1 },
		{ 10, true, KS_NUMA_KEEP, 1, 800 },
		{ 10, true, KS_NUMA_KEEP, 1, 800 },
		{ 10, true, KS_NUMA_KEEP, 1, 800 },	/* calm, no room */
		{ 10, true, KS_NUMA_KEEP, 1, 889 },
		{ 10, true, KS_NUMA_NARROW, 0, 890 },	/* room */
	};

	spill_run(test, steps, ARRAY_SIZE(steps), 1);
}

/*
 * Calm and already on the span one step in, which has no idle time left
 * (it fills it): narrowing moves nothing, so it narrows.
 */
static void spill_on_narrower(struct kunit *test)
{
	struct ks_numa_pressure in = { .window_ns = NSEC_PER_SEC,
				       .used_ns = NSEC_PER_SEC, .max_hops = 1 };
	struct ks_numa_spill s = { .hops = 1 };
	int i;

	for (i = 0; i < KS_NUMA_CALM_WINDOWS; i++)
		KUNIT_EXPECT_EQ(test, ks_numa_decide(&s, &in, 20), KS_NUMA_KEEP);
	in.on_narrower = true;
	KUNIT_EXPECT_EQ(test, ks_numa_decide(&s, &in, 20), KS_NUMA_NARROW);
	KUNIT_EXPECT_EQ(test, s.hops, 0);
}

/* Between the marks nothing moves, whichever way it came. */
static void spill_between_marks(struct kunit *test)
{
	static const struct spill_step steps[] = {
		{ 150, true, KS_NUMA_KEEP, 0 },
		{ 250, true, KS_NUMA_WIDEN, 1 },
		{ 150, true, KS_NUMA_KEEP, 1 },
		{ 100, true, KS_NUMA_KEEP, 1 },
		{ 150, true, KS_NUMA_KEEP, 1 },
		{ 199, true, KS_NUMA_KEEP, 1 },
	};

	spill_run(test, steps, ARRAY_SIZE(steps), 1);
}

/* Nodes went away: a span past the topology narrows at once. */
static void spill_topology_shrinks(struct kunit *test)
{
	struct ks_numa_pressure in = { .window_ns = NSEC_PER_SEC,
				       .delay_ns = NSEC_PER_SEC,
				       .wider_idle = true, .max_hops = 2 };
	struct ks_numa_spill s = { .hops = 2 };

	in.max_hops = 0;
	KUNIT_EXPECT_EQ(test, ks_numa_decide(&s, &in, 20), KS_NUMA_NARROW);
	KUNIT_EXPECT_EQ(test, s.hops, 0);
	KUNIT_EXPECT_EQ(test, ks_numa_decide(&s, &in, 20), KS_NUMA_KEEP);
	/* No window yet (the first look): nothing to judge. */
	in.max_hops = 2;
	in.window_ns = 0;
	KUNIT_EXPECT_EQ(test, ks_numa_decide(&s, &in, 20), KS_NUMA_KEEP);
	KUNIT_EXPECT_EQ(test, s.hops, 0);
}

/* Every sample in its stratum and in RAM; every page reachable. */
static void sample_strata(struct kunit *test)
{
	static const u64 pages[] = { 160, 1, 0, 863 };
	u64 total = 1024, off, pos;
	u32 i, k;
	int r;

	for (k = 1; k <= total; k = k * 2 + 1) {
		for (i = 0; i < k; i++) {
			r = ks_numa_sample_at(pages, ARRAY_SIZE(pages), total,
					      i, k, &off);
			KUNIT_ASSERT_LT(test, r, (int)ARRAY_SIZE(pages));
			KUNIT_ASSERT_LT(test, off, pages[r]);
			for (pos = off; r > 0; r--)
				pos += pages[r - 1];
			/* Stratum i: [i * total / k, (i + 1) * total / k). */
			KUNIT_EXPECT_GE(test, pos, (u64)i * total / k);
			KUNIT_EXPECT_LT(test, pos, (u64)(i + 1) * total / k);
		}
	}
	/* One sample per page: each page once. */
	for (i = 0; i < total; i++) {
		r = ks_numa_sample_at(pages, ARRAY_SIZE(pages), total, i,
				      total, &off);
		for (pos = off; r > 0; r--)
			pos += pages[r - 1];
		KUNIT_EXPECT_EQ(test, pos, (u64)i);
	}
}

/*
 * Memory interleaved page by page over two nodes, the pattern a stride of
 * a power of two would alias on: the samples still split near evenly.
 */
static void sample_interleaved(struct kunit *test)
{
	u64 pages[1] = { 1 << 20 }, off;
	u32 i, k = 1024, odd = 0;

	for (i = 0; i < k; i++) {
		ks_numa_sample_at(pages, 1, pages[0], i, k, &off);
		odd += off & 1;
	}
	KUNIT_EXPECT_GT(test, odd, k * 45 / 100);
	KUNIT_EXPECT_LT(test, odd, k * 55 / 100);
}

/* Memory in long runs: the estimate is off by one stratum per run end. */
static void sample_runs(struct kunit *test)
{
	/* 3 GiB of 4 KiB pages: 1 GiB on node 1, then 2 GiB on node 0. */
	u64 pages[2] = { 1 << 18, 2 << 18 }, total = 3 << 18, off;
	u32 i, k = 1024, hits[2] = { 0, 0 };
	u64 total_kb = total * 4, kb1;

	for (i = 0; i < k; i++)
		hits[ks_numa_sample_at(pages, 2, total, i, k, &off) ? 0 : 1]++;
	kb1 = ks_numa_estimate_kb(total_kb, hits[1], k);
	KUNIT_EXPECT_LE(test, abs((s64)kb1 - (s64)(1 << 20)),
			(s64)(total_kb / k));
	KUNIT_EXPECT_EQ(test, ks_numa_estimate_kb(total_kb, hits[0], k) + kb1,
			total_kb);
	KUNIT_EXPECT_EQ(test, ks_numa_estimate_kb(total_kb, 0, k), 0ULL);
	KUNIT_EXPECT_EQ(test, ks_numa_estimate_kb(total_kb, 1, 0), 0ULL);
}

static struct kunit_case numapol_cases[] = {
	KUNIT_CASE_PARAM(node_table, node_gen_params),
	KUNIT_CASE(node_past_max),
	KUNIT_CASE(mode_parse),
	KUNIT_CASE_PARAM(choose_table, choose_gen_params),
	KUNIT_CASE(span_order),
	KUNIT_CASE(span_fallback),
	KUNIT_CASE(spill_hysteresis),
	KUNIT_CASE(spill_room),
	KUNIT_CASE(spill_on_narrower),
	KUNIT_CASE(spill_between_marks),
	KUNIT_CASE(spill_topology_shrinks),
	KUNIT_CASE(sample_strata),
	KUNIT_CASE(sample_interleaved),
	KUNIT_CASE(sample_runs),
	{}
};

static struct kunit_suite numapol_suite = {
	.name = "kvmsched_numapol",
	.test_cases = numapol_cases,
};

kunit_test_suite(numapol_suite);
