// SPDX-License-Identifier: GPL-2.0
/*
 * Rules: rules/add creates rules/<name>/ (sysfs has no mkdir), rules/remove
 * deletes it. A rule is only read in process context, when a VM appears,
 * so every rule field is under ks_policy_mutex; the KVM hooks never see a
 * rule. Which rule wins is rulematch.c's decision.
 */
#include <linux/cgroup.h>
#include <linux/cpu.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/wait_bit.h>

#include "affinity.h"
#include "engine.h"
#include "features.h"
#include "numa.h"
#include "policy.h"
#include "registry.h"
#include "haltpoll.h"
#include "irq.h"
#include "rulematch.h"
#include "rules.h"
#include "sched.h"
#include "settings.h"
#include "sysfs.h"
#include "trace.h"

struct ks_rule {
	struct kobject kobj;		/* rules/<name>/ */
	struct list_head node;		/* in ks_rules until removed */
	bool added;			/* its directory exists */
	char name[KS_RULE_NAME_MAX + 1];
	enum ks_match_kind kind;
	bool later;			/* cgroup_path: arg looked up at each birth */
	struct pid *pid;		/* KS_MATCH_PID */
	struct cgroup *cgrp;		/* KS_MATCH_CGROUP, unless later */
	char *arg;			/* the match argument, as written */
	struct ks_mask *cpus, *emulator_cpus;
	struct ks_sched_cfg sched;	/* given to the VM's own settings */
	struct ks_sched_cfg emulator_sched;	/* given to the VM's emulator_* */
	struct ks_numa_cfg numa;	/* given to the VM's numa_node */
	struct ks_irq_cfg irq;		/* given to the VM's irq_cpus if set */
	struct ks_halt_cfg halt_poll;	/* given to the VM's halt_poll_ns if set */
	atomic_long_t matched;
};

static LIST_HEAD(ks_rules);		/* under ks_policy_mutex */
static int ks_nr_rules;			/* under ks_policy_mutex */
static struct kobject *ks_rules_kobj;
/* Rules not yet released; exit waits for zero (releases may be delayed). */
static atomic_t ks_nr_rule_objs = ATOMIC_INIT(0);

static struct ks_rule *to_rule(struct kobject *kobj)
{
	return container_of(kobj, struct ks_rule, kobj);
}

static void ks_rule_clear_match(struct ks_rule *r)
{
	put_pid(r->pid);
	if (r->cgrp)
		cgroup_put(r->cgrp);
	kfree(r->arg);
	r->pid = NULL;
	r->cgrp = NULL;
	r->arg = NULL;
	r->kind = KS_MATCH_NONE;
	r->later = false;
}

static void ks_rule_release(struct kobject *kobj)
{
	struct ks_rule *r = to_rule(kobj);

	ks_rule_clear_match(r);
	kfree(r->cpus);
	kfree(r->emulator_cpus);
	kfree(r->irq.cpus);
	kfree(r);
	if (atomic_dec_and_test(&ks_nr_rule_objs))
		wake_up_var(&ks_nr_rule_objs);
}

static struct ks_rule *ks_rule_find(const char *name)
{
	struct ks_rule *r;

	lockdep_assert_held(&ks_policy_mutex);
	list_for_each_entry(r, &ks_rules, node)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

/* The cgroup depth at which @r matches process @task, or -1. */
static int ks_rule_depth(struct ks_rule *r, struct task_struct *task,
			 const char *comm)
{
	struct cgroup *cgrp, *match;
	int depth = -1;

	switch (r->kind) {
	case KS_MATCH_PID:
		return task_tgid(task) == r->pid ? 0 : -1;
	case KS_MATCH_COMM:
		return strcmp(comm, r->arg) ? -1 : 0;
	case KS_MATCH_CGROUP:
		/* cgroup_path: the cgroup at that path now, if there is one. */
		match = r->later ? cgroup_get_from_path(r->arg) : r->cgrp;
		if (IS_ERR(match))
			return -1;
		rcu_read_lock();
		cgrp = task_dfl_cgroup(task);
		if (cgroup_is_descendant(cgrp, match))
			depth = match->level;
		rcu_read_unlock();
		if (r->later)
			cgroup_put(match);
		return depth;
	default:
		return -1;
	}
}

bool ks_rules_apply(struct ks_vm *vm)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	struct ks_match_score best = { }, score;
	struct ks_mask *cpus, *emu, *irq_cpus;
	struct ks_rule *r, *win = NULL;
	struct task_struct *task;
	char what[112];
	int home;

