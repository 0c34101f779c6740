/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names kvmschedctl and the test clients print for errnos and
 * scheduling classes, so that tests compare words and every program spells
 * them alike. The includer defines _GNU_SOURCE (SCHED_BATCH, SCHED_IDLE).
 */
#ifndef KS_NAMES_H
#define KS_NAMES_H

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE	6
#endif

/* "EINVAL" for EINVAL; "E<n>" for an errno not listed. */
static inline const char *ks_errname(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EINVAL, "EINVAL" }, { ERANGE, "ERANGE" }, { ENODEV, "ENODEV" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENOENT, "ENOENT" },
		{ ENOSPC, "ENOSPC" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
		{ EPERM, "EPERM" }, { EIO, "EIO" }, { ESRCH, "ESRCH" },
		{ E2BIG, "E2BIG" }, { EFAULT, "EFAULT" },
	};
	static char buf[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

static const struct {
	int policy;
	const char *name;
} ks_policies[] = {
	{ SCHED_OTHER, "normal" }, { SCHED_FIFO, "fifo" }, { SCHED_RR, "rr" },
	{ SCHED_BATCH, "batch" }, { SCHED_IDLE, "idle" },
	{ SCHED_DEADLINE, "deadline" },
};

/* kvmsched's name for a SCHED_* class, NULL for one it does not name. */
static inline const char *ks_policy_name(int policy)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ks_policies); i++)
		if (ks_policies[i].policy == policy)
			return ks_policies[i].name;
	return NULL;
}

/* The SCHED_* class of a kvmsched name; -1 for none. */
static inline int ks_policy_parse(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ks_policies); i++)
		if (!strcmp(ks_policies[i].name, name))
			return ks_policies[i].policy;
	return -1;
}

#endif /* KS_NAMES_H */
