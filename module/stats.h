/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-vCPU and per-VM statistics: why a VM uses the host's CPU, from the
 * scheduler's view of its threads and KVM's counters of its vCPUs.
 */
#ifndef KS_STATS_H
#define KS_STATS_H

#include <linux/types.h>

#include "statspol.h"

struct ks_vcpu;
struct ks_vm;

/* The VM's own counters, after the sums of its vCPUs'. */
enum ks_vm_stat {
	KS_ST_EMULATOR_RUNTIME_NS = KS_NR_VCPU_STATS,
	KS_ST_NR_THREADS,
	KS_NR_VM_STATS,
};

/* Fill @out[KS_NR_VCPU_STATS] / @out[KS_NR_VM_STATS]; 0 or -errno. */
int ks_stats_vcpu(struct ks_vcpu *v, u64 *out);
int ks_stats_vm(struct ks_vm *vm, u64 *out);
/*
 * Every VM of @vms at once, into @out[i].v for the VM at @vms[i] after the
 * call (which reorders @vms, grouping each VMM's VMs): linear in VMs, for
 * the diagnosis sampler. 0 or -errno.
 */
struct ks_vm_stats {
	u64 v[KS_NR_VM_STATS];
};

int ks_stats_vms(struct ks_vm **vms, int n, struct ks_vm_stats *out);

#endif /* KS_STATS_H */
