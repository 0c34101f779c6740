/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NUMA placement: a VM's home node, given or chosen, and the CPUs of the
 * nodes its threads may run on, from the live topology (numapol.c
 * decides on a snapshot of it).
 */
#ifndef KS_NUMA_H
#define KS_NUMA_H

#include <linux/types.h>

#include "numapol.h"

struct cpumask;
struct ks_mask;
struct ks_vm;
struct ks_vcpu;
struct pid;

/* The NUMA settings of a VM or rule; zero is none. */
struct ks_numa_cfg {
	bool set;		/* numa_node is not empty */
	int node;		/* KS_NUMA_AUTO or a node id */
	bool has_mode;		/* numa_mode given; else preferred */
	u8 mode;		/* enum ks_numa_mode */
};

int ks_numa_parse(const char *buf, const char *what, struct ks_numa_cfg *cfg);
int ks_numa_parse_mode_line(const char *buf, const char *what,
			    struct ks_numa_cfg *cfg);
int ks_numa_home(struct ks_vm *vm, const struct ks_numa_cfg *cfg,
		 struct ks_mask *cpus, struct ks_mask *emulator_cpus,
		 const char *what);
int ks_numa_check_cpus(struct ks_vm *vm, struct ks_mask *cpus, bool emulator,
		       const char *what);
void ks_numa_vcpu_cpus(struct ks_vcpu *v, struct cpumask *out);
void ks_numa_home_cpus(struct ks_vm *vm, struct cpumask *out);
void ks_numa_emulator_cpus(struct pid *tgid, struct ks_vm **vms, int n,
			   struct cpumask *out);
bool ks_numa_vm_look(struct ks_vm *vm);
ssize_t ks_numa_cfg_show(const struct ks_numa_cfg *cfg, char *buf);
ssize_t ks_numa_mode_show(const struct ks_numa_cfg *cfg, bool rule, char *buf);
int ks_numa_init(void);
void ks_numa_exit(void);
ssize_t ks_numa_home_show(struct ks_vm *vm, char *buf);
ssize_t ks_numa_vcpu_node_show(struct ks_vcpu *v, char *buf);

#endif /* KS_NUMA_H */
