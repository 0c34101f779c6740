/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Placement policy: pure decisions about which CPUs a thread may use.
 * No locks, no allocation, no live task: callers pass snapshots, so the
 * KUnit suite can cover every case.
 */
#ifndef KS_PLACEMENT_H
#define KS_PLACEMENT_H

#include <linux/cpumask.h>

/* Where a thread's target mask came from; shown in sysfs by name. */
enum ks_place {
	KS_PLACE_FREE,		/* no policy: the thread is left alone */
	KS_PLACE_OWN,		/* its own cpus (vCPU override, emulator) */
	KS_PLACE_VM,		/* the VM's cpus */
	KS_PLACE_NODE,		/* its NUMA span, within the VM's cpus if set */
	KS_PLACE_FALLBACK_VM,	/* its own cpus all offline: the VM's */
	KS_PLACE_FALLBACK_ANY,	/* every policy CPU offline: any online */
};

int ks_cpulist_parse(const char *buf, const struct cpumask *online,
		     struct cpumask *out);
enum ks_place ks_place_decide(const struct cpumask *own,
			      const struct cpumask *vm,
			      const struct cpumask *node,
			      const struct cpumask *online,
			      struct cpumask *target);
bool ks_place_violated(const struct cpumask *target,
		       const struct cpumask *allowed, int cpu);
const char *ks_place_name(enum ks_place place);

#endif /* KS_PLACEMENT_H */
