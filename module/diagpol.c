// SPDX-License-Identifier: GPL-2.0
/* Diagnosis policy: see diagpol.h. */
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>

#include "diagpol.h"

void ks_diag_push(struct ks_diag_ring *r, const struct ks_diag_sample *s)
{
	r->s[r->head] = *s;
	r->head = (r->head + 1) % (KS_DIAG_SLOTS + 1);
	if (r->nr < KS_DIAG_SLOTS + 1)
		r->nr++;
}

static const char *const ks_diag_causes[KS_NR_CAUSES] = {
	[KS_CAUSE_IDLE] = "idle",
	[KS_CAUSE_GUEST] = "guest",
	[KS_CAUSE_HALT_POLL] = "halt_poll",
	[KS_CAUSE_EXITS] = "exits",
	[KS_CAUSE_EMULATOR] = "emulator",
	[KS_CAUSE_CONTENTION] = "contention",
};

const char *ks_diag_cause_name(enum ks_diag_cause c)
{
	return ks_diag_causes[c];
}

/* Counters only grow (statspol.h); a step back would read as zero. */
static u64 ks_diag_delta(const struct ks_diag_sample *a,
			 const struct ks_diag_sample *b, int c)
{
	return b->v[c] > a->v[c] ? b->v[c] - a->v[c] : 0;
}

static u32 ks_diag_pct(u64 ns, u64 span)
{
	return min_t(u64, div64_u64(ns * 100 + span / 2, span), U32_MAX);
}

int ks_diag_compute(const struct ks_diag_ring *r, struct ks_diag *d)
{
	const int n = KS_DIAG_SLOTS + 1;
	const struct ks_diag_sample *old, *new;
	u64 span, run, guest, poll;
	u32 best;

	if (r->nr < 2)
		return -EAGAIN;
	new = &r->s[(r->head + n - 1) % n];
	old = &r->s[(r->head + n - r->nr) % n];
	if (new->t_ns <= old->t_ns)
		return -EAGAIN;
	span = new->t_ns - old->t_ns;
	run = ks_diag_delta(old, new, KS_DG_RUNTIME);
	/* Guest time is tick-sampled: never more than the thread ran. */
	guest = min(ks_diag_delta(old, new, KS_DG_GUEST), run);
	poll = min(ks_diag_delta(old, new, KS_DG_POLL), run - guest);
	d->window_ms = div64_u64(span, 1000000);
	d->guest_pct = ks_diag_pct(guest, span);
	d->halt_poll_pct = ks_diag_pct(poll, span);
	d->exit_pct = ks_diag_pct(run - guest - poll, span);
	d->emulator_pct = ks_diag_pct(ks_diag_delta(old, new, KS_DG_EMULATOR),
				      span);
	d->cpu_pct = ks_diag_pct(run + ks_diag_delta(old, new, KS_DG_EMULATOR),
				 span);
	d->steal_pct = ks_diag_pct(ks_diag_delta(old, new, KS_DG_DELAY), span);

	if (d->steal_pct >= KS_DIAG_STEAL_PCT) {
		d->top_cause = KS_CAUSE_CONTENTION;
		return 0;
	}
	if (d->cpu_pct < KS_DIAG_IDLE_PCT) {
		d->top_cause = KS_CAUSE_IDLE;
		return 0;
	}
	d->top_cause = KS_CAUSE_GUEST;
	best = d->guest_pct;
	if (d->halt_poll_pct > best) {
		d->top_cause = KS_CAUSE_HALT_POLL;
		best = d->halt_poll_pct;
	}
	if (d->exit_pct > best) {
		d->top_cause = KS_CAUSE_EXITS;
		best = d->exit_pct;
	}
	if (d->emulator_pct > best)
		d->top_cause = KS_CAUSE_EMULATOR;
	return 0;
}
