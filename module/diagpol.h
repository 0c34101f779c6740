/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnosis policy: why a VM uses the host's CPU, over a sliding window of
 * samples of its counters. Pure: the sampler passes the samples, with the
 * time it took them, so the KUnit suite covers every case.
 */
#ifndef KS_DIAGPOL_H
#define KS_DIAGPOL_H

#include <linux/types.h>

/* The counters a sample holds, each a VM's total in ns. */
enum ks_diag_counter {
	KS_DG_RUNTIME,		/* its vCPU threads' CPU time */
	KS_DG_GUEST,		/* of which in guest mode */
	KS_DG_POLL,		/* of which halt polling */
	KS_DG_DELAY,		/* its vCPU threads' run delay */
	KS_DG_EMULATOR,		/* its other threads' and vhost's CPU time */
	KS_DG_NR,
};

struct ks_diag_sample {
	u64 t_ns;		/* when it was taken */
	u64 v[KS_DG_NR];
};

/*
 * The window: a ring of the last KS_DIAG_SLOTS + 1 samples, taken every
 * window / KS_DIAG_SLOTS; the oldest and the newest bound it.
 */
#define KS_DIAG_SLOTS	10

struct ks_diag_ring {
	struct ks_diag_sample s[KS_DIAG_SLOTS + 1];
	u8 head;		/* the next slot written */
	u8 nr;			/* samples held */
};

void ks_diag_push(struct ks_diag_ring *r, const struct ks_diag_sample *s);

/* What top_cause says, in the order of the rule's tie-break. */
enum ks_diag_cause {
	KS_CAUSE_IDLE,
	KS_CAUSE_GUEST,
	KS_CAUSE_HALT_POLL,
	KS_CAUSE_EXITS,
	KS_CAUSE_EMULATOR,
	KS_CAUSE_CONTENTION,
	KS_NR_CAUSES,
};

/* Each a percentage of one host CPU over the window: 100 = one CPU. */
struct ks_diag {
	u64 window_ms;		/* the span the ring covers */
	u32 cpu_pct;		/* vCPU threads and emulator */
	u32 guest_pct;
	u32 halt_poll_pct;
	u32 exit_pct;		/* vCPU threads outside the guest, not polling */
	u32 emulator_pct;
	u32 steal_pct;		/* vCPU threads waiting for a CPU */
	enum ks_diag_cause top_cause;
};

/*
 * The rule that picks top_cause: contention when the vCPUs waited for a
 * CPU KS_DIAG_STEAL_PCT of one CPU or more; else idle when the VM used
 * under KS_DIAG_IDLE_PCT; else the largest of guest, halt_poll, exits and
 * emulator (in that order on a tie).
 */
#define KS_DIAG_STEAL_PCT	20
/*
 * A fifth of a CPU: a VM idling in its firmware or an idle kernel's
 * timer reads 3-6 % under an emulated host, and 14 % when that host is
 * itself short of CPU; under it, nothing is worth a lever.
 */
#define KS_DIAG_IDLE_PCT	20

/* The ring's diagnosis; -EAGAIN while it spans no time (under 2 samples). */
int ks_diag_compute(const struct ks_diag_ring *r, struct ks_diag *d);
const char *ks_diag_cause_name(enum ks_diag_cause c);

#endif /* KS_DIAGPOL_H */