	lockdep_assert_held(&ks_policy_mutex);
	task = get_pid_task(vm->tgid, PIDTYPE_TGID);
	if (!task)
		return false;
	list_for_each_entry(r, &ks_rules, node) {
		score.kind = r->kind;
		score.name = r->name;
		score.depth = ks_rule_depth(r, task, vm->comm);
		if (score.depth < 0 || (win && !ks_match_better(&score, &best)))
			continue;
		best = score;
		win = r;
	}
	put_task_struct(task);
	if (!win)
		return false;

	cpus = ks_mask_dup(win->cpus);
	emu = ks_mask_dup(win->emulator_cpus);
	irq_cpus = ks_mask_dup(win->irq.cpus);
	if ((win->cpus && !cpus) || (win->emulator_cpus && !emu) ||
	    (win->irq.cpus && !irq_cpus)) {
		kfree(cpus);
		kfree(emu);
		kfree(irq_cpus);
		pr_warn_ratelimited("out of memory applying rule %s to VM %s\n",
				    win->name, vm->name);
		return false;
	}
	if (cpus) {
		kfree(vp->cpus);
		vp->cpus = cpus;
	}
	if (emu) {
		kfree(vp->emulator_cpus);
		vp->emulator_cpus = emu;
	}
	ks_sched_cfg_merge(&vp->sched, &win->sched);
	ks_sched_cfg_merge(&vp->emulator_sched, &win->emulator_sched);
	if (ks_policy_rt(win->sched.policy)) {
		snprintf(what, sizeof(what), "rules/%s for VM %s", win->name,
			 vm->name);
		ks_sched_warn_rt(vm, NULL, what);
	}
	if (win->numa.set) {
		snprintf(what, sizeof(what), "rules/%s/numa_node for VM %s",
			 win->name, vm->name);
		home = ks_numa_home(vm, &win->numa, vp->cpus,
				    vp->emulator_cpus, what);
		if (home >= 0) {
			vp->numa.set = true;
			vp->numa.node = win->numa.node;
			vp->home_node = home;
		}
	}
	if (win->numa.has_mode)
		vp->numa.mode = win->numa.mode;
	if (win->irq.mode != KS_IRQ_UNSET) {
		kfree(vp->irq.cpus);
		vp->irq.mode = win->irq.mode;
		vp->irq.cpus = irq_cpus;
	}
	if (win->halt_poll.set)
		vp->halt_poll = win->halt_poll;
	strscpy(vp->rule, win->name, sizeof(vp->rule));
	atomic_long_inc(&win->matched);
	trace_kvmsched_rule_match(win->name, vm->name);
	return true;
}

