// SPDX-License-Identifier: GPL-2.0
/*
 * vms/<vm>/apply: the settings of one write are staged on a copy of the
 * VM's, in the order written, each parsed and checked by its own file's
 * parser as a write to that file would be; then what one setting checks
 * against another (a home node against cpus) is checked on the staged
 * whole. Only if all of it holds does the copy replace the VM's settings,
 * under one hold of ks_policy_mutex, and the engine applies them once: a
 * vCPU entering the guest meanwhile waits for that mutex in its repair,
 * so it enters with all of them or none. A rejection changes nothing and
 * logs one line naming the setting.
 */
#include <linux/cpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "affinity.h"
#include "apply.h"
#include "applypol.h"
#include "engine.h"
#include "features.h"
#include "haltpoll.h"
#include "irq.h"
#include "numa.h"
#include "policy.h"
#include "registry.h"
#include "sched.h"

/* What an apply stages; a bit per group set in @set. */
enum {
	KS_STG_CPUS,
	KS_STG_EMULATOR_CPUS,
	KS_STG_NUMA_NODE,
	KS_STG_NUMA_MODE,
	KS_STG_SCHED,
	KS_STG_EMULATOR_SCHED,
	KS_STG_IRQ,
	KS_STG_HALT_POLL,
};

/* slice_us exists where the scheduler takes a custom slice (EEVDF). */
#ifdef KS_HAVE_CUSTOM_SLICE
static const bool ks_apply_has_slice = true;
#else
static const bool ks_apply_has_slice;
#endif

struct ks_stage_vcpu {
	unsigned long set;		/* KS_STG_CPUS, KS_STG_SCHED */
	struct ks_mask *cpus;
	struct ks_sched_cfg sched;
};

/* Masks it holds are its own: the new ones, or after commit the old. */
struct ks_stage {
	unsigned long set;
	struct ks_mask *cpus, *emulator_cpus;
	struct ks_numa_cfg numa;
	int home_node;
	struct ks_sched_cfg sched, emulator_sched;
	struct ks_irq_cfg irq;
	struct ks_halt_cfg halt_poll;
	struct ks_vcpu **vcpus;		/* the VM's, a reference each */
	int nr_vcpus;
	struct ks_stage_vcpu *sv;	/* one per vCPU, as in vcpus */
};

static void ks_stage_free(struct ks_stage *st)
{
	int i;

	kfree(st->cpus);
	kfree(st->emulator_cpus);
	kfree(st->irq.cpus);
	for (i = 0; st->sv && i < st->nr_vcpus; i++)
		kfree(st->sv[i].cpus);
	kfree(st->sv);
	if (st->nr_vcpus >= 0)
		ks_put_vcpus(st->vcpus, st->nr_vcpus);
}

static enum ks_sched_field ks_apply_sched_field(enum ks_apply_key key)
{
	switch (key) {
	case KS_AK_SCHED_POLICY:
	case KS_AK_EMULATOR_SCHED_POLICY:
		return KS_SF_POLICY;
	case KS_AK_SCHED_PRIORITY:
	case KS_AK_EMULATOR_SCHED_PRIORITY:
		return KS_SF_PRIORITY;
	case KS_AK_NICE:
	case KS_AK_EMULATOR_NICE:
		return KS_SF_NICE;
	default:
		return KS_SF_SLICE;
	}
}

/* The staged copy of one vCPU's settings; NULL: no vCPU of that id. */
static struct ks_stage_vcpu *ks_stage_vcpu(struct ks_stage *st, int id)
{
	int i;

	for (i = 0; i < st->nr_vcpus; i++)
		if (st->vcpus[i]->id == id)
			return &st->sv[i];
	return NULL;
}

