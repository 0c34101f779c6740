// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/kvmsched: one kobject per directory, one value per file.
 * Every file is documented in sysfs-abi/; names never change within an
 * ABI version.
 */
#include <linux/kobject.h>
#include <linux/pid.h>
#include <linux/sysfs.h>

#include "kvmsched_abi.h"
#include "affinity.h"
#include "discovery.h"
#include "engine.h"
#include "features.h"
#include "guard.h"
#include "policy.h"
#include "registry.h"
#include "rules.h"
#include "sched.h"
#include "settings.h"
#include "sysfs.h"

static struct kobject *ks_root_kobj;
struct kobject *ks_vms_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", KVMSCHED_ABI_VERSION);
}

static ssize_t capabilities_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return ks_discovery_caps_show(buf);
}

static struct kobj_attribute ks_version_attr = __ATTR_RO(version);
static struct kobj_attribute ks_capabilities_attr = __ATTR_RO(capabilities);

static struct attribute *ks_root_attrs[] = {
	&ks_version_attr.attr,
	&ks_capabilities_attr.attr,
	NULL,
};

static const struct attribute_group ks_root_group = {
	.attrs = ks_root_attrs,
};

static struct ks_vm *to_vm(struct kobject *kobj)
{
	return container_of(kobj, struct ks_vm, kobj);
}

static struct ks_vcpu *to_vcpu(struct kobject *kobj)
{
	return container_of(kobj, struct ks_vcpu, kobj);
}

static ssize_t pid_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%d\n", pid_nr(to_vm(kobj)->tgid));
}

static ssize_t comm_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vm(kobj)->comm);
}

static ssize_t nr_vcpus_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	int n = ks_vm_nr_vcpus(to_vm(kobj));

	return n < 0 ? n : sysfs_emit(buf, "%d\n", n);
}

static ssize_t vm_cpus_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return ks_setting_cpus_show(to_vm(kobj), NULL, KS_CPUS, buf);
}

static ssize_t vm_cpus_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t len)
{
	return ks_setting_cpus_store(to_vm(kobj), NULL, KS_CPUS, buf, len);
}

static ssize_t emulator_cpus_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return ks_setting_cpus_show(to_vm(kobj), NULL, KS_EMULATOR_CPUS, buf);
}

static ssize_t emulator_cpus_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t len)
{
	return ks_setting_cpus_store(to_vm(kobj), NULL, KS_EMULATOR_CPUS, buf,
				     len);
}

static ssize_t emulator_repairs_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&ks_vmp(to_vm(kobj))->emulator_repairs));
}

static ssize_t rule_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = sysfs_emit(buf, "%s\n", ks_vmp(to_vm(kobj))->rule);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

/* A scheduling file: whose settings (scope) and which one (field). */
struct ks_sched_kattr {
	struct kobj_attribute kattr;
	enum ks_sched_scope scope;
	enum ks_sched_field field;
};

static struct ks_sched_kattr *to_sched_kattr(struct kobj_attribute *attr)
{
	return container_of(attr, struct ks_sched_kattr, kattr);
}

static ssize_t sched_setting_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct ks_sched_kattr *a = to_sched_kattr(attr);
	struct ks_vcpu *v = a->scope == KS_SCOPE_VCPU ? to_vcpu(kobj) : NULL;

	return ks_setting_sched_show(v ? v->vm : to_vm(kobj), v, a->scope,
				     a->field, buf);
}

static ssize_t sched_setting_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t len)
{
	struct ks_sched_kattr *a = to_sched_kattr(attr);
	struct ks_vcpu *v = a->scope == KS_SCOPE_VCPU ? to_vcpu(kobj) : NULL;

	return ks_setting_sched_store(v ? v->vm : to_vm(kobj), v, a->scope,
				      a->field, buf, len);
}

static ssize_t sched_effective_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return ks_sched_effective_show(to_vcpu(kobj),
				       to_sched_kattr(attr)->field, buf);
}

#define KS_SCHED_SETTING(_var, _name, _scope, _field)			\
	static struct ks_sched_kattr _var = {				\
		.kattr = __ATTR(_name, 0600, sched_setting_show,	\
				sched_setting_store),			\
		.scope = _scope,					\
		.field = _field,					\
	}

#define KS_SCHED_EFFECTIVE(_var, _name, _field)				\
	static struct ks_sched_kattr _var = {				\
		.kattr = __ATTR(_name, 0444, sched_effective_show, NULL), \
		.field = _field,					\
	}

KS_SCHED_SETTING(ks_vm_policy_attr, sched_policy, KS_SCOPE_VM, KS_SF_POLICY);
KS_SCHED_SETTING(ks_vm_prio_attr, sched_priority, KS_SCOPE_VM,
		 KS_SF_PRIORITY);
KS_SCHED_SETTING(ks_vm_nice_attr, nice, KS_SCOPE_VM, KS_SF_NICE);
KS_SCHED_SETTING(ks_emu_policy_attr, emulator_sched_policy, KS_SCOPE_EMULATOR,
		 KS_SF_POLICY);
