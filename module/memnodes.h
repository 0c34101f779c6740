/* SPDX-License-Identifier: GPL-2.0 */
/* Which nodes hold a VM's guest RAM, sampled over KVM's memslots. */
#ifndef KS_MEMNODES_H
#define KS_MEMNODES_H

#include <linux/types.h>

struct ks_vm;

/* Samples per look: about +-3 % of guest RAM per node at worst (95 %). */
#define KS_MEM_SAMPLES		1024

int ks_memnodes_kb(struct ks_vm *vm, u64 *kb, int nr_nodes);
ssize_t ks_memnodes_show(struct ks_vm *vm, char *buf);

#endif /* KS_MEMNODES_H */
