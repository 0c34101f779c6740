/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics policy: the counters kvmsched reports, and how a reported
 * value follows its source. Pure: callers pass the raw readings.
 */
#ifndef KS_STATSPOL_H
#define KS_STATSPOL_H

#include <linux/types.h>

/*
 * The counters of a vCPU, in the order of its stats/ directory: first
 * from the thread that runs it, then from KVM's own per-vCPU counters.
 */
enum ks_stat {
	/* From the vCPU's thread. */
	KS_ST_RUNTIME_NS,		/* se.sum_exec_runtime */
	KS_ST_GUEST_NS,			/* gtime, tick-sampled */
	KS_ST_RUN_DELAY_NS,		/* sched_info.run_delay: the guest's steal */
	KS_ST_RUN_COUNT,		/* sched_info.pcount */
	KS_ST_MIGRATIONS,		/* se.nr_migrations */
	KS_ST_VOLUNTARY_SWITCHES,	/* nvcsw */
	KS_ST_INVOLUNTARY_SWITCHES,	/* nivcsw */
	KS_NR_THREAD_STATS,
	/* From KVM (vcpu->stat). */
	KS_ST_EXITS = KS_NR_THREAD_STATS,
	KS_ST_IO_EXITS,
	KS_ST_MMIO_EXITS,
	KS_ST_IRQ_EXITS,
	KS_ST_HALT_EXITS,
	KS_ST_HALT_POLL_SUCCESS_NS,
	KS_ST_HALT_POLL_FAIL_NS,
	KS_ST_HALT_WAIT_NS,
	KS_ST_HALT_POLLS,		/* halt_attempted_poll */
	KS_ST_HALT_WAKEUPS,		/* halt_wakeup */
	KS_NR_VCPU_STATS,
};

/*
 * A reported counter: the sum of what its sources added while kvmsched
 * watched. @raw is the source's value at the last reading.
 */
struct ks_stat_acc {
	u64 raw;
	u64 sum;
};

/*
 * Takes the reading @now of a counter. @same: it comes from the source
 * read last time (the same thread; KVM's counters always). A new source
 * counts from its start. A source that went backwards was reset (a write
 * to KVM's debugfs file) and counts from that reset. So the sum never
 * goes backwards, whatever its sources do.
 */
void ks_stat_take(struct ks_stat_acc *acc, u64 now, bool same);

/*
 * Takes the reading @now of a sum over a changing set of sources (a VMM's
 * threads): one that leaves takes its part with it, which must not read as
 * a reset. A fall adds nothing; what the rest did meanwhile is counted
 * from the next reading on.
 */
void ks_stat_take_sum(struct ks_stat_acc *acc, u64 now);

#endif /* KS_STATSPOL_H */
