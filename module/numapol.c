// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA placement policy. A VM with a home node runs its threads on that
 * node's CPUs. A preferred VM's vCPU that waits for a CPU there for a
 * share of the time while the next nodes by distance have an idle CPU is
 * widened one step of distance at a time, and narrowed back one step once
 * the waiting has stayed low for a few looks in a row: widening on one
 * bad look, narrowing only on several good ones, so a vCPU at the
 * threshold does not flap. A home node without online CPUs stands in for
 * the nearest nodes that have some, never for the whole host.
 */
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "blank.h"
#include "numapol.h"

static u64 ks_nodes_below(int nr_nodes)
{
	return nr_nodes >= KS_NUMA_MAX_NODES ? U64_MAX :
	       BIT_ULL(nr_nodes) - 1;
}

/*
 * A write of numa_node: empty for no policy, "auto", or a node id.
 * -EINVAL: none of those; -ERANGE: a number that is no node of this host
 * (or one past what kvmsched can home on); -ENODEV: a node without an
 * online CPU (offline, or memory only). On error *@node is unchanged.
 */
int ks_numa_parse_node(const char *buf, int nr_nodes, u64 cpu_nodes,
		       int *node)
{
	int err, val;

	if (ks_blank(buf)) {
		*node = KS_NUMA_NONE;
		return 0;
	}
	if (sysfs_streq(buf, "auto")) {
		*node = KS_NUMA_AUTO;
		return 0;
	}
	err = kstrtoint(buf, 10, &val);
	if (err)
		return err;
	if (val < 0 || val >= min(nr_nodes, KS_NUMA_MAX_NODES))
		return -ERANGE;
	if (!(cpu_nodes & BIT_ULL(val)))
		return -ENODEV;
	*node = val;
	return 0;
}

static const char *const ks_numa_modes[] = {
	[KS_NUMA_PREFERRED] = "preferred",
	[KS_NUMA_STRICT] = "strict",
};

/* A write of numa_mode; -EINVAL for anything but a mode's name. */
int ks_numa_parse_mode(const char *buf, enum ks_numa_mode *mode)
{
	int i = sysfs_match_string(ks_numa_modes, buf);

	if (i < 0)
		return -EINVAL;
	*mode = i;
	return 0;
}

const char *ks_numa_mode_name(enum ks_numa_mode mode)
{
	return mode < ARRAY_SIZE(ks_numa_modes) ? ks_numa_modes[mode] : "?";
}

/*
 * auto's choice for a new VM: the node with the most free capacity (its
 * online CPUs less the vCPUs already homed there), then the one holding
 * most of the VMM's memory, then the lowest id. -ENODEV: no node has an
 * online CPU.
 */
int ks_numa_choose(const struct ks_numa_load *load, int nr_nodes)
{
	int n, best = -ENODEV;
	s64 free, best_free = 0;

	for (n = 0; n < min(nr_nodes, KS_NUMA_MAX_NODES); n++) {
		if (!load[n].cpus)
			continue;
		free = (s64)load[n].cpus - load[n].homed;
		if (best < 0 || free > best_free ||
		    (free == best_free && load[n].vmm_kb > load[best].vmm_kb)) {
			best = n;
			best_free = free;
		}
	}
	return best;
}

/*
 * The nearest of @cand to the home node (all those at the least distance),
 * taken out of @cand.
 */
static u64 ks_numa_nearest(const u8 *dist, u64 *cand)
{
	unsigned int d = U8_MAX + 1, n;
	u64 near = 0, left = *cand;

	while (left) {
		n = __ffs64(left);
		left &= left - 1;
		if (dist[n] < d) {
			d = dist[n];
			near = 0;
		}
		if (dist[n] == d)
			near |= BIT_ULL(n);
	}
	*cand &= ~near;
	return near;
}

u64 ks_numa_span(int home, const u8 *dist, int nr_nodes, u64 cpu_nodes,
		 unsigned int hops)
{
	u64 cand = cpu_nodes & ks_nodes_below(nr_nodes), span = 0;

	if (home < 0 || home >= min(nr_nodes, KS_NUMA_MAX_NODES) || !cand)
		return 0;
	if (cand & BIT_ULL(home)) {
		span = BIT_ULL(home);
		cand &= ~span;
	} else {
		span = ks_numa_nearest(dist, &cand);
	}
	while (hops-- && cand)
		span |= ks_numa_nearest(dist, &cand);
	return span;
}

