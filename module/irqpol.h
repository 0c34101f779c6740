/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt-steering policy: pure decisions about a VM's host IRQs. No
 * locks, no allocation, no clock: callers pass snapshots (an MSI route as
 * KVM holds it, masks, the time), so the KUnit suite covers every case.
 */
#ifndef KS_IRQPOL_H
#define KS_IRQPOL_H

#include <linux/cpumask.h>
#include <linux/time64.h>
#include <linux/types.h>

struct ks_mask;

/* An MSI route as the guest programmed it (KVM_IRQ_ROUTING_MSI). */
struct ks_msi_route {
	u32 address_lo, address_hi, data;
};

/* The one vCPU an MSI route delivers to, if exactly one; else -1. */
int ks_msi_target_vcpu(const struct ks_msi_route *r, bool x2apic_format,
		       const int *vcpu_ids, int nr);

/* What vms/<vm>/irq_cpus asks for. */
enum ks_irq_mode {
	KS_IRQ_UNSET,		/* empty: the home node's CPUs, if any */
	KS_IRQ_LIST,		/* a cpulist */
	KS_IRQ_FOLLOW,		/* the CPUs of the vCPU each IRQ targets */
	KS_IRQ_EMULATOR,	/* the VM's emulator threads' CPUs */
};

struct ks_irq_cfg {
	enum ks_irq_mode mode;
	struct ks_mask *cpus;	/* KS_IRQ_LIST's; NULL otherwise */
};

/* The masks an IRQ's target is made of; empty when there is none. */
struct ks_irq_in {
	enum ks_irq_mode mode;
	const struct cpumask *list;	/* KS_IRQ_LIST */
	const struct cpumask *vcpu;	/* the target vCPU's CPUs */
	const struct cpumask *vcpus;	/* every vCPU's CPUs, together */
	const struct cpumask *emulator;	/* the emulator threads' */
	const struct cpumask *home;	/* the VM's home node's */
	const struct cpumask *online;
};

enum ks_irq_decision {
	KS_IRQ_FREE,		/* no policy: the IRQ is left, or given back */
	KS_IRQ_STEER,		/* steer it onto the target */
	KS_IRQ_HOLD,		/* a policy, none of its CPUs online: wait */
};

enum ks_irq_decision ks_irq_decide(const struct ks_irq_in *in,
				   struct cpumask *target);

/*
 * Parses a write to irq_cpus: "", "follow", "emulator" or a cpulist of
 * online CPUs (into @list, which may be left with bits set otherwise).
 * -EINVAL, -ERANGE, -ENODEV as ks_cpulist_parse().
 */
int ks_irq_parse(const char *buf, const struct cpumask *online,
		 enum ks_irq_mode *mode, struct cpumask *list);

/*
 * Back-off against another writer that keeps moving an IRQ (irqbalance, a
 * tuned profile, a script): up to KS_IRQ_BURST repairs within
 * KS_IRQ_BURST_NS are made at once; past that each waits twice as long as
 * the last, from KS_IRQ_BACKOFF_MIN_NS up to KS_IRQ_BACKOFF_MAX_NS, and
 * KS_IRQ_BACKOFF_MAX_NS past the last wait without one resets it.
 */
#define KS_IRQ_BURST		4
#define KS_IRQ_BURST_NS		(1000ULL * NSEC_PER_MSEC)
#define KS_IRQ_BACKOFF_MIN_NS	(100ULL * NSEC_PER_MSEC)
#define KS_IRQ_BACKOFF_MAX_NS	(10000ULL * NSEC_PER_MSEC)

struct ks_irq_backoff {
	u64 burst_start_ns;	/* first repair of the current burst */
	u64 last_ns;		/* the last repair */
	u64 delay_ns;		/* the wait after the last; 0: none */
	unsigned int burst;	/* repairs in the current burst */
};

/*
 * At @now, a repair is due: 0 if it may be made now (and is recorded as
 * made), else how many ns until it may.
 */
u64 ks_irq_backoff_next(struct ks_irq_backoff *b, u64 now);

#endif /* KS_IRQPOL_H */
