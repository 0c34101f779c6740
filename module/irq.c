// SPDX-License-Identifier: GPL-2.0
/*
 * The interrupt-steering aspect.
 *
 * An IRQ's target is what irqpol.c decides from the VM's irq_cpus, the
 * published targets of its vCPUs (the affinity aspect's), its emulator
 * threads' target and its home node. An IRQ state is the IRQ's affinity
 * mask, set with irq_set_affinity(), the call /proc/irq/N/smp_affinity
 * makes. kvmsched never steers a managed IRQ (the kernel spreads those
 * and shuts them down with their CPUs) nor one whose chip cannot move.
 */
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "affinity.h"
#include "engine.h"
#include "hostirq.h"
#include "irq.h"
#include "irqpol.h"
#include "numa.h"
#include "policy.h"
#include "registry.h"

static size_t ks_irqa_size(void)
{
	return cpumask_size();
}

/* The published targets of @vm's vCPUs: @vcpu_id's, and all of them. */
static void ks_irqa_vcpu_cpus(struct ks_vm *vm, int vcpu_id,
			      struct cpumask *one, struct cpumask *all)
{
	struct ks_vcpu **vcpus;
	struct ks_mask *target;
	int i, n;

	cpumask_clear(one);
	cpumask_clear(all);
	n = ks_vm_get_vcpus(vm, &vcpus);
	for (i = 0; i < n; i++) {
		target = rcu_dereference_protected(ks_vcp(vcpus[i])->target,
						   lockdep_is_held(&ks_policy_mutex));
		if (!target)
			continue;
		cpumask_or(all, all, ks_mask_cpus(target));
		if (vcpus[i]->id == vcpu_id)
			cpumask_copy(one, ks_mask_cpus(target));
	}
	if (n >= 0)
		ks_put_vcpus(vcpus, n);
}

enum { KS_M_VCPU, KS_M_VCPUS, KS_M_EMULATOR, KS_M_HOME, KS_NR_M };

static int ks_irqa_target(struct ks_vm *vm, struct ks_irq *irq,
			  struct ks_vm **vms, int n, void *want)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	struct cpumask *m[KS_NR_M];
	struct ks_irq_in in;
	char *scratch;
	int i, ret;

	lockdep_assert_held(&ks_policy_mutex);
	scratch = kcalloc(KS_NR_M, cpumask_size(), GFP_KERNEL);
	if (!scratch) {
		pr_warn_ratelimited("out of memory steering IRQ %d\n", irq->irq);
		return -ENOMEM;
	}
	for (i = 0; i < KS_NR_M; i++)
		m[i] = (struct cpumask *)(scratch + i * cpumask_size());
	ks_irqa_vcpu_cpus(vm, ks_irq_target_vcpu(irq), m[KS_M_VCPU],
			  m[KS_M_VCPUS]);
	if (vp->irq.mode == KS_IRQ_EMULATOR &&
	    !ks_affinity_aspect.emulator_target(vm->tgid, vms, n,
						m[KS_M_EMULATOR]))
		cpumask_clear(m[KS_M_EMULATOR]);
	ks_numa_home_cpus(vm, m[KS_M_HOME]);
	in = (struct ks_irq_in) {
		.mode = vp->irq.mode,
		.list = ks_mask_or_none(vp->irq.cpus),
		.vcpu = m[KS_M_VCPU],
		.vcpus = m[KS_M_VCPUS],
		.emulator = m[KS_M_EMULATOR],
		.home = m[KS_M_HOME],
		.online = cpu_active_mask,
	};
	switch (ks_irq_decide(&in, want)) {
	case KS_IRQ_STEER:
		ret = 1;
		break;
	case KS_IRQ_HOLD:
		ret = -EAGAIN;
		break;
	default:
		ret = 0;
	}
	kfree(scratch);
	return ret;
}

static int ks_irqa_get(struct irq_desc *desc, void *state)
{
	struct irq_data *d = irq_desc_get_irq_data(desc);
	struct irq_chip *chip = irq_data_get_irq_chip(d);
	unsigned long flags;

	if (irqd_affinity_is_managed(d))
		return -EPERM;
	if (irqd_is_per_cpu(d) || !chip || !chip->irq_set_affinity)
		return -EOPNOTSUPP;
	raw_spin_lock_irqsave(&desc->lock, flags);
#ifdef CONFIG_GENERIC_PENDING_IRQ
	/*
	 * A move made while the last one is still in flight (no interrupt
	 * since) waits for the next interrupt: the mask it will have then,
	 * which is also what /proc/irq/N/smp_affinity shows.
	 */
	if (irqd_is_setaffinity_pending(d))
		cpumask_copy(state, desc->pending_mask);
	else
#endif
		cpumask_copy(state, irq_data_get_affinity_mask(d));
	raw_spin_unlock_irqrestore(&desc->lock, flags);
	return 0;
}