KS_SCHED_SETTING(ks_emu_prio_attr, emulator_sched_priority,
		 KS_SCOPE_EMULATOR, KS_SF_PRIORITY);
KS_SCHED_SETTING(ks_emu_nice_attr, emulator_nice, KS_SCOPE_EMULATOR,
		 KS_SF_NICE);
KS_SCHED_SETTING(ks_vcpu_policy_attr, sched_policy, KS_SCOPE_VCPU,
		 KS_SF_POLICY);
KS_SCHED_SETTING(ks_vcpu_prio_attr, sched_priority, KS_SCOPE_VCPU,
		 KS_SF_PRIORITY);
KS_SCHED_SETTING(ks_vcpu_nice_attr, nice, KS_SCOPE_VCPU, KS_SF_NICE);
#ifdef KS_HAVE_CUSTOM_SLICE
KS_SCHED_SETTING(ks_vm_slice_attr, slice_us, KS_SCOPE_VM, KS_SF_SLICE);
KS_SCHED_SETTING(ks_vcpu_slice_attr, slice_us, KS_SCOPE_VCPU, KS_SF_SLICE);
KS_SCHED_EFFECTIVE(ks_eff_slice_attr, effective_slice_us, KS_SF_SLICE);
#endif
KS_SCHED_EFFECTIVE(ks_eff_policy_attr, effective_sched_policy, KS_SF_POLICY);
KS_SCHED_EFFECTIVE(ks_eff_prio_attr, effective_sched_priority,
		   KS_SF_PRIORITY);
KS_SCHED_EFFECTIVE(ks_eff_nice_attr, effective_nice, KS_SF_NICE);

static ssize_t rt_guard_runtime_us_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	return ks_guard_show(to_vm(kobj), false, buf);
}

static ssize_t rt_guard_runtime_us_store(struct kobject *kobj,
					 struct kobj_attribute *attr,
					 const char *buf, size_t len)
{
	return ks_guard_store(to_vm(kobj), false, buf, len);
}

static ssize_t rt_guard_period_us_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	return ks_guard_show(to_vm(kobj), true, buf);
}

static ssize_t rt_guard_period_us_store(struct kobject *kobj,
					struct kobj_attribute *attr,
					const char *buf, size_t len)
{
	return ks_guard_store(to_vm(kobj), true, buf, len);
}

static struct kobj_attribute ks_pid_attr = __ATTR_RO(pid);
static struct kobj_attribute ks_comm_attr = __ATTR_RO(comm);
static struct kobj_attribute ks_nr_vcpus_attr = __ATTR_RO(nr_vcpus);
static struct kobj_attribute ks_vm_cpus_attr =
	__ATTR(cpus, 0600, vm_cpus_show, vm_cpus_store);
static struct kobj_attribute ks_emulator_cpus_attr =
	__ATTR_RW_MODE(emulator_cpus, 0600);
static struct kobj_attribute ks_emulator_repairs_attr =
	__ATTR_RO_MODE(emulator_repairs, 0400);
static struct kobj_attribute ks_rule_attr = __ATTR_RO(rule);
static struct kobj_attribute ks_rt_guard_runtime_attr =
	__ATTR_RW_MODE(rt_guard_runtime_us, 0600);
static struct kobj_attribute ks_rt_guard_period_attr =
	__ATTR_RW_MODE(rt_guard_period_us, 0600);

static struct attribute *ks_vm_attrs[] = {
	&ks_pid_attr.attr,
	&ks_comm_attr.attr,
	&ks_nr_vcpus_attr.attr,
	&ks_vm_cpus_attr.attr,
	&ks_emulator_cpus_attr.attr,
	&ks_emulator_repairs_attr.attr,
	&ks_rule_attr.attr,
	&ks_vm_policy_attr.kattr.attr,
	&ks_vm_prio_attr.kattr.attr,
	&ks_vm_nice_attr.kattr.attr,
#ifdef KS_HAVE_CUSTOM_SLICE
	&ks_vm_slice_attr.kattr.attr,
#endif
	&ks_emu_policy_attr.kattr.attr,
	&ks_emu_prio_attr.kattr.attr,
	&ks_emu_nice_attr.kattr.attr,
	&ks_rt_guard_runtime_attr.attr,
	&ks_rt_guard_period_attr.attr,
	NULL,
};

static const struct attribute_group ks_vm_group = {
	.attrs = ks_vm_attrs,
};

const struct attribute_group *ks_vm_groups[] = { &ks_vm_group, NULL };

/* Values that do not exist yet read as an empty line, not as 0 or -1. */
static ssize_t emit_or_empty(char *buf, int val, bool valid)
{
	return valid ? sysfs_emit(buf, "%d\n", val) : sysfs_emit(buf, "\n");
}

static ssize_t tid_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	int tid = ks_vcpu_tid(to_vcpu(kobj));

	return emit_or_empty(buf, tid, tid > 0);
}

