/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rule matching policy: pure parsing of a rule's name and match line, and
 * the precedence between rules that match one VM. No locks, no allocation,
 * no live task, so the KUnit suite covers every case.
 */
#ifndef KS_RULEMATCH_H
#define KS_RULEMATCH_H

#include <linux/types.h>

#define KS_RULE_NAME_MAX	31
#define KS_MAX_RULES		64

/* Ordered by precedence: a later kind beats an earlier one. */
enum ks_match_kind {
	KS_MATCH_NONE,
	KS_MATCH_COMM,
	KS_MATCH_CGROUP,
	KS_MATCH_PID,
};

/* A parsed match line; arg points into the parsed buffer. */
struct ks_match_spec {
	enum ks_match_kind kind;
	bool later;		/* cgroup_path: resolved at each VM's birth */
	int pid;		/* KS_MATCH_PID */
	const char *arg;	/* KS_MATCH_COMM, KS_MATCH_CGROUP */
	size_t len;
};

/* How well one rule matches one VM. */
struct ks_match_score {
	enum ks_match_kind kind;
	int depth;		/* cgroup level; 0 for the other kinds */
	const char *name;	/* the rule's name, the last tie-breaker */
};

int ks_rule_name_check(const char *name, size_t len);
int ks_match_parse(const char *buf, size_t len, struct ks_match_spec *spec);
bool ks_match_better(const struct ks_match_score *a,
		     const struct ks_match_score *b);
/* The keyword of a match line: "pid", "cgroup", "cgroup_path", "comm". */
const char *ks_match_kind_name(enum ks_match_kind kind, bool later);

#endif /* KS_RULEMATCH_H */
