// SPDX-License-Identifier: GPL-2.0
/* EEVDF custom slices (6.12+): sched_setattr() sets one from sched_runtime. */
#include <linux/sched.h>

int ks_probe(struct task_struct *p);
int ks_probe(struct task_struct *p)
{
	return p->se.custom_slice;
}
