/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NUMA placement policy: pure decisions about a VM's home node, the nodes
 * its threads may run on, and when a vCPU widens beyond the home node or
 * narrows back. No locks, no allocation, no clock reads, no live topology:
 * callers pass snapshots, so the KUnit suite can cover every case.
 */
#ifndef KS_NUMAPOL_H
#define KS_NUMAPOL_H

#include <linux/types.h>

/*
 * Nodes kvmsched can home a VM on: 0..KS_NUMA_MAX_NODES-1. A node-set is a
 * u64 bitmap, so a snapshot stays small enough for the stack.
 */
#define KS_NUMA_MAX_NODES	64

/* numa_node: no policy, or the home node chosen at birth. */
#define KS_NUMA_NONE		(-1)
#define KS_NUMA_AUTO		(-2)

enum ks_numa_mode {
	KS_NUMA_PREFERRED,	/* the default */
	KS_NUMA_STRICT,
};

int ks_numa_parse_node(const char *buf, int nr_nodes, u64 cpu_nodes,
		       int *node);
int ks_numa_parse_mode(const char *buf, enum ks_numa_mode *mode);
const char *ks_numa_mode_name(enum ks_numa_mode mode);

/* What auto sees of one node. */
struct ks_numa_load {
	u32 cpus;		/* online CPUs; 0: cannot home a VM */
	u32 homed;		/* vCPUs kvmsched has homed there */
	u64 vmm_kb;		/* the VMM's memory resident there */
};

int ks_numa_choose(const struct ks_numa_load *load, int nr_nodes);

/*
 * The nodes a thread homed on @home may use when widened by @hops steps of
 * distance: the node itself (or, if it has no online CPU, the nearest
 * nodes that do) and the nodes of the next @hops distinct distances.
 * @dist[n] is node_distance(@home, n).
 */
u64 ks_numa_span(int home, const u8 *dist, int nr_nodes, u64 cpu_nodes,
		 unsigned int hops);
unsigned int ks_numa_max_hops(int home, const u8 *dist, int nr_nodes,
			      u64 cpu_nodes);

/*
 * The widening state of one vCPU of a preferred VM. A window is one look
 * (the engine's periodic pass).
 */
struct ks_numa_spill {
	u8 hops;		/* steps of distance beyond the home node */
	u8 calm;		/* windows in a row below the narrow mark */
};

/* What one look sees of a vCPU of a preferred VM. */
struct ks_numa_pressure {
	u64 window_ns;
	u64 delay_ns;		/* its run delay over the window */
	u64 used_ns;		/* its CPU time over the window */
	u64 narrower_idle_ns;	/* idle time left on the span one step in */
	bool on_narrower;	/* it runs on that span already */
	bool wider_idle;	/* the next step's nodes have an idle CPU */
	unsigned int max_hops;
};

/*
 * Widen at @widen_pct of the window spent waiting for a CPU; narrow after
 * KS_NUMA_CALM_WINDOWS windows in a row under a quarter of it, if the
 * span one step in had idle time for the CPU time the vCPU used (short by
 * at most half of @widen_pct of the window), or the vCPU runs there
 * already (narrowing then moves nothing).
 */
#define KS_NUMA_CALM_WINDOWS	3
#define KS_NUMA_SPILL_PCT_MIN	1
#define KS_NUMA_SPILL_PCT_MAX	100
#define KS_NUMA_SPILL_PCT_DEF	20

enum ks_numa_act {
	KS_NUMA_KEEP,
	KS_NUMA_WIDEN,
	KS_NUMA_NARROW,
};

enum ks_numa_act ks_numa_decide(struct ks_numa_spill *s,
				const struct ks_numa_pressure *in,
				unsigned int widen_pct);

/*
 * Where guest RAM lives, from samples: RAM (ranges of @pages[] pages, @total
 * in all) is cut into @k strata of equal size, one sample in each.
 */
int ks_numa_sample_at(const u64 *pages, int nr, u64 total, u32 i, u32 k,
		      u64 *off);
u64 ks_numa_estimate_kb(u64 total_kb, u32 hits, u32 k);

#endif /* KS_NUMAPOL_H */