ssize_t ks_rule_match_show(struct kobject *kobj, char *buf)
{
	struct ks_rule *r = to_rule(kobj);
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	if (r->kind == KS_MATCH_NONE)
		len = sysfs_emit(buf, "\n");
	else
		len = sysfs_emit(buf, "%s %s\n",
				 ks_match_kind_name(r->kind, r->later), r->arg);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

static void ks_rule_reject(struct ks_rule *r, int err)
{
	pr_info_ratelimited("rules/%s/match: rejected: %s\n", r->name,
			    err == -ERANGE ? "pid or comm out of range" :
			    err == -ENODEV ? "no such process or cgroup" :
			    err == -EINVAL ? "not \"pid N\", \"cgroup /PATH\" or \"comm NAME\"" :
			    "out of memory");
}

/*
 * Resolves what the match names now: a pid or cgroup must exist, a
 * cgroup_path need not (it is looked up at each VM's birth).
 */
static int ks_rule_resolve(const struct ks_match_spec *spec, char **arg,
			   struct pid **pid, struct cgroup **cgrp)
{
	*arg = kmemdup_nul(spec->arg, spec->len, GFP_KERNEL);
	if (!*arg)
		return -ENOMEM;
	if (spec->kind == KS_MATCH_PID) {
		rcu_read_lock();
		*pid = find_vpid(spec->pid);
		*pid = *pid && pid_task(*pid, PIDTYPE_TGID) ? get_pid(*pid) : NULL;
		rcu_read_unlock();
		if (!*pid)
			goto nodev;
	} else if (spec->kind == KS_MATCH_CGROUP && !spec->later) {
		*cgrp = cgroup_get_from_path(*arg);
		if (IS_ERR(*cgrp)) {
			*cgrp = NULL;
			goto nodev;
		}
	}
	return 0;
nodev:
	kfree(*arg);
	*arg = NULL;
	return -ENODEV;
}

ssize_t ks_rule_match_store(struct kobject *kobj, const char *buf, size_t len)
{
	struct ks_rule *r = to_rule(kobj);
	struct ks_match_spec spec;
	struct cgroup *cgrp = NULL;
	struct pid *pid = NULL;
	char *arg = NULL;
	int err;

	err = ks_match_parse(buf, len, &spec);
	if (!err && spec.kind != KS_MATCH_NONE)
		err = ks_rule_resolve(&spec, &arg, &pid, &cgrp);
	if (err) {
		ks_rule_reject(r, err);
		return err;
	}
	mutex_lock(&ks_policy_mutex);
	ks_rule_clear_match(r);
	r->kind = spec.kind;
	r->later = spec.later;
	r->arg = arg;
	r->pid = pid;
	r->cgrp = cgrp;
	mutex_unlock(&ks_policy_mutex);
	return len;
}

static struct ks_mask **ks_rule_mask(struct kobject *kobj, enum ks_cpus_file f)
{
	struct ks_rule *r = to_rule(kobj);

	return f == KS_EMULATOR_CPUS ? &r->emulator_cpus : &r->cpus;
}

ssize_t ks_rule_cpus_show(struct kobject *kobj, enum ks_cpus_file f, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = sysfs_emit(buf, "%*pbl\n",
			 cpumask_pr_args(ks_mask_or_none(*ks_rule_mask(kobj, f))));
	mutex_unlock(&ks_policy_mutex);
	return len;
}

/*
 * A rule's node must have CPUs in the rule's cpus and emulator_cpus: the
 * check a VM's numa_node gets, so that a rule never carries a setting a
 * VM would refuse. auto is checked when the rule is applied.
 */
static int ks_rule_numa_check(const struct ks_numa_cfg *cfg,
			      struct ks_mask *cpus, struct ks_mask *emu,
			      const char *what)
{
	if (!cfg->set || cfg->node == KS_NUMA_AUTO)
		return 0;
	return ks_numa_home(NULL, cfg, cpus, emu, what) < 0 ? -EINVAL : 0;
}

ssize_t ks_rule_cpus_store(struct kobject *kobj, enum ks_cpus_file f,
			   const char *file, const char *buf, size_t len)
{
	char what[64];
	struct ks_mask *m;
	int err;

	snprintf(what, sizeof(what), "rules/%s/%s", to_rule(kobj)->name, file);
	err = ks_affinity_parse(buf, what, &m);
	if (err)
		return err;
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	err = ks_rule_numa_check(&to_rule(kobj)->numa,
				 f == KS_CPUS ? m : to_rule(kobj)->cpus,
				 f == KS_CPUS ? to_rule(kobj)->emulator_cpus : m,
				 what);
	if (!err)
		swap(*ks_rule_mask(kobj, f), m);
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	kfree(m);
	return err ? err : len;
}

ssize_t ks_rule_numa_show(struct kobject *kobj, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = ks_numa_cfg_show(&to_rule(kobj)->numa, buf);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_rule_numa_mode_show(struct kobject *kobj, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = ks_numa_mode_show(&to_rule(kobj)->numa, true, buf);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_rule_numa_mode_store(struct kobject *kobj, const char *buf,
				size_t len)
{
	struct ks_rule *r = to_rule(kobj);
	char what[64];
	int err;

	snprintf(what, sizeof(what), "rules/%s/numa_mode", r->name);
	mutex_lock(&ks_policy_mutex);
	err = ks_numa_parse_mode_line(buf, what, &r->numa);
	mutex_unlock(&ks_policy_mutex);
	return err ? err : len;
}

ssize_t ks_rule_numa_store(struct kobject *kobj, const char *buf, size_t len)
{
	struct ks_rule *r = to_rule(kobj);
	struct ks_numa_cfg cfg;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "rules/%s/numa_node", r->name);
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	cfg = r->numa;
	err = ks_numa_parse(buf, what, &cfg);
	if (!err)
		err = ks_rule_numa_check(&cfg, r->cpus, r->emulator_cpus, what);
	if (!err)
		r->numa = cfg;
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	return err ? err : len;
}

/* @scope: KS_SCOPE_VM (what the VM gets) or KS_SCOPE_EMULATOR. */
static struct ks_sched_cfg *ks_rule_cfg(struct kobject *kobj,
					enum ks_sched_scope scope)
{
	struct ks_rule *r = to_rule(kobj);

	return scope == KS_SCOPE_EMULATOR ? &r->emulator_sched : &r->sched;
}

ssize_t ks_rule_sched_show(struct kobject *kobj, enum ks_sched_scope scope,
			   enum ks_sched_field f, char *buf)
{
	return ks_sched_cfg_show(ks_rule_cfg(kobj, scope), f, buf);
}

ssize_t ks_rule_sched_store(struct kobject *kobj, enum ks_sched_scope scope,
			    enum ks_sched_field f, const char *file,
			    const char *buf, size_t len)
{
	char what[64];
	int err;

	snprintf(what, sizeof(what), "rules/%s/%s", to_rule(kobj)->name, file);
	mutex_lock(&ks_policy_mutex);
	err = ks_sched_cfg_store(ks_rule_cfg(kobj, scope), f, buf, what);
	mutex_unlock(&ks_policy_mutex);
	return err ? err : len;
}

ssize_t ks_rule_irq_show(struct kobject *kobj, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = ks_irq_cfg_show(&to_rule(kobj)->irq, buf);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_rule_irq_store(struct kobject *kobj, const char *buf, size_t len)
{
	struct ks_rule *r = to_rule(kobj);
	struct ks_irq_cfg cfg;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "rules/%s/irq_cpus", r->name);
	err = ks_irq_cfg_parse(buf, what, &cfg);
	if (err)
		return err;
	mutex_lock(&ks_policy_mutex);
	swap(r->irq, cfg);
	mutex_unlock(&ks_policy_mutex);
	kfree(cfg.cpus);
	return len;
}

ssize_t ks_rule_halt_show(struct kobject *kobj, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = ks_halt_cfg_show(&to_rule(kobj)->halt_poll, buf);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_rule_halt_store(struct kobject *kobj, const char *buf, size_t len)
{
	struct ks_rule *r = to_rule(kobj);
	struct ks_halt_cfg cfg;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "rules/%s/halt_poll_ns", r->name);
	err = ks_halt_cfg_parse(buf, what, &cfg);
	if (err)
		return err;
	mutex_lock(&ks_policy_mutex);
	r->halt_poll = cfg;
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_rule_matched_show(struct kobject *kobj, char *buf)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&to_rule(kobj)->matched));
}