static ssize_t cpu_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	int cpu = ks_vcpu_last_cpu(to_vcpu(kobj));

	if (cpu == -ENODEV)
		return cpu;
	return emit_or_empty(buf, cpu, cpu >= 0);
}

static ssize_t vcpu_cpus_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct ks_vcpu *v = to_vcpu(kobj);

	return ks_setting_cpus_show(v->vm, v, KS_CPUS, buf);
}

static ssize_t vcpu_cpus_store(struct kobject *kobj,
			       struct kobj_attribute *attr, const char *buf,
			       size_t len)
{
	struct ks_vcpu *v = to_vcpu(kobj);

	return ks_setting_cpus_store(v->vm, v, KS_CPUS, buf, len);
}

static ssize_t effective_cpus_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return ks_affinity_effective_show(to_vcpu(kobj), buf);
}

static ssize_t placement_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return ks_affinity_placement_show(to_vcpu(kobj), buf);
}

static ssize_t affinity_repairs_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&ks_vcp(to_vcpu(kobj))->repairs[KS_ASPECT_AFFINITY]));
}

static ssize_t sched_repairs_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&ks_vcp(to_vcpu(kobj))->repairs[KS_ASPECT_SCHED]));
}

static ssize_t rt_demotions_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&ks_vcp(to_vcpu(kobj))->rt_demotions));
}

static ssize_t rt_demoted_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  test_bit(KS_VCPU_DEMOTED, &ks_vcp(to_vcpu(kobj))->flags));
}

static struct kobj_attribute ks_tid_attr = __ATTR_RO(tid);
static struct kobj_attribute ks_cpu_attr = __ATTR_RO(cpu);
static struct kobj_attribute ks_vcpu_cpus_attr =
	__ATTR(cpus, 0600, vcpu_cpus_show, vcpu_cpus_store);
static struct kobj_attribute ks_effective_cpus_attr = __ATTR_RO(effective_cpus);
static struct kobj_attribute ks_placement_attr = __ATTR_RO(placement);
static struct kobj_attribute ks_affinity_repairs_attr =
	__ATTR_RO_MODE(affinity_repairs, 0400);
static struct kobj_attribute ks_sched_repairs_attr =
	__ATTR_RO_MODE(sched_repairs, 0400);
static struct kobj_attribute ks_rt_demotions_attr =
	__ATTR_RO_MODE(rt_demotions, 0400);
static struct kobj_attribute ks_rt_demoted_attr = __ATTR_RO(rt_demoted);

static struct attribute *ks_vcpu_attrs[] = {
	&ks_tid_attr.attr,
	&ks_cpu_attr.attr,
	&ks_vcpu_cpus_attr.attr,
	&ks_effective_cpus_attr.attr,
	&ks_placement_attr.attr,
	&ks_affinity_repairs_attr.attr,
	&ks_vcpu_policy_attr.kattr.attr,
	&ks_vcpu_prio_attr.kattr.attr,
	&ks_vcpu_nice_attr.kattr.attr,
#ifdef KS_HAVE_CUSTOM_SLICE
	&ks_vcpu_slice_attr.kattr.attr,
	&ks_eff_slice_attr.kattr.attr,
#endif
	&ks_eff_policy_attr.kattr.attr,
	&ks_eff_prio_attr.kattr.attr,
	&ks_eff_nice_attr.kattr.attr,
	&ks_sched_repairs_attr.attr,
	&ks_rt_demotions_attr.attr,
	&ks_rt_demoted_attr.attr,
	NULL,
};

static const struct attribute_group ks_vcpu_group = {
	.attrs = ks_vcpu_attrs,
};

const struct attribute_group *ks_vcpu_groups[] = { &ks_vcpu_group, NULL };

int ks_sysfs_init(void)
{
	int err;

	ks_root_kobj = kobject_create_and_add("kvmsched", kernel_kobj);
	if (!ks_root_kobj)
		return -ENOMEM;
	err = sysfs_create_group(ks_root_kobj, &ks_root_group);
	if (err)
		goto fail;
	ks_vms_kobj = kobject_create_and_add("vms", ks_root_kobj);
	if (!ks_vms_kobj) {
		err = -ENOMEM;
		goto fail;
	}
	err = ks_rules_init(ks_root_kobj);
	if (err)
		goto fail_vms;
	return 0;
fail_vms:
	kobject_del(ks_vms_kobj);
	kobject_put(ks_vms_kobj);
fail:
	kobject_del(ks_root_kobj);
	kobject_put(ks_root_kobj);
	return err;
}

/*
 * kobject_del() before kobject_put(): with CONFIG_DEBUG_KOBJECT_RELEASE the
 * put may take effect seconds later, and the files must not outlive us.
 */
void ks_sysfs_exit(void)
{
	ks_rules_exit();
	kobject_del(ks_vms_kobj);
	kobject_put(ks_vms_kobj);
	kobject_del(ks_root_kobj);
	kobject_put(ks_root_kobj);
}
