// SPDX-License-Identifier: GPL-2.0
/*
 * Placement policy. The rule a thread's mask follows, in order:
 *   1. its own cpus (a vCPU's override), if any is online;
 *   2. the VM's layer: the VM's cpus (or the emulator cpus) and the CPUs
 *      of its NUMA span (numapol.c), each if set, both intersected when
 *      both are; if the intersection has no CPU online, the span alone,
 *      which always has one (a home node without CPUs stands in for the
 *      nearest nodes that have some);
 *   3. with a policy but none of its CPUs online: every online CPU, so a
 *      hot-unplug never strands a thread; the policy returns with its CPUs.
 * Without any policy (or with no CPU online at all) the thread is left as
 * it is.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>

#include "placement.h"

/*
 * A cpulist as written to a policy file. Empty input is an empty mask: no
 * constraint. -EINVAL: not a cpulist; -ERANGE: a CPU that cannot exist on
 * this host; -ENODEV: a CPU that is not online now.
 */
int ks_cpulist_parse(const char *buf, const struct cpumask *online,
		     struct cpumask *out)
{
	int err = cpulist_parse(buf, out);

	/* A number too large for any CPU is out of range, not bad syntax. */
	if (err == -ERANGE || err == -EOVERFLOW)
		return -ERANGE;
	if (err)
		return -EINVAL;
	if (!cpumask_subset(out, online))
		return -ENODEV;
	return 0;
}

static enum ks_place ks_place_free(struct cpumask *target)
{
	cpumask_clear(target);
	return KS_PLACE_FREE;
}

enum ks_place ks_place_decide(const struct cpumask *own,
			      const struct cpumask *vm,
			      const struct cpumask *node,
			      const struct cpumask *online,
			      struct cpumask *target)
{
	bool has_own = !cpumask_empty(own), has_vm = !cpumask_empty(vm);
	bool has_node = !cpumask_empty(node);

	/* Cannot happen on a live host; leave the thread rather than empty it. */
	if (cpumask_empty(online))
		return ks_place_free(target);
	if (has_own && cpumask_and(target, own, online))
		return KS_PLACE_OWN;
	if (has_node && has_vm && cpumask_and(target, vm, node) &&
	    cpumask_and(target, target, online))
		return has_own ? KS_PLACE_FALLBACK_VM : KS_PLACE_NODE;
	if (has_node && cpumask_and(target, node, online))
		return has_own ? KS_PLACE_FALLBACK_VM : KS_PLACE_NODE;
	if (has_vm && cpumask_and(target, vm, online))
		return has_own ? KS_PLACE_FALLBACK_VM : KS_PLACE_VM;
	if (has_own || has_vm || has_node) {
		cpumask_copy(target, online);
		return KS_PLACE_FALLBACK_ANY;
	}
	return ks_place_free(target);
}

/*
 * Whether a thread allowed on @allowed and about to run on @cpu breaks its
 * @target: it runs outside it, or may later move outside it. A mask that is
 * a strict subset is fine: on 6.2+ the kernel intersects our mask with one
 * userspace set, and re-applying would never change that.
 */
bool ks_place_violated(const struct cpumask *target,
		       const struct cpumask *allowed, int cpu)
{
	return !cpumask_test_cpu(cpu, target) ||
	       !cpumask_subset(allowed, target);
}

const char *ks_place_name(enum ks_place place)
{
	static const char *const names[] = {
		[KS_PLACE_FREE] = "free",
		[KS_PLACE_OWN] = "own",
		[KS_PLACE_VM] = "vm",
		[KS_PLACE_NODE] = "node",
		[KS_PLACE_FALLBACK_VM] = "fallback_vm",
		[KS_PLACE_FALLBACK_ANY] = "fallback_any",
	};

	return place < ARRAY_SIZE(names) ? names[place] : "?";
}