static const struct kobj_type ks_rule_ktype = {
	.release = ks_rule_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = ks_rule_groups,
};

/* A name written to add or remove, without its newline. */
static int ks_rule_name(const char *buf, size_t len, char *name)
{
	int err;

	if (len && buf[len - 1] == '\n')
		len--;
	err = ks_rule_name_check(buf, len);
	if (!err) {
		memcpy(name, buf, len);
		name[len] = '\0';
	}
	return err;
}

/* Unlinks @r; its files go after ks_policy_mutex is dropped. */
static void ks_rule_unlink(struct ks_rule *r)
{
	lockdep_assert_held(&ks_policy_mutex);
	list_del(&r->node);
	ks_nr_rules--;
	ks_rule_clear_match(r);
}

static ssize_t add_store(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t len)
{
	struct ks_rule *r;
	int err;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	err = ks_rule_name(buf, len, r->name);
	if (err) {
		pr_info_ratelimited("rules/add: bad rule name\n");
		kfree(r);
		return err;
	}
	atomic_inc(&ks_nr_rule_objs);
	kobject_init(&r->kobj, &ks_rule_ktype);

	/* The name is taken under the mutex, the directory made outside it. */
	mutex_lock(&ks_policy_mutex);
	if (ks_rule_find(r->name))
		err = -EEXIST;
	else if (ks_nr_rules >= KS_MAX_RULES)
		err = -ENOSPC;
	if (!err) {
		list_add_tail(&r->node, &ks_rules);
		ks_nr_rules++;
	}
	mutex_unlock(&ks_policy_mutex);
	if (!err) {
		/*
		 * Not under ks_policy_mutex: a reader of the new files takes
		 * it inside kernfs, and a failing kobject_add() waits for
		 * that reader. Until ->added, rules/remove leaves it alone
		 * and no VM matches it (its match is empty).
		 */
		err = kobject_add(&r->kobj, ks_rules_kobj, "%s", r->name);
		mutex_lock(&ks_policy_mutex);
		if (err)
			ks_rule_unlink(r);
		else
			r->added = true;
		mutex_unlock(&ks_policy_mutex);
	}
	if (err) {
		pr_info_ratelimited("rules/add: cannot add %s: %d\n", r->name,
				    err);
		kobject_put(&r->kobj);
		return err;
	}
	return len;
}

