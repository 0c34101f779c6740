// SPDX-License-Identifier: GPL-2.0
/*
 * Rule matching policy. A rule names the VMs it is for by the VMM's pid,
 * its cgroup v2 (one that exists, or by path, one that may not exist yet)
 * or its comm; when several rules match one VM the most
 * specific wins: pid, then the deepest cgroup, then comm, and between equals
 * the name that sorts first, so the outcome never depends on the order in
 * which rules were written.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/threads.h>

#include "rulematch.h"

/* 1..31 bytes of [A-Za-z0-9_.-], not starting with '.'. */
int ks_rule_name_check(const char *name, size_t len)
{
	size_t i;

	if (!len || len > KS_RULE_NAME_MAX || name[0] == '.')
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return -EINVAL;
	return 0;
}

/* The match line's keywords; cgroup_path is a cgroup match resolved late. */
static const struct {
	const char *word;
	enum ks_match_kind kind;
	bool later;
} ks_match_words[] = {
	{ "comm", KS_MATCH_COMM, false },
	{ "cgroup", KS_MATCH_CGROUP, false },
	{ "cgroup_path", KS_MATCH_CGROUP, true },
	{ "pid", KS_MATCH_PID, false },
};

const char *ks_match_kind_name(enum ks_match_kind kind, bool later)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ks_match_words); i++)
		if (ks_match_words[i].kind == kind &&
		    ks_match_words[i].later == later)
			return ks_match_words[i].word;
	return "";
}

/*
 * "pid N", "cgroup /PATH", "cgroup_path /PATH" or "comm NAME" (the rest of
 * the line: a comm may hold spaces), or nothing. -EINVAL: not one of
 * these; -ERANGE: a pid beyond PID_MAX_LIMIT or a comm longer than a
 * task's comm.
 */
int ks_match_parse(const char *buf, size_t len, struct ks_match_spec *spec)
{
	enum ks_match_kind k = KS_MATCH_NONE;
	const char *arg;
	size_t klen, i;
	char num[12];
	int err;

	memset(spec, 0, sizeof(*spec));
	if (len && buf[len - 1] == '\n')
		len--;
	if (!len)
		return 0;
	arg = memchr(buf, ' ', len);
	if (!arg)
		return -EINVAL;
	klen = arg - buf;
	arg++;
	len -= klen + 1;
	for (i = 0; i < ARRAY_SIZE(ks_match_words); i++) {
		if (strlen(ks_match_words[i].word) == klen &&
		    !memcmp(buf, ks_match_words[i].word, klen)) {
			k = ks_match_words[i].kind;
			spec->later = ks_match_words[i].later;
		}
	}
	if (k == KS_MATCH_NONE || !len || memchr(arg, '\n', len) ||
	    memchr(arg, '\0', len))
		return -EINVAL;

	switch (k) {
	case KS_MATCH_PID:
		if (len >= sizeof(num))
			return -ERANGE;
		memcpy(num, arg, len);
		num[len] = '\0';
		err = kstrtoint(num, 10, &spec->pid);
		if (err)
			return err;
		if (spec->pid <= 0 || spec->pid > PID_MAX_LIMIT)
			return -ERANGE;
		break;
	case KS_MATCH_COMM:
		if (len >= TASK_COMM_LEN)
			return -ERANGE;
		break;
	default:
		if (arg[0] != '/')
			return -EINVAL;
		break;
	}
	spec->kind = k;
	spec->arg = arg;
	spec->len = len;
	return 0;
}

/* True if a VM matched by @a should get @a's settings rather than @b's. */
bool ks_match_better(const struct ks_match_score *a,
		     const struct ks_match_score *b)
{
	if (a->kind != b->kind)
		return a->kind > b->kind;
	if (a->depth != b->depth)
		return a->depth > b->depth;
	return strcmp(a->name, b->name) < 0;
}