/* Stages one setting of @vm's; @what names it for dmesg. */
static int ks_stage_item(struct ks_vm *vm, struct ks_stage *st,
			 const struct ks_apply_item *it, const char *what)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	struct ks_stage_vcpu *sv = NULL;
	struct ks_irq_cfg irq;
	int err;

	if (it->vcpu >= 0) {
		sv = ks_stage_vcpu(st, it->vcpu);
		if (!sv) {
			pr_info_ratelimited("%s: rejected: VM %s has no vCPU %d\n",
					    what, vm->name, it->vcpu);
			return -ENODEV;
		}
	}
	switch (it->key) {
	case KS_AK_CPUS:
		if (sv) {
			err = ks_affinity_parse(it->value, what, &sv->cpus);
			if (!err)
				__set_bit(KS_STG_CPUS, &sv->set);
			return err;
		}
		err = ks_affinity_parse(it->value, what, &st->cpus);
		if (!err)
			__set_bit(KS_STG_CPUS, &st->set);
		return err;
	case KS_AK_EMULATOR_CPUS:
		err = ks_affinity_parse(it->value, what, &st->emulator_cpus);
		if (!err)
			__set_bit(KS_STG_EMULATOR_CPUS, &st->set);
		return err;
	case KS_AK_NUMA_NODE:
	case KS_AK_NUMA_MODE:
		if (!(st->set & (BIT(KS_STG_NUMA_NODE) | BIT(KS_STG_NUMA_MODE))))
			st->numa = vp->numa;
		err = it->key == KS_AK_NUMA_NODE ?
		      ks_numa_parse(it->value, what, &st->numa) :
		      ks_numa_parse_mode_line(it->value, what, &st->numa);
		if (!err)
			__set_bit(it->key == KS_AK_NUMA_NODE ? KS_STG_NUMA_NODE :
				  KS_STG_NUMA_MODE, &st->set);
		return err;
	case KS_AK_SLICE_US:
		if (!ks_apply_has_slice) {
			pr_info_ratelimited("%s: rejected: no slice_us on this kernel\n",
					    what);
			return -EINVAL;
		}
		fallthrough;
	case KS_AK_SCHED_POLICY:
	case KS_AK_SCHED_PRIORITY:
	case KS_AK_NICE:
		if (sv) {
			if (!test_bit(KS_STG_SCHED, &sv->set))
				sv->sched = ks_vcp(st->vcpus[sv - st->sv])->sched;
			err = ks_sched_cfg_store(&sv->sched,
						 ks_apply_sched_field(it->key),
						 it->value, what);
			if (!err)
				__set_bit(KS_STG_SCHED, &sv->set);
			return err;
		}
		if (!test_bit(KS_STG_SCHED, &st->set))
			st->sched = vp->sched;
		err = ks_sched_cfg_store(&st->sched,
					 ks_apply_sched_field(it->key),
					 it->value, what);
		if (!err)
			__set_bit(KS_STG_SCHED, &st->set);
		return err;
	case KS_AK_EMULATOR_SCHED_POLICY:
	case KS_AK_EMULATOR_SCHED_PRIORITY:
	case KS_AK_EMULATOR_NICE:
		if (!test_bit(KS_STG_EMULATOR_SCHED, &st->set))
			st->emulator_sched = vp->emulator_sched;
		err = ks_sched_cfg_store(&st->emulator_sched,
					 ks_apply_sched_field(it->key),
					 it->value, what);
		if (!err)
			__set_bit(KS_STG_EMULATOR_SCHED, &st->set);
		return err;
	case KS_AK_IRQ_CPUS:
		err = ks_irq_cfg_parse(it->value, what, &irq);
		if (!err) {
			st->irq = irq;
			__set_bit(KS_STG_IRQ, &st->set);
		}
		return err;
	case KS_AK_HALT_POLL_NS:
		err = ks_halt_cfg_parse(it->value, what, &st->halt_poll);
		if (!err)
			__set_bit(KS_STG_HALT_POLL, &st->set);
		return err;
	default:
		return -EINVAL;
	}
}

/* What one setting checks against another, on the staged whole. */
static int ks_stage_check(struct ks_vm *vm, struct ks_stage *st)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	bool cpus = test_bit(KS_STG_CPUS, &st->set);
	bool emu = test_bit(KS_STG_EMULATOR_CPUS, &st->set);
	char what[64];
	int err = 0;

	if (test_bit(KS_STG_NUMA_NODE, &st->set)) {
		snprintf(what, sizeof(what), "vms/%s/apply: numa_node",
			 vm->name);
		st->home_node = st->numa.set ?
			ks_numa_home(vm, &st->numa, cpus ? st->cpus : vp->cpus,
				     emu ? st->emulator_cpus :
				     vp->emulator_cpus, what) : 0;
		return min(st->home_node, 0);
	}
	snprintf(what, sizeof(what), "vms/%s/apply: cpus", vm->name);
	if (cpus)
		err = ks_numa_check_cpus(vm, st->cpus, false, what);
	snprintf(what, sizeof(what), "vms/%s/apply: emulator_cpus", vm->name);
	if (!err && emu)
		err = ks_numa_check_cpus(vm, st->emulator_cpus, true, what);
	return err;
}

