// SPDX-License-Identifier: GPL-2.0
/*
 * The affinity aspect.
 *
 * A vCPU's target is the mask placement.c derives from its own cpus, its
 * VM's cpus, its VM's NUMA span (numa.c) and the active CPUs, published
 * under RCU for the engine's schedule-in check, which checks the CPU the
 * thread is on and its mask against it. The emulator threads' target is
 * derived the same way from the union of the emulator_cpus, and of the
 * spans, of the process's VMs. A thread state is its cpus_mask.
 */
#include <linux/cpumask.h>
#include <linux/kobject.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "affinity.h"
#include "engine.h"
#include "numa.h"
#include "placement.h"
#include "policy.h"
#include "registry.h"

struct ks_mask *ks_mask_alloc(gfp_t gfp)
{
	return kzalloc(sizeof(struct ks_mask) + cpumask_size(), gfp);
}

struct ks_mask *ks_mask_dup(struct ks_mask *m)
{
	struct ks_mask *copy;

	if (!m)
		return NULL;
	copy = ks_mask_alloc(GFP_KERNEL);
	if (copy)
		cpumask_copy(ks_mask_cpus(copy), ks_mask_cpus(m));
	return copy;
}

static size_t ks_aff_size(void)
{
	return cpumask_size();
}

static int ks_aff_vcpu_target(struct ks_vcpu *v, struct task_struct *task,
			      void *want)
{
	struct ks_vcpu_pol *p = ks_vcp(v);
	struct cpumask *target = want;
	struct ks_mask *old, *new;

	lockdep_assert_held(&ks_policy_mutex);
	new = ks_mask_alloc(GFP_KERNEL);
	if (!new) {
		pr_warn_ratelimited("out of memory placing vCPU %d of VM %s\n",
				    v->id, v->vm->name);
		return -ENOMEM;
	}
	ks_numa_vcpu_cpus(v, ks_mask_cpus(new));
	p->place = ks_place_decide(ks_mask_or_none(p->cpus),
				   ks_mask_or_none(ks_vmp(v->vm)->cpus),
				   ks_mask_cpus(new), cpu_active_mask, target);
	old = rcu_dereference_protected(p->target,
					lockdep_is_held(&ks_policy_mutex));
	if (p->place == KS_PLACE_FREE) {
		kfree(new);
		RCU_INIT_POINTER(p->target, NULL);
		ks_mask_free_rcu(old);
		return 0;
	}
	if (old && cpumask_equal(ks_mask_cpus(old), target)) {
		kfree(new);
		return 1;
	}
	cpumask_copy(ks_mask_cpus(new), target);
	rcu_assign_pointer(p->target, new);
	ks_mask_free_rcu(old);
	return 1;
}

static bool ks_aff_vcpu_violated(struct ks_vcpu *v, int cpu)
{
	struct ks_mask *target = rcu_dereference(ks_vcp(v)->target);

	return target && ks_place_violated(ks_mask_cpus(target),
					   current->cpus_ptr, cpu);
}

/*
 * The union of the emulator_cpus of every live VM of @tgid, within the
 * union of their NUMA spans, as placement.c decides.
 */
static bool ks_aff_emulator_target(struct pid *tgid, struct ks_vm **vms,
				   int n, void *want)
{
	struct ks_mask *emu = ks_mask_alloc(GFP_KERNEL);
	struct ks_mask *span = ks_mask_alloc(GFP_KERNEL);
	struct cpumask *target = want;
	bool placed = false;
	int i;

	if (!emu || !span) {
		pr_warn_ratelimited("out of memory placing emulator threads\n");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (vms[i]->tgid == tgid && ks_vmp(vms[i])->emulator_cpus)
			cpumask_or(ks_mask_cpus(emu), ks_mask_cpus(emu),
				   ks_mask_cpus(ks_vmp(vms[i])->emulator_cpus));
	ks_numa_emulator_cpus(tgid, vms, n, ks_mask_cpus(span));
	placed = ks_place_decide(cpu_none_mask, ks_mask_cpus(emu),
				 ks_mask_cpus(span), cpu_active_mask,
				 target) != KS_PLACE_FREE;
out:
	kfree(emu);
	kfree(span);
	return placed;
}

static void ks_aff_get(struct task_struct *task, void *state)
{
	cpumask_copy(state, &task->cpus_mask);
}

static bool ks_aff_satisfies(const void *have, const void *want)
{
	return cpumask_subset(have, want);
}

static bool ks_aff_same(const void *a, const void *b)
{
	return cpumask_equal(a, b);
}

/* A cpumask state as a cpulist: the affinity and IRQ aspects' format(). */
void ks_cpumask_format(const void *state, char *buf, size_t len)
{
	scnprintf(buf, len, "%*pbl", cpumask_pr_args((const struct cpumask *)state));
}

static int ks_aff_set(struct task_struct *task, const void *state)
{
	return set_cpus_allowed_ptr(task, state);
}

const struct ks_aspect ks_affinity_aspect = {
	.name = "affinity",
	.size = ks_aff_size,
	.vm_look = ks_numa_vm_look,
	.vcpu_target = ks_aff_vcpu_target,
	.vcpu_violated = ks_aff_vcpu_violated,
	.emulator_target = ks_aff_emulator_target,
	.get = ks_aff_get,
	.satisfies = ks_aff_satisfies,
	.same = ks_aff_same,
	.format = ks_cpumask_format,
	.set = ks_aff_set,
};

/* Parses a policy write; NULL in *out for an empty line (no policy). */
int ks_affinity_parse(const char *buf, const char *what, struct ks_mask **out)
{
	struct ks_mask *m = ks_mask_alloc(GFP_KERNEL);
	int err;

	if (!m)
		return -ENOMEM;
	err = ks_cpulist_parse(buf, cpu_online_mask, ks_mask_cpus(m));
	if (err) {
		pr_info_ratelimited("%s: rejected \"%.*s\": %s\n", what,
				    (int)strcspn(buf, "\n"), buf,
				    err == -ERANGE ? "no such CPU on this host" :
				    err == -ENODEV ? "CPU offline" :
				    "not a cpulist");
		kfree(m);
		return err;
	}
	if (cpumask_empty(ks_mask_cpus(m))) {
		kfree(m);
		m = NULL;
	}
	*out = m;
	return 0;
}

ssize_t ks_affinity_effective_show(struct ks_vcpu *v, char *buf)
{
	struct task_struct *task = ks_vcpu_get_task(v);
	ssize_t len;

	if (!task)
		return sysfs_emit(buf, "\n");
	len = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&task->cpus_mask));
	put_task_struct(task);
	return len;
}

ssize_t ks_affinity_placement_show(struct ks_vcpu *v, char *buf)
{
	enum ks_place place;

	mutex_lock(&ks_policy_mutex);
	place = ks_vcp(v)->place;
	mutex_unlock(&ks_policy_mutex);
	return sysfs_emit(buf, "%s\n", ks_place_name(place));
}
