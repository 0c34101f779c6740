/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The words of a write to vms/<vm>/apply: "key=value" pairs separated by
 * blanks or newlines, each key the name of a file of the VM directory or,
 * as vcpu.<id>.<file>, of one of its vCPU directories. Pure: it cuts the
 * caller's buffer into items and says nothing of what a value means; the
 * files' own parsers do, when the settings are staged.
 */
#ifndef KS_APPLYPOL_H
#define KS_APPLYPOL_H

#include <linux/types.h>

enum ks_apply_key {
	KS_AK_CPUS,
	KS_AK_EMULATOR_CPUS,
	KS_AK_NUMA_NODE,
	KS_AK_NUMA_MODE,
	KS_AK_SCHED_POLICY,
	KS_AK_SCHED_PRIORITY,
	KS_AK_NICE,
	KS_AK_SLICE_US,
	KS_AK_EMULATOR_SCHED_POLICY,
	KS_AK_EMULATOR_SCHED_PRIORITY,
	KS_AK_EMULATOR_NICE,
	KS_AK_IRQ_CPUS,
	KS_AK_HALT_POLL_NS,
	KS_NR_APPLY_KEYS,
};

/* One write holds at most this many settings. */
#define KS_APPLY_MAX_ITEMS	256

/* vcpu: the vCPU id of a vcpu.<id>.<file> key, -1 for the VM's own file. */
struct ks_apply_item {
	enum ks_apply_key key;
	int vcpu;
	const char *value;	/* NUL-terminated, in the parsed buffer */
};

/* Why a write was rejected, for the one line dmesg gets. */
enum ks_apply_why {
	KS_AW_EMPTY = 1,	/* no setting at all */
	KS_AW_SYNTAX,		/* a word without '=' */
	KS_AW_KEY,		/* no such file */
	KS_AW_VCPU_KEY,		/* no such file in a vCPU directory */
	KS_AW_TWICE,		/* the same file twice */
	KS_AW_TOO_MANY,		/* over KS_APPLY_MAX_ITEMS */
};

/*
 * Cuts @buf (NUL-terminated, changed in place) into @items, in the order
 * written. Returns their number, or -EINVAL with *@why and *@at (the
 * offending word, in @buf) set.
 */
int ks_apply_parse(char *buf, struct ks_apply_item *items,
		   enum ks_apply_why *why, const char **at);

/* The file a key names, as in its directory. */
const char *ks_apply_key_name(enum ks_apply_key key);

/* Whether @key is also a file of a vCPU directory. */
bool ks_apply_key_in_vcpu(enum ks_apply_key key);

const char *ks_apply_why_str(enum ks_apply_why why);

#endif /* KS_APPLYPOL_H */