/* The staged settings become @vm's; @st keeps what they replace. */
static void ks_stage_commit(struct ks_vm *vm, struct ks_stage *st)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	struct ks_vcpu_pol *p;
	int i;

	if (test_bit(KS_STG_CPUS, &st->set))
		swap(vp->cpus, st->cpus);
	if (test_bit(KS_STG_EMULATOR_CPUS, &st->set))
		swap(vp->emulator_cpus, st->emulator_cpus);
	if (st->set & (BIT(KS_STG_NUMA_NODE) | BIT(KS_STG_NUMA_MODE)))
		vp->numa = st->numa;
	if (test_bit(KS_STG_NUMA_NODE, &st->set))
		vp->home_node = st->home_node;
	if (test_bit(KS_STG_SCHED, &st->set))
		vp->sched = st->sched;
	if (test_bit(KS_STG_EMULATOR_SCHED, &st->set))
		vp->emulator_sched = st->emulator_sched;
	if (test_bit(KS_STG_IRQ, &st->set))
		swap(vp->irq, st->irq);
	if (test_bit(KS_STG_HALT_POLL, &st->set))
		vp->halt_poll = st->halt_poll;
	for (i = 0; i < st->nr_vcpus; i++) {
		p = ks_vcp(st->vcpus[i]);
		if (test_bit(KS_STG_CPUS, &st->sv[i].set))
			swap(p->cpus, st->sv[i].cpus);
		if (test_bit(KS_STG_SCHED, &st->sv[i].set))
			p->sched = st->sv[i].sched;
	}
}

/* fifo and rr off isolated CPUs: each file's warning, once committed. */
static void ks_stage_warn_rt(struct ks_vm *vm, struct ks_stage *st)
{
	char what[64];
	int i;

	snprintf(what, sizeof(what), "vms/%s/apply", vm->name);
	if (test_bit(KS_STG_SCHED, &st->set) &&
	    ks_policy_rt(ks_vmp(vm)->sched.policy))
		ks_sched_warn_rt(vm, NULL, what);
	for (i = 0; i < st->nr_vcpus; i++)
		if (test_bit(KS_STG_SCHED, &st->sv[i].set) &&
		    ks_policy_rt(st->sv[i].sched.policy))
			ks_sched_warn_rt(vm, st->vcpus[i], what);
}

static int ks_apply_locked(struct ks_vm *vm, struct ks_stage *st,
			   const struct ks_apply_item *items, int n)
{
	char what[96];
	int i, err;

	lockdep_assert_held(&ks_policy_mutex);
	if (!ks_vm_alive(vm))
		return -ENODEV;
	ks_engine_birth(vm);
	st->nr_vcpus = ks_vm_get_vcpus(vm, &st->vcpus);
	if (st->nr_vcpus < 0)
		return st->nr_vcpus;
	st->sv = kcalloc(max(st->nr_vcpus, 1), sizeof(*st->sv), GFP_KERNEL);
	if (!st->sv)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (items[i].vcpu >= 0)
			snprintf(what, sizeof(what), "vms/%s/apply: vcpu.%d.%s",
				 vm->name, items[i].vcpu,
				 ks_apply_key_name(items[i].key));
		else
			snprintf(what, sizeof(what), "vms/%s/apply: %s",
				 vm->name, ks_apply_key_name(items[i].key));
		err = ks_stage_item(vm, st, &items[i], what);
		if (err)
			return err;
	}
	err = ks_stage_check(vm, st);
	if (err)
		return err;
	ks_stage_commit(vm, st);
	ks_stage_warn_rt(vm, st);
	/* The vCPUs first: their threads' CPUs, then their class. */
	ks_engine_resync(vm, NULL, false);
	ks_engine_resync(vm, NULL, true);
	return 0;
}

ssize_t ks_setting_apply_store(struct ks_vm *vm, const char *buf, size_t len)
{
	struct ks_stage st = { .nr_vcpus = -1 };
	struct ks_apply_item *items;
	enum ks_apply_why why;
	const char *at;
	char *words;
	int n, err;

	/*
	 * sysfs hands a store at most a page and reports it written whole:
	 * a longer write would be applied in two pieces, so refuse it.
	 */
	if (len >= PAGE_SIZE) {
		pr_info_ratelimited("vms/%s/apply: rejected: a write of %lu bytes or more\n",
				    vm->name, PAGE_SIZE);
		return -E2BIG;
	}
	words = kmemdup_nul(buf, len, GFP_KERNEL);
	items = kcalloc(KS_APPLY_MAX_ITEMS, sizeof(*items), GFP_KERNEL);
	if (!words || !items) {
		err = -ENOMEM;
		goto out;
	}
	n = ks_apply_parse(words, items, &why, &at);
	if (n < 0) {
		pr_info_ratelimited("vms/%s/apply: rejected \"%.*s\": %s\n",
				    vm->name, 64, at, ks_apply_why_str(why));
		err = n;
		goto out;
	}
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	err = ks_apply_locked(vm, &st, items, n);
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
out:
	ks_stage_free(&st);
	kfree(items);
	kfree(words);
	return err ? err : len;
}