static int ks_irqa_set(struct irq_desc *desc, const void *state)
{
	return irq_set_affinity(irq_desc_get_irq(desc), state);
}

/* Within the target is fine: irqbalance may narrow it to one CPU. */
static bool ks_irqa_satisfies(const void *have, const void *want)
{
	return cpumask_subset(have, want);
}

static bool ks_irqa_same(const void *a, const void *b)
{
	return cpumask_equal(a, b);
}

const struct ks_aspect ks_irq_aspect = {
	.name = "irq",
	.size = ks_irqa_size,
	.irq_target = ks_irqa_target,
	.irq_get = ks_irqa_get,
	.irq_set = ks_irqa_set,
	.satisfies = ks_irqa_satisfies,
	.same = ks_irqa_same,
	.format = ks_cpumask_format,
};

ssize_t ks_irq_source_show(struct ks_irq *irq, char *buf)
{
	return ks_hostirq_name(irq->irq, irq->eventfd, buf);
}

ssize_t ks_irq_gsi_show(struct ks_irq *irq, char *buf)
{
	return sysfs_emit(buf, "%d\n", ks_irq_gsi(irq));
}

ssize_t ks_irq_target_vcpu_show(struct ks_irq *irq, char *buf)
{
	int id = ks_irq_target_vcpu(irq);

	return id < 0 ? sysfs_emit(buf, "\n") : sysfs_emit(buf, "%d\n", id);
}

ssize_t ks_irq_effective_show(struct ks_irq *irq, char *buf)
{
	struct ks_mask *m = ks_mask_alloc(GFP_KERNEL);
	ssize_t len;

	if (!m)
		return -ENOMEM;
	len = ks_hostirq_effective(irq->irq, irq->eventfd, ks_mask_cpus(m));
	if (!len)
		len = sysfs_emit(buf, "%*pbl\n",
				 cpumask_pr_args(ks_mask_cpus(m)));
	kfree(m);
	return len;
}

/* What the engine last did with it (struct ks_irq_pol), as a word. */
ssize_t ks_irq_steering_show(struct ks_irq *irq, char *buf)
{
	const char *word;
	int outcome;

	mutex_lock(&ks_policy_mutex);
	outcome = ks_irqp(irq)->outcome;
	mutex_unlock(&ks_policy_mutex);
	switch (outcome) {
	case 1:
		word = "on";
		break;
	case 0:
		word = "off";
		break;
	case -EAGAIN:
		word = "held";
		break;
	case -EBUSY:
		word = "backoff";
		break;
	case -EPERM:
		word = "managed";
		break;
	case -EOPNOTSUPP:
		word = "unmovable";
		break;
	default:
		word = "error";
	}
	return sysfs_emit(buf, "%s\n", word);
}

ssize_t ks_irq_repairs_show(struct ks_irq *irq, char *buf)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&ks_irqp(irq)->repairs));
}

ssize_t ks_irq_cfg_show(const struct ks_irq_cfg *cfg, char *buf)
{
	switch (cfg->mode) {
	case KS_IRQ_FOLLOW:
		return sysfs_emit(buf, "follow\n");
	case KS_IRQ_EMULATOR:
		return sysfs_emit(buf, "emulator\n");
	case KS_IRQ_LIST:
		return sysfs_emit(buf, "%*pbl\n",
				  cpumask_pr_args(ks_mask_or_none(cfg->cpus)));
	default:
		return sysfs_emit(buf, "\n");
	}
}

/* *@cfg gets a mask of its own if the write is a list; else NULL. */
int ks_irq_cfg_parse(const char *buf, const char *what, struct ks_irq_cfg *cfg)
{
	struct ks_mask *m = ks_mask_alloc(GFP_KERNEL);
	int err;

	if (!m)
		return -ENOMEM;
	err = ks_irq_parse(buf, cpu_online_mask, &cfg->mode, ks_mask_cpus(m));
	if (err) {
		pr_info_ratelimited("%s: rejected \"%.*s\": %s\n", what,
				    (int)strcspn(buf, "\n"), buf,
				    err == -ERANGE ? "no such CPU on this host" :
				    err == -ENODEV ? "CPU offline" :
				    "not a cpulist, follow or emulator");
		kfree(m);
		return err;
	}
	if (cfg->mode != KS_IRQ_LIST) {
		kfree(m);
		m = NULL;
	}
	cfg->cpus = m;
	return 0;
}
