// SPDX-License-Identifier: GPL-2.0
/* Halt-polling policy: see haltpollpol.h. */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "blank.h"
#include "haltpollpol.h"

int ks_halt_parse(const char *buf, struct ks_halt_cfg *cfg)
{
	u32 ns;
	int err;

	if (ks_blank(buf)) {
		*cfg = (struct ks_halt_cfg){ };
		return 0;
	}
	err = kstrtou32(buf, 10, &ns);
	if (err)
		return err == -ERANGE ? -ERANGE : -EINVAL;
	*cfg = (struct ks_halt_cfg){ .set = true, .max_ns = ns };
	return 0;
}

bool ks_halt_target(const struct ks_halt_cfg *cfg, struct ks_halt_state *want)
{
	if (!cfg->set)
		return false;
	*want = (struct ks_halt_state){ .override = true, .max_ns = cfg->max_ns };
	return true;
}

bool ks_halt_same(const struct ks_halt_state *a, const struct ks_halt_state *b)
{
	return a->override == b->override &&
	       (!a->override || a->max_ns == b->max_ns);
}
