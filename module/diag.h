/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnosis: the sampler that keeps each VM's window of counters (stats.c)
 * and the files of vms/<vm>/diag/, which diagpol.c's rule fills.
 */
#ifndef KS_DIAG_H
#define KS_DIAG_H

#include <linux/types.h>

struct ks_vm;

/* The files of diag/, in the order ls shows them. */
enum ks_diag_file {
	KS_DF_CPU_PCT,
	KS_DF_GUEST_PCT,
	KS_DF_HALT_POLL_PCT,
	KS_DF_EXIT_PCT,
	KS_DF_EMULATOR_PCT,
	KS_DF_STEAL_PCT,
	KS_DF_TOP_CAUSE,
	KS_DF_WINDOW_MS,
};

ssize_t ks_diag_show(struct ks_vm *vm, enum ks_diag_file f, char *buf);

void ks_diag_init(void);
void ks_diag_exit(void);

#endif /* KS_DIAG_H */
