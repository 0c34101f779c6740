/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Affinity enforcement: the CPUs each vCPU and emulator thread may use,
 * applied to the threads and held there. Decisions come from placement.c;
 * this file only gathers snapshots and carries them out.
 */
#ifndef KS_AFFINITY_H
#define KS_AFFINITY_H

#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/types.h>

struct ks_vm;
struct ks_vcpu;
struct task_struct;

/*
 * Serialises every change of a policy (VM, vCPU, rule), of a published
 * target and of a thread's mask by kvmsched. Process context only: the KVM
 * hooks never take it, they queue work for the vCPU thread instead. Taken
 * before cpus_read_lock() and before ks_lock.
 */
extern struct mutex ks_policy_mutex;

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

static inline void ks_mask_free_rcu(struct ks_mask *m)
{
	if (m)
		kfree_rcu(m, rcu);
}

enum ks_policy_file {
	KS_POLICY_CPUS,
	KS_POLICY_EMULATOR_CPUS,
};

/* Atomic context: the vCPU's thread is current, being loaded on @cpu. */
void ks_affinity_vcpu_loaded(struct ks_vcpu *v, int cpu);
void ks_vcpu_kick(struct ks_vcpu *v, struct task_struct *task);

/* Process context. */
void ks_affinity_vm_born(struct ks_vm *vm);
ssize_t ks_affinity_show(struct ks_vm *vm, struct ks_vcpu *v,
			 enum ks_policy_file f, char *buf);
void ks_affinity_resync(struct ks_vm *vm, struct ks_vcpu *v, bool emulator);
ssize_t ks_affinity_store(struct ks_vm *vm, struct ks_vcpu *v,
			  enum ks_policy_file f, const char *buf, size_t len);
ssize_t ks_affinity_effective_show(struct ks_vcpu *v, char *buf);
ssize_t ks_affinity_placement_show(struct ks_vcpu *v, char *buf);
int ks_affinity_parse(const char *buf, const char *what, struct ks_mask **out);
int ks_affinity_init(void);
void ks_affinity_quiesce(void);
void ks_affinity_exit(void);

#endif /* KS_AFFINITY_H */