/* How many steps of distance widen @home's span to every node with CPUs. */
unsigned int ks_numa_max_hops(int home, const u8 *dist, int nr_nodes,
			      u64 cpu_nodes)
{
	u64 all = cpu_nodes & ks_nodes_below(nr_nodes);
	unsigned int hops = 0;

	while (ks_numa_span(home, dist, nr_nodes, cpu_nodes, hops) != all &&
	       hops < KS_NUMA_MAX_NODES)
		hops++;
	return hops;
}

/*
 * One look at a vCPU of a preferred VM: widen one step when it waited for
 * @widen_pct % of the window or more and the next step has an idle CPU;
 * narrow one step after KS_NUMA_CALM_WINDOWS looks in a row under a
 * quarter of that, once the span one step in has the idle time to take
 * what it uses, short by half the mark at most (a widened vCPU waits
 * little because it is widened: its
 * waiting alone cannot say it would fit back), or once it runs there
 * anyway (narrowing then moves nothing). A span wider than the topology
 * now allows (nodes went away) narrows at once.
 */
enum ks_numa_act ks_numa_decide(struct ks_numa_spill *s,
				const struct ks_numa_pressure *in,
				unsigned int widen_pct)
{
	if (s->hops > in->max_hops) {
		s->hops = in->max_hops;
		s->calm = 0;
		return KS_NUMA_NARROW;
	}
	if (!in->window_ns)
		return KS_NUMA_KEEP;
	if (in->delay_ns * 100 >= in->window_ns * widen_pct) {
		s->calm = 0;
		if (!in->wider_idle || s->hops >= in->max_hops)
			return KS_NUMA_KEEP;
		s->hops++;
		return KS_NUMA_WIDEN;
	}
	if (!s->hops || in->delay_ns * 400 >= in->window_ns * widen_pct) {
		s->calm = 0;
		return KS_NUMA_KEEP;
	}
	if (s->calm < KS_NUMA_CALM_WINDOWS)
		s->calm++;
	/*
	 * Room: idle time one step in for what it uses, short by at most
	 * half the widening mark (no CPU is ever all idle: the waiting that
	 * shortfall adds stays well under the mark, so it cannot flap).
	 */
	if (s->calm < KS_NUMA_CALM_WINDOWS ||
	    (!in->on_narrower &&
	     in->narrower_idle_ns * 200 + in->window_ns * widen_pct <
	     in->used_ns * 200))
		return KS_NUMA_KEEP;
	s->hops--;
	s->calm = 0;
	return KS_NUMA_NARROW;
}

/*
 * Sample @i (< @k <= @total) of guest RAM: the range it falls in
 * (returned) and the page in that range (*@off). Sample @i lies in the
 * @i-th of @k strata of equal size, at a place within it given by a hash
 * of @i, so that memory placed in a pattern of the strata's period (say,
 * interleaved page by page) cannot alias onto one node. Each stratum
 * counts for 1/@k of RAM, which bounds a node's error by that of @k
 * independent samples (about 1/sqrt(@k) of RAM at worst) and makes it far
 * smaller for RAM placed in long runs: only the strata where a run begins
 * or ends can miscount.
 */
int ks_numa_sample_at(const u64 *pages, int nr, u64 total, u32 i, u32 k,
		      u64 *off)
{
	u64 start = mul_u64_u32_div(total, i, k);
	u64 width = mul_u64_u32_div(total, i + 1, k) - start;
	u64 pos = start + mul_u64_u32_shr(width, hash_32(i, 32), 32);
	int r;

	for (r = 0; r < nr - 1 && pos >= pages[r]; r++)
		pos -= pages[r];
	*off = pos;
	return r;
}

/* What @hits of @k samples stand for, of @total_kb sampled. */
u64 ks_numa_estimate_kb(u64 total_kb, u32 hits, u32 k)
{
	return k ? mul_u64_u32_div(total_kb, hits, k) : 0;
}
