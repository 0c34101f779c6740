// SPDX-License-Identifier: GPL-2.0
/* Statistics policy: how a reported counter follows its source. */
#include "statspol.h"

void ks_stat_take(struct ks_stat_acc *acc, u64 now, bool same)
{
	if (same && now >= acc->raw)
		acc->sum += now - acc->raw;
	else
		acc->sum += now;
	acc->raw = now;
}

void ks_stat_take_sum(struct ks_stat_acc *acc, u64 now)
{
	if (now > acc->raw)
		acc->sum += now - acc->raw;
	acc->raw = now;
}
