// SPDX-License-Identifier: GPL-2.0
/*
 * Settings of VMs and vCPUs: the glue between a file and the engine. A
 * write is parsed first (nothing changes if it is bad: one rate-limited
 * dmesg line says why), then stored under ks_policy_mutex while the VM is
 * alive (else ENODEV), and the engine applies it before the write returns.
 */
#include <linux/cpu.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "affinity.h"
#include "engine.h"
#include "haltpoll.h"
#include "irq.h"
#include "numa.h"
#include "policy.h"
#include "registry.h"
#include "settings.h"

static const char *const ks_sched_files[] = {
	[KS_SF_POLICY] = "sched_policy",
	[KS_SF_PRIORITY] = "sched_priority",
	[KS_SF_NICE] = "nice",
	[KS_SF_SLICE] = "slice_us",
};

static struct ks_mask **ks_cpus_slot(struct ks_vm *vm, struct ks_vcpu *v,
				     enum ks_cpus_file f)
{
	if (v)
		return &ks_vcp(v)->cpus;
	return f == KS_CPUS ? &ks_vmp(vm)->cpus : &ks_vmp(vm)->emulator_cpus;
}

ssize_t ks_setting_cpus_show(struct ks_vm *vm, struct ks_vcpu *v,
			     enum ks_cpus_file f, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = sysfs_emit(buf, "%*pbl\n",
			 cpumask_pr_args(ks_mask_or_none(*ks_cpus_slot(vm, v, f))));
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_setting_cpus_store(struct ks_vm *vm, struct ks_vcpu *v,
			      enum ks_cpus_file f, const char *buf, size_t len)
{
	char what[64];
	struct ks_mask *m;
	int err;

	if (v)
		snprintf(what, sizeof(what), "vms/%s/vcpus/%d/cpus",
			 vm->name, v->id);
	else
		snprintf(what, sizeof(what), "vms/%s/%s",
			 vm->name,
			 f == KS_CPUS ? "cpus" : "emulator_cpus");
	err = ks_affinity_parse(buf, what, &m);
	if (err)
		return err;

	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	ks_engine_birth(vm);
	/* A vCPU's own cpus beat its home node: no need to share one. */
	err = v ? 0 : ks_numa_check_cpus(vm, m, f == KS_EMULATOR_CPUS, what);
	if (err)
		goto out;
	swap(*ks_cpus_slot(vm, v, f), m);
	ks_engine_resync(vm, v, f == KS_EMULATOR_CPUS);
out:
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	kfree(m);
	return err ? err : len;
}

static struct ks_sched_cfg *ks_sched_slot(struct ks_vm *vm, struct ks_vcpu *v,
					  enum ks_sched_scope scope)
{
	switch (scope) {
	case KS_SCOPE_VCPU:
		return &ks_vcp(v)->sched;
	case KS_SCOPE_EMULATOR:
		return &ks_vmp(vm)->emulator_sched;
	default:
		return &ks_vmp(vm)->sched;
	}
}

ssize_t ks_setting_sched_show(struct ks_vm *vm, struct ks_vcpu *v,
			      enum ks_sched_scope scope,
			      enum ks_sched_field f, char *buf)
{
	return ks_sched_cfg_show(ks_sched_slot(vm, v, scope), f, buf);
}

ssize_t ks_setting_sched_store(struct ks_vm *vm, struct ks_vcpu *v,
			       enum ks_sched_scope scope,
			       enum ks_sched_field f, const char *buf,
			       size_t len)
{
	struct ks_sched_cfg *slot;
	char what[80];
	int err;

	if (scope == KS_SCOPE_VCPU)
		snprintf(what, sizeof(what), "vms/%s/vcpus/%d/%s",
			 vm->name, v->id, ks_sched_files[f]);
	else
		snprintf(what, sizeof(what), "vms/%s/%s%s",
			 vm->name,
			 scope == KS_SCOPE_EMULATOR ? "emulator_" : "",
			 ks_sched_files[f]);

	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	ks_engine_birth(vm);
	slot = ks_sched_slot(vm, v, scope);
	err = ks_sched_cfg_store(slot, f, buf, what);
	if (err)
		goto out;
	if (f == KS_SF_POLICY && scope != KS_SCOPE_EMULATOR &&
	    ks_policy_rt(slot->policy))
		ks_sched_warn_rt(vm, v, what);
	ks_engine_resync(vm, v, scope == KS_SCOPE_EMULATOR);
out:
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	return err ? err : len;
}

ssize_t ks_setting_numa_show(struct ks_vm *vm, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = ks_numa_cfg_show(&ks_vmp(vm)->numa, buf);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_setting_numa_store(struct ks_vm *vm, const char *buf, size_t len)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	struct ks_numa_cfg cfg;
	char what[64];
	int home, err;

	snprintf(what, sizeof(what), "vms/%s/numa_node", vm->name);
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	ks_engine_birth(vm);
	cfg = vp->numa;
	err = ks_numa_parse(buf, what, &cfg);
	if (err)
		goto out;
	home = cfg.set ? ks_numa_home(vm, &cfg, vp->cpus, vp->emulator_cpus,
				      what) : 0;
	if (home < 0) {
		err = home;
		goto out;
	}
	vp->numa = cfg;
	vp->home_node = home;
	ks_engine_resync(vm, NULL, false);
	ks_engine_resync(vm, NULL, true);
out:
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	return err ? err : len;
}

ssize_t ks_setting_numa_mode_show(struct ks_vm *vm, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = ks_numa_mode_show(&ks_vmp(vm)->numa, false, buf);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_setting_numa_mode_store(struct ks_vm *vm, const char *buf,
				   size_t len)
{
	char what[64];
	int err;

	snprintf(what, sizeof(what), "vms/%s/numa_mode", vm->name);
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	ks_engine_birth(vm);
	err = ks_numa_parse_mode_line(buf, what, &ks_vmp(vm)->numa);
	if (!err) {
		ks_engine_resync(vm, NULL, false);
		ks_engine_resync(vm, NULL, true);
	}
out:
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	return err ? err : len;
}

ssize_t ks_setting_irq_show(struct ks_vm *vm, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = ks_irq_cfg_show(&ks_vmp(vm)->irq, buf);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_setting_irq_store(struct ks_vm *vm, const char *buf, size_t len)
{
	struct ks_irq_cfg cfg;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "vms/%s/irq_cpus", vm->name);
	err = ks_irq_cfg_parse(buf, what, &cfg);
	if (err)
		return err;
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	ks_engine_birth(vm);
	swap(ks_vmp(vm)->irq, cfg);
	/* The emulator's resync: the vCPUs are not concerned. */
	ks_engine_resync(vm, NULL, true);
out:
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	kfree(cfg.cpus);
	return err ? err : len;
}

ssize_t ks_setting_halt_show(struct ks_vm *vm, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = ks_halt_cfg_show(&ks_vmp(vm)->halt_poll, buf);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_setting_halt_store(struct ks_vm *vm, const char *buf, size_t len)
{
	struct ks_halt_cfg cfg;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "vms/%s/halt_poll_ns", vm->name);
	err = ks_halt_cfg_parse(buf, what, &cfg);
	if (err)
		return err;
	mutex_lock(&ks_policy_mutex);
	cpus_read_lock();
	if (!ks_vm_alive(vm)) {
		err = -ENODEV;
		goto out;
	}
	ks_engine_birth(vm);
	ks_vmp(vm)->halt_poll = cfg;
	ks_engine_resync(vm, NULL, true);
out:
	cpus_read_unlock();
	mutex_unlock(&ks_policy_mutex);
	return err ? err : len;
}
