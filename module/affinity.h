/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The affinity aspect: the CPUs each vCPU and emulator thread may use.
 * Decisions come from placement.c; the engine (engine.c) applies them.
 */
#ifndef KS_AFFINITY_H
#define KS_AFFINITY_H

#include <linux/cpumask.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/types.h>

struct ks_vcpu;

/* A cpumask sized for this host, freed after an RCU grace period. */
struct ks_mask {
	struct rcu_head rcu;
	unsigned long bits[];
};

static inline struct cpumask *ks_mask_cpus(struct ks_mask *m)
{
	return to_cpumask(m->bits);
}

static inline const struct cpumask *ks_mask_or_none(struct ks_mask *m)
{
	return m ? ks_mask_cpus(m) : cpu_none_mask;
}

struct ks_mask *ks_mask_alloc(gfp_t gfp);
struct ks_mask *ks_mask_dup(struct ks_mask *m);

static inline void ks_mask_free_rcu(struct ks_mask *m)
{
	if (m)
		kfree_rcu(m, rcu);
}

extern const struct ks_aspect ks_affinity_aspect;

/* Process context. */
int ks_affinity_parse(const char *buf, const char *what, struct ks_mask **out);
void ks_cpumask_format(const void *state, char *buf, size_t len);
ssize_t ks_affinity_effective_show(struct ks_vcpu *v, char *buf);
ssize_t ks_affinity_placement_show(struct ks_vcpu *v, char *buf);

#endif /* KS_AFFINITY_H */
