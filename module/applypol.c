// SPDX-License-Identifier: GPL-2.0
/* The words of an apply write: see applypol.h. */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "applypol.h"

struct ks_apply_key_def {
	const char *name;
	bool vcpu;		/* also a vCPU directory's file */
};

static const struct ks_apply_key_def ks_apply_keys[KS_NR_APPLY_KEYS] = {
	[KS_AK_CPUS] = { "cpus", true },
	[KS_AK_EMULATOR_CPUS] = { "emulator_cpus", false },
	[KS_AK_NUMA_NODE] = { "numa_node", false },
	[KS_AK_NUMA_MODE] = { "numa_mode", false },
	[KS_AK_SCHED_POLICY] = { "sched_policy", true },
	[KS_AK_SCHED_PRIORITY] = { "sched_priority", true },
	[KS_AK_NICE] = { "nice", true },
	[KS_AK_SLICE_US] = { "slice_us", true },
	[KS_AK_EMULATOR_SCHED_POLICY] = { "emulator_sched_policy", false },
	[KS_AK_EMULATOR_SCHED_PRIORITY] = { "emulator_sched_priority", false },
	[KS_AK_EMULATOR_NICE] = { "emulator_nice", false },
	[KS_AK_IRQ_CPUS] = { "irq_cpus", false },
	[KS_AK_HALT_POLL_NS] = { "halt_poll_ns", false },
};

const char *ks_apply_key_name(enum ks_apply_key key)
{
	return ks_apply_keys[key].name;
}

bool ks_apply_key_in_vcpu(enum ks_apply_key key)
{
	return ks_apply_keys[key].vcpu;
}

const char *ks_apply_why_str(enum ks_apply_why why)
{
	switch (why) {
	case KS_AW_EMPTY:
		return "no setting";
	case KS_AW_SYNTAX:
		return "not key=value";
	case KS_AW_KEY:
		return "no such file";
	case KS_AW_VCPU_KEY:
		return "no such file in a vCPU directory";
	case KS_AW_TWICE:
		return "the same file twice";
	case KS_AW_TOO_MANY:
		return "more settings than one write takes";
	}
	return "?";
}

static int ks_apply_lookup(const char *name)
{
	int k;

	for (k = 0; k < KS_NR_APPLY_KEYS; k++)
		if (!strcmp(name, ks_apply_keys[k].name))
			return k;
	return -1;
}

/*
 * "vcpu.<id>.<file>": the id (decimal, no sign, no leading zero) into
 * *@id and the file's name; otherwise @key itself, *@id -1. NULL: a vcpu.
 * prefix without a well-formed id.
 */
static const char *ks_apply_split_vcpu(const char *key, int *id)
{
	const char *p = key + strlen("vcpu.");
	int n = 0;

	*id = -1;
	if (strncmp(key, "vcpu.", strlen("vcpu.")))
		return key;
	if (!isdigit(*p) || (*p == '0' && isdigit(p[1])))
		return NULL;
	for (; isdigit(*p); p++) {
		if (n > (INT_MAX - 9) / 10)
			return NULL;
		n = n * 10 + (*p - '0');
	}
	if (*p != '.')
		return NULL;
	*id = n;
	return p + 1;
}

static int ks_apply_word(char *word, struct ks_apply_item *it,
			 enum ks_apply_why *why)
{
	char *eq = strchr(word, '=');
	const char *name;
	int key, id;

	if (!eq || eq == word) {
		*why = KS_AW_SYNTAX;
		return -EINVAL;
	}
	*eq = '\0';
	name = ks_apply_split_vcpu(word, &id);
	key = name ? ks_apply_lookup(name) : -1;
	*eq = '=';
	if (key < 0) {
		*why = KS_AW_KEY;
		return -EINVAL;
	}
	if (id >= 0 && !ks_apply_keys[key].vcpu) {
		*why = KS_AW_VCPU_KEY;
		return -EINVAL;
	}
	*it = (struct ks_apply_item){ .key = key, .vcpu = id,
				      .value = eq + 1 };
	return 0;
}

int ks_apply_parse(char *buf, struct ks_apply_item *items,
		   enum ks_apply_why *why, const char **at)
{
	static const char blanks[] = " \t\n";
	int n = 0, i, err;
	char *word;

	for (;;) {
		buf += strspn(buf, blanks);
		if (!*buf)
			break;
		word = buf;
		buf += strcspn(buf, blanks);
		if (*buf)
			*buf++ = '\0';
		*at = word;
		if (n == KS_APPLY_MAX_ITEMS) {
			*why = KS_AW_TOO_MANY;
			return -EINVAL;
		}
		err = ks_apply_word(word, &items[n], why);
		if (err)
			return err;
		for (i = 0; i < n; i++) {
			if (items[i].key == items[n].key &&
			    items[i].vcpu == items[n].vcpu) {
				*why = KS_AW_TWICE;
				return -EINVAL;
			}
		}
		n++;
	}
	if (!n) {
		*at = buf;
		*why = KS_AW_EMPTY;
		return -EINVAL;
	}
	return n;
}