static void ks_rule_destroy(struct ks_rule *r)
{
	kobject_del(&r->kobj);
	kobject_put(&r->kobj);
}

static ssize_t remove_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t len)
{
	char name[KS_RULE_NAME_MAX + 1];
	struct ks_rule *r;
	int err;

	err = ks_rule_name(buf, len, name);
	if (err) {
		pr_info_ratelimited("rules/remove: bad rule name\n");
		return err;
	}
	mutex_lock(&ks_policy_mutex);
	r = ks_rule_find(name);
	if (r && !r->added)
		err = -EBUSY;
	else if (r)
		ks_rule_unlink(r);
	mutex_unlock(&ks_policy_mutex);
	if (!r || err) {
		pr_info_ratelimited("rules/remove: %s %s\n",
				    r ? "still creating" : "no rule", name);
		return r ? err : -ENOENT;
	}
	ks_rule_destroy(r);
	return len;
}

static struct kobj_attribute ks_add_attr = __ATTR_WO(add);
static struct kobj_attribute ks_remove_attr = __ATTR_WO(remove);

static struct attribute *ks_rules_attrs[] = {
	&ks_add_attr.attr,
	&ks_remove_attr.attr,
	NULL,
};

static const struct attribute_group ks_rules_group = {
	.attrs = ks_rules_attrs,
};

int ks_rules_init(struct kobject *root)
{
	int err;

	ks_rules_kobj = kobject_create_and_add("rules", root);
	if (!ks_rules_kobj)
		return -ENOMEM;
	err = sysfs_create_group(ks_rules_kobj, &ks_rules_group);
	if (err) {
		kobject_del(ks_rules_kobj);
		kobject_put(ks_rules_kobj);
	}
	return err;
}

void ks_rules_exit(void)
{
	struct ks_rule *r;

	/* add and remove go first, so no rule comes or goes meanwhile. */
	sysfs_remove_group(ks_rules_kobj, &ks_rules_group);
	for (;;) {
		mutex_lock(&ks_policy_mutex);
		r = list_first_entry_or_null(&ks_rules, struct ks_rule, node);
		if (r)
			ks_rule_unlink(r);
		mutex_unlock(&ks_policy_mutex);
		if (!r)
			break;
		ks_rule_destroy(r);
	}
	kobject_del(ks_rules_kobj);
	kobject_put(ks_rules_kobj);
	wait_var_event(&ks_nr_rule_objs, !atomic_read(&ks_nr_rule_objs));
}
