// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/kvmsched: one kobject per directory, one value per file.
 * Every file of a VM, vCPU or rule directory is one entry of ks_files[]:
 * its name, mode, the directories it is in, and its type, which says how
 * it is read and written; a file in several directories (cpus, the
 * scheduling settings) is declared once. Every file is documented in
 * sysfs-abi/; names never change within an ABI version.
 */
#include <linux/bitops.h>
#include <linux/kobject.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "kvmsched_abi.h"
#include "affinity.h"
#include "apply.h"
#include "discovery.h"
#include "compat.h"
#include "diag.h"
#include "engine.h"
#include "features.h"
#include "guard.h"
#include "haltpoll.h"
#include "irq.h"
#include "memnodes.h"
#include "numa.h"
#include "policy.h"
#include "registry.h"
#include "rules.h"
#include "sched.h"
#include "settings.h"
#include "stats.h"
#include "sysfs.h"

/* The directories a file can be in. */
enum ks_dir {
	KS_DIR_VM,		/* vms/<vm>/ */
	KS_DIR_VCPU,		/* vms/<vm>/vcpus/<id>/ */
	KS_DIR_RULE,		/* rules/<name>/ */
	KS_DIR_IRQ,		/* vms/<vm>/irqs/<irq>/ */
	KS_DIR_VM_STATS,	/* vms/<vm>/stats/ (a group of the VM's) */
	KS_DIR_VCPU_STATS,	/* vms/<vm>/vcpus/<id>/stats/ */
	KS_DIR_VM_DIAG,		/* vms/<vm>/diag/ */
	KS_NR_DIRS,
};

#define KS_IN_VM	BIT(KS_DIR_VM)
#define KS_IN_VCPU	BIT(KS_DIR_VCPU)
#define KS_IN_RULE	BIT(KS_DIR_RULE)
#define KS_IN_IRQ	BIT(KS_DIR_IRQ)
#define KS_IN_VM_STATS	BIT(KS_DIR_VM_STATS)
#define KS_IN_VCPU_STATS	BIT(KS_DIR_VCPU_STATS)
#define KS_IN_STATS	(KS_IN_VM_STATS | KS_IN_VCPU_STATS)
#define KS_IN_VM_DIAG	BIT(KS_DIR_VM_DIAG)

/* How a file is read and written. */
enum ks_ftype {
	KS_FT_CPUS,		/* a cpulist setting: .cpus */
	KS_FT_SCHED,		/* a scheduling setting: .emulator, .field */
	KS_FT_EFFECTIVE,	/* what the vCPU's thread runs with: .field */
	KS_FT_COUNTER,		/* an atomic_long_t at .offset of the block */
	KS_FT_NUMA,		/* the NUMA setting of a VM or rule */
	KS_FT_STAT,		/* a statistic of a vCPU or VM: .stat */
	KS_FT_DIAG,		/* a diagnosis of a VM: .stat, enum ks_diag_file */
	KS_FT_OWN,		/* its own .show and .store */
};

struct ks_file {
	const char *name;
	umode_t mode;
	u8 dirs;			/* KS_IN_* */
	u8 type;			/* enum ks_ftype */
	bool emulator;			/* KS_FT_SCHED: the emulator threads' */
	enum ks_cpus_file cpus;		/* KS_FT_CPUS */
	enum ks_sched_field field;	/* KS_FT_SCHED, KS_FT_EFFECTIVE */
	bool numa_mode;			/* KS_FT_NUMA: numa_mode, not numa_node */
	size_t offset;			/* KS_FT_COUNTER: in ks_vm_pol or ks_vcpu_pol */
	int stat;			/* KS_FT_STAT: enum ks_stat, ks_vm_stat */
					/* KS_FT_DIAG: enum ks_diag_file */
	ssize_t (*show)(struct kobject *kobj, char *buf);
	ssize_t (*store)(struct kobject *kobj, const char *buf, size_t len);
};

static struct ks_vm *to_vm(struct kobject *kobj)
{
	return container_of(kobj, struct ks_vm, kobj);
}

static struct ks_vcpu *to_vcpu(struct kobject *kobj)
{
	return container_of(kobj, struct ks_vcpu, kobj);
}

static struct ks_irq *to_irq(struct kobject *kobj)
{
	return container_of(kobj, struct ks_irq, kobj);
}

static ssize_t pid_show(struct kobject *kobj, char *buf)
{
	return sysfs_emit(buf, "%d\n", pid_nr(to_vm(kobj)->tgid));
}

static ssize_t comm_show(struct kobject *kobj, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vm(kobj)->comm);
}

static ssize_t nr_vcpus_show(struct kobject *kobj, char *buf)
{
	int n = ks_vm_nr_vcpus(to_vm(kobj));

	return n < 0 ? n : sysfs_emit(buf, "%d\n", n);
}

static ssize_t rule_show(struct kobject *kobj, char *buf)
{
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = sysfs_emit(buf, "%s\n", ks_vmp(to_vm(kobj))->rule);
	mutex_unlock(&ks_policy_mutex);
	return len;
}

static ssize_t rt_guard_runtime_us_show(struct kobject *kobj, char *buf)
{
	return ks_guard_show(to_vm(kobj), false, buf);
}

static ssize_t rt_guard_runtime_us_store(struct kobject *kobj,
					 const char *buf, size_t len)
{
	return ks_guard_store(to_vm(kobj), false, buf, len);
}

static ssize_t rt_guard_period_us_show(struct kobject *kobj, char *buf)
{
	return ks_guard_show(to_vm(kobj), true, buf);
}

static ssize_t rt_guard_period_us_store(struct kobject *kobj, const char *buf,
					size_t len)
{
	return ks_guard_store(to_vm(kobj), true, buf, len);
}

/* Values that do not exist yet read as an empty line, not as 0 or -1. */
static ssize_t emit_or_empty(char *buf, int val, bool valid)
{
	return valid ? sysfs_emit(buf, "%d\n", val) : sysfs_emit(buf, "\n");
}

static ssize_t tid_show(struct kobject *kobj, char *buf)
{
	int tid = ks_vcpu_tid(to_vcpu(kobj));

	return emit_or_empty(buf, tid, tid > 0);
}

static ssize_t cpu_show(struct kobject *kobj, char *buf)
{
	int cpu = ks_vcpu_last_cpu(to_vcpu(kobj));

	if (cpu == -ENODEV)
		return cpu;
	return emit_or_empty(buf, cpu, cpu >= 0);
}

static ssize_t effective_cpus_show(struct kobject *kobj, char *buf)
{
	return ks_affinity_effective_show(to_vcpu(kobj), buf);
}

static ssize_t placement_show(struct kobject *kobj, char *buf)
{
	return ks_affinity_placement_show(to_vcpu(kobj), buf);
}

static ssize_t home_node_show(struct kobject *kobj, char *buf)
{
	return ks_numa_home_show(to_vm(kobj), buf);
}

static ssize_t memory_nodes_kb_show(struct kobject *kobj, char *buf)
{
	return ks_memnodes_show(to_vm(kobj), buf);
}

static ssize_t node_show(struct kobject *kobj, char *buf)
{
	return ks_numa_vcpu_node_show(to_vcpu(kobj), buf);
}

static ssize_t rt_demoted_show(struct kobject *kobj, char *buf)
{
	return sysfs_emit(buf, "%d\n", test_bit(KS_VCPU_DEMOTED,
						&ks_vcp(to_vcpu(kobj))->flags));
}

static ssize_t irq_cpus_show(struct kobject *kobj, char *buf)
{
	return ks_setting_irq_show(to_vm(kobj), buf);
}

static ssize_t irq_cpus_store(struct kobject *kobj, const char *buf,
			      size_t len)
{
	return ks_setting_irq_store(to_vm(kobj), buf, len);
}

static ssize_t source_show(struct kobject *kobj, char *buf)
{
	return ks_irq_source_show(to_irq(kobj), buf);
}

static ssize_t gsi_show(struct kobject *kobj, char *buf)
{
	return ks_irq_gsi_show(to_irq(kobj), buf);
}

static ssize_t target_vcpu_show(struct kobject *kobj, char *buf)
{
	return ks_irq_target_vcpu_show(to_irq(kobj), buf);
}

static ssize_t irq_effective_cpus_show(struct kobject *kobj, char *buf)
{
	return ks_irq_effective_show(to_irq(kobj), buf);
}

static ssize_t steering_show(struct kobject *kobj, char *buf)
{
	return ks_irq_steering_show(to_irq(kobj), buf);
}

static ssize_t repairs_show(struct kobject *kobj, char *buf)
{
	return ks_irq_repairs_show(to_irq(kobj), buf);
}

static ssize_t halt_poll_ns_show(struct kobject *kobj, char *buf)
{
	return ks_setting_halt_show(to_vm(kobj), buf);
}

static ssize_t halt_poll_ns_store(struct kobject *kobj, const char *buf,
				  size_t len)
{
	return ks_setting_halt_store(to_vm(kobj), buf, len);
}

static ssize_t apply_store(struct kobject *kobj, const char *buf, size_t len)
{
	return ks_setting_apply_store(to_vm(kobj), buf, len);
}

static ssize_t effective_halt_poll_ns_show(struct kobject *kobj, char *buf)
{
	return ks_halt_effective_show(to_vm(kobj), buf);
}

#define KS_OWN(_name, _mode, _dirs, _show, _store)			\
	{ .name = _name, .mode = _mode, .dirs = _dirs, .type = KS_FT_OWN, \
	  .show = _show, .store = _store }
#define KS_CPUS_FILE(_name, _dirs, _cpus)				\
	{ .name = _name, .mode = 0600, .dirs = _dirs, .type = KS_FT_CPUS, \
	  .cpus = _cpus }
#define KS_SCHED_FILE(_name, _dirs, _emulator, _field)			\
	{ .name = _name, .mode = 0600, .dirs = _dirs, .type = KS_FT_SCHED, \
	  .emulator = _emulator, .field = _field }
#define KS_EFFECTIVE_FILE(_name, _field)				\
	{ .name = _name, .mode = 0444, .dirs = KS_IN_VCPU,		\
	  .type = KS_FT_EFFECTIVE, .field = _field }
#define KS_NUMA_FILE(_name, _field)					\
	{ .name = _name, .mode = 0600, .dirs = KS_VM_SETTINGS,		\
	  .type = KS_FT_NUMA, .numa_mode = _field }
#define KS_COUNTER_FILE(_name, _dirs, _offset)				\
	{ .name = _name, .mode = 0400, .dirs = _dirs,			\
	  .type = KS_FT_COUNTER, .offset = _offset }

/* 0400 like every counter: a read walks the VMM's threads. */
#define KS_STAT_FILE(_name, _dirs, _stat)				\
	{ .name = _name, .mode = 0400, .dirs = _dirs, .type = KS_FT_STAT, \
	  .stat = _stat }

/* 0400 like the statistics it is made of. */
#define KS_DIAG_FILE(_name, _f)						\
	{ .name = _name, .mode = 0400, .dirs = KS_IN_VM_DIAG,		\
	  .type = KS_FT_DIAG, .stat = _f }

#define KS_ALL_SETTINGS	(KS_IN_VM | KS_IN_VCPU | KS_IN_RULE)
#define KS_VM_SETTINGS	(KS_IN_VM | KS_IN_RULE)

/* Every file of a VM, vCPU or rule directory, in the order ls shows them. */
static const struct ks_file ks_files[] = {
	/* The VM. */
	KS_OWN("pid", 0444, KS_IN_VM, pid_show, NULL),
	KS_OWN("comm", 0444, KS_IN_VM, comm_show, NULL),
	KS_OWN("nr_vcpus", 0444, KS_IN_VM, nr_vcpus_show, NULL),
	KS_OWN("rule", 0444, KS_IN_VM, rule_show, NULL),
	/* The vCPU. */
	KS_OWN("tid", 0444, KS_IN_VCPU, tid_show, NULL),
	KS_OWN("cpu", 0444, KS_IN_VCPU, cpu_show, NULL),
	/* A rule. */
	KS_OWN("match", 0600, KS_IN_RULE, ks_rule_match_show,
	       ks_rule_match_store),
	KS_OWN("matched_vms", 0400, KS_IN_RULE, ks_rule_matched_show, NULL),
	/* Affinity: settings, then what is in force. */
	KS_CPUS_FILE("cpus", KS_ALL_SETTINGS, KS_CPUS),
	KS_CPUS_FILE("emulator_cpus", KS_VM_SETTINGS, KS_EMULATOR_CPUS),
	KS_OWN("effective_cpus", 0444, KS_IN_VCPU, effective_cpus_show, NULL),
	KS_OWN("placement", 0444, KS_IN_VCPU, placement_show, NULL),
	KS_COUNTER_FILE("affinity_repairs", KS_IN_VCPU,
			offsetof(struct ks_vcpu_pol, repairs[KS_ASPECT_AFFINITY])),
	KS_COUNTER_FILE("emulator_repairs", KS_IN_VM,
			offsetof(struct ks_vm_pol, emulator_repairs)),
	/* NUMA placement. */
	KS_NUMA_FILE("numa_node", false),
	KS_NUMA_FILE("numa_mode", true),
	KS_OWN("home_node", 0444, KS_IN_VM, home_node_show, NULL),
	/* 0400: a read costs a thousand page-table walks. */
	KS_OWN("memory_nodes_kb", 0400, KS_IN_VM, memory_nodes_kb_show, NULL),
	KS_OWN("node", 0444, KS_IN_VCPU, node_show, NULL),
	KS_COUNTER_FILE("numa_spills", KS_IN_VCPU,
			offsetof(struct ks_vcpu_pol, numa_spills)),
	/* Scheduling. */
	KS_SCHED_FILE("sched_policy", KS_ALL_SETTINGS, false, KS_SF_POLICY),
	KS_SCHED_FILE("sched_priority", KS_ALL_SETTINGS, false, KS_SF_PRIORITY),
	KS_SCHED_FILE("nice", KS_ALL_SETTINGS, false, KS_SF_NICE),
#ifdef KS_HAVE_CUSTOM_SLICE
	KS_SCHED_FILE("slice_us", KS_ALL_SETTINGS, false, KS_SF_SLICE),
	KS_EFFECTIVE_FILE("effective_slice_us", KS_SF_SLICE),
#endif
	KS_SCHED_FILE("emulator_sched_policy", KS_VM_SETTINGS, true,
		      KS_SF_POLICY),
	KS_SCHED_FILE("emulator_sched_priority", KS_VM_SETTINGS, true,
		      KS_SF_PRIORITY),
	KS_SCHED_FILE("emulator_nice", KS_VM_SETTINGS, true, KS_SF_NICE),
	KS_EFFECTIVE_FILE("effective_sched_policy", KS_SF_POLICY),
	KS_EFFECTIVE_FILE("effective_sched_priority", KS_SF_PRIORITY),
	KS_EFFECTIVE_FILE("effective_nice", KS_SF_NICE),
	KS_COUNTER_FILE("sched_repairs", KS_IN_VCPU,
			offsetof(struct ks_vcpu_pol, repairs[KS_ASPECT_SCHED])),
	/* The RT guard. */
	KS_OWN("rt_guard_runtime_us", 0600, KS_IN_VM, rt_guard_runtime_us_show,
	       rt_guard_runtime_us_store),
	KS_OWN("rt_guard_period_us", 0600, KS_IN_VM, rt_guard_period_us_show,
	       rt_guard_period_us_store),
	KS_COUNTER_FILE("rt_demotions", KS_IN_VCPU,
			offsetof(struct ks_vcpu_pol, rt_demotions)),
	KS_OWN("rt_demoted", 0444, KS_IN_VCPU, rt_demoted_show, NULL),
	/* Interrupt steering: the setting, then each host IRQ. */
	KS_OWN("irq_cpus", 0600, KS_IN_VM, irq_cpus_show, irq_cpus_store),
	KS_OWN("irq_cpus", 0600, KS_IN_RULE, ks_rule_irq_show,
	       ks_rule_irq_store),
	KS_OWN("source", 0444, KS_IN_IRQ, source_show, NULL),
	KS_OWN("gsi", 0444, KS_IN_IRQ, gsi_show, NULL),
	KS_OWN("target_vcpu", 0444, KS_IN_IRQ, target_vcpu_show, NULL),
	KS_OWN("effective_cpus", 0444, KS_IN_IRQ, irq_effective_cpus_show,
	       NULL),
	KS_OWN("steering", 0444, KS_IN_IRQ, steering_show, NULL),
	KS_OWN("repairs", 0400, KS_IN_IRQ, repairs_show, NULL),
	/* Halt polling: the setting, then what KVM applies. */
	KS_OWN("halt_poll_ns", 0600, KS_IN_VM, halt_poll_ns_show,
	       halt_poll_ns_store),
	KS_OWN("halt_poll_ns", 0600, KS_IN_RULE, ks_rule_halt_show,
	       ks_rule_halt_store),
	KS_OWN("effective_halt_poll_ns", 0444, KS_IN_VM,
	       effective_halt_poll_ns_show, NULL),
	KS_COUNTER_FILE("halt_poll_repairs", KS_IN_VM,
			offsetof(struct ks_vm_pol, repairs[KS_ASPECT_HALT_POLL])),
	/* Several settings at once. */
	KS_OWN("apply", 0200, KS_IN_VM, NULL, apply_store),
	/* Statistics: a vCPU's, and in a VM the sums of its vCPUs'. */
	KS_STAT_FILE("runtime_ns", KS_IN_STATS, KS_ST_RUNTIME_NS),
	KS_STAT_FILE("guest_ns", KS_IN_STATS, KS_ST_GUEST_NS),
	KS_STAT_FILE("run_delay_ns", KS_IN_STATS, KS_ST_RUN_DELAY_NS),
	KS_STAT_FILE("run_count", KS_IN_STATS, KS_ST_RUN_COUNT),
	KS_STAT_FILE("migrations", KS_IN_STATS, KS_ST_MIGRATIONS),
	KS_STAT_FILE("voluntary_switches", KS_IN_STATS,
		     KS_ST_VOLUNTARY_SWITCHES),
	KS_STAT_FILE("involuntary_switches", KS_IN_STATS,
		     KS_ST_INVOLUNTARY_SWITCHES),
	KS_STAT_FILE("exits", KS_IN_STATS, KS_ST_EXITS),
	KS_STAT_FILE("io_exits", KS_IN_STATS, KS_ST_IO_EXITS),
	KS_STAT_FILE("mmio_exits", KS_IN_STATS, KS_ST_MMIO_EXITS),
	KS_STAT_FILE("irq_exits", KS_IN_STATS, KS_ST_IRQ_EXITS),
	KS_STAT_FILE("halt_exits", KS_IN_STATS, KS_ST_HALT_EXITS),
	KS_STAT_FILE("halt_poll_success_ns", KS_IN_STATS,
		     KS_ST_HALT_POLL_SUCCESS_NS),
	KS_STAT_FILE("halt_poll_fail_ns", KS_IN_STATS, KS_ST_HALT_POLL_FAIL_NS),
	KS_STAT_FILE("halt_wait_ns", KS_IN_STATS, KS_ST_HALT_WAIT_NS),
	KS_STAT_FILE("halt_polls", KS_IN_STATS, KS_ST_HALT_POLLS),
	KS_STAT_FILE("halt_wakeups", KS_IN_STATS, KS_ST_HALT_WAKEUPS),
	KS_STAT_FILE("emulator_runtime_ns", KS_IN_VM_STATS,
		     KS_ST_EMULATOR_RUNTIME_NS),
	KS_STAT_FILE("nr_threads", KS_IN_VM_STATS, KS_ST_NR_THREADS),
	/* Diagnosis: what the statistics say over the last window. */
	KS_DIAG_FILE("cpu_pct", KS_DF_CPU_PCT),
	KS_DIAG_FILE("guest_pct", KS_DF_GUEST_PCT),
	KS_DIAG_FILE("halt_poll_pct", KS_DF_HALT_POLL_PCT),
	KS_DIAG_FILE("exit_pct", KS_DF_EXIT_PCT),
	KS_DIAG_FILE("emulator_pct", KS_DF_EMULATOR_PCT),
	KS_DIAG_FILE("steal_pct", KS_DF_STEAL_PCT),
	KS_DIAG_FILE("top_cause", KS_DF_TOP_CAUSE),
	KS_DIAG_FILE("window_ms", KS_DF_WINDOW_MS),
};

/* One file in one directory kind: what ks_files[] says, and where. */
struct ks_attr {
	struct kobj_attribute kattr;
	const struct ks_file *file;
	enum ks_dir dir;
};

static struct ks_attr *ks_attrs;
static struct attribute **ks_dir_attrs[KS_NR_DIRS];
static struct attribute_group ks_dir_group[KS_NR_DIRS];

/* The ktypes of the registry's and the rules' objects point here. */
const struct attribute_group *ks_vm_groups[4];
const struct attribute_group *ks_vcpu_groups[3];
const struct attribute_group *ks_rule_groups[2];
const struct attribute_group *ks_irq_groups[2];

/*
 * Where each directory kind's group goes: a stats/ or diag/ directory is
 * a named group of its VM's or vCPU's kobject, which its files are shown
 * with.
 */
static const struct {
	const struct attribute_group **groups;
	int slot;
	const char *name;
} ks_dir_place[KS_NR_DIRS] = {
	[KS_DIR_VM] = { ks_vm_groups, 0 },
	[KS_DIR_VCPU] = { ks_vcpu_groups, 0 },
	[KS_DIR_RULE] = { ks_rule_groups, 0 },
	[KS_DIR_IRQ] = { ks_irq_groups, 0 },
	[KS_DIR_VM_STATS] = { ks_vm_groups, 1, "stats" },
	[KS_DIR_VCPU_STATS] = { ks_vcpu_groups, 1, "stats" },
	[KS_DIR_VM_DIAG] = { ks_vm_groups, 2, "diag" },
};

static bool ks_dir_is_vcpu(enum ks_dir dir)
{
	return dir == KS_DIR_VCPU || dir == KS_DIR_VCPU_STATS;
}

/* A VM or vCPU directory's objects: the vCPU is NULL in a VM directory. */
static struct ks_vm *ks_attr_vm(const struct ks_attr *a, struct kobject *kobj,
				struct ks_vcpu **v)
{
	*v = ks_dir_is_vcpu(a->dir) ? to_vcpu(kobj) : NULL;
	return *v ? (*v)->vm : to_vm(kobj);
}

static ssize_t ks_stat_show(const struct ks_attr *a, struct kobject *kobj,
			    char *buf)
{
	u64 vals[KS_NR_VM_STATS];
	struct ks_vcpu *v;
	struct ks_vm *vm;
	int err;

	vm = ks_attr_vm(a, kobj, &v);
	err = v ? ks_stats_vcpu(v, vals) : ks_stats_vm(vm, vals);
	return err ? err : sysfs_emit(buf, "%llu\n", vals[a->file->stat]);
}

static enum ks_sched_scope ks_attr_scope(const struct ks_attr *a)
{
	if (a->file->emulator)
		return KS_SCOPE_EMULATOR;
	return a->dir == KS_DIR_VCPU ? KS_SCOPE_VCPU : KS_SCOPE_VM;
}

static ssize_t ks_file_show(struct kobject *kobj, struct kobj_attribute *kattr,
			    char *buf)
{
	const struct ks_attr *a = container_of(kattr, struct ks_attr, kattr);
	const struct ks_file *f = a->file;
	struct ks_vcpu *v;
	struct ks_vm *vm;
	void *block;

	switch (f->type) {
	case KS_FT_CPUS:
		if (a->dir == KS_DIR_RULE)
			return ks_rule_cpus_show(kobj, f->cpus, buf);
		vm = ks_attr_vm(a, kobj, &v);
		return ks_setting_cpus_show(vm, v, f->cpus, buf);
	case KS_FT_SCHED:
		if (a->dir == KS_DIR_RULE)
			return ks_rule_sched_show(kobj, ks_attr_scope(a),
						  f->field, buf);
		vm = ks_attr_vm(a, kobj, &v);
		return ks_setting_sched_show(vm, v, ks_attr_scope(a), f->field,
					     buf);
	case KS_FT_EFFECTIVE:
		return ks_sched_effective_show(to_vcpu(kobj), f->field, buf);
	case KS_FT_NUMA:
		if (a->dir == KS_DIR_RULE)
			return f->numa_mode ? ks_rule_numa_mode_show(kobj, buf) :
			       ks_rule_numa_show(kobj, buf);
		return f->numa_mode ? ks_setting_numa_mode_show(to_vm(kobj), buf) :
		       ks_setting_numa_show(to_vm(kobj), buf);
	case KS_FT_STAT:
		return ks_stat_show(a, kobj, buf);
	case KS_FT_DIAG:
		return ks_diag_show(to_vm(kobj), f->stat, buf);
	case KS_FT_COUNTER:
		vm = ks_attr_vm(a, kobj, &v);
		block = v ? ks_vcpu_priv(v) : ks_vm_priv(vm);
		return sysfs_emit(buf, "%ld\n",
				  atomic_long_read((atomic_long_t *)((char *)block +
								     f->offset)));
	default:
		return f->show(kobj, buf);
	}
}

static ssize_t ks_file_store(struct kobject *kobj, struct kobj_attribute *kattr,
			     const char *buf, size_t len)
{
	const struct ks_attr *a = container_of(kattr, struct ks_attr, kattr);
	const struct ks_file *f = a->file;
	struct ks_vcpu *v;
	struct ks_vm *vm;

	switch (f->type) {
	case KS_FT_CPUS:
		if (a->dir == KS_DIR_RULE)
			return ks_rule_cpus_store(kobj, f->cpus, f->name, buf,
						  len);
		vm = ks_attr_vm(a, kobj, &v);
		return ks_setting_cpus_store(vm, v, f->cpus, buf, len);
	case KS_FT_SCHED:
		if (a->dir == KS_DIR_RULE)
			return ks_rule_sched_store(kobj, ks_attr_scope(a),
						   f->field, f->name, buf, len);
		vm = ks_attr_vm(a, kobj, &v);
		return ks_setting_sched_store(vm, v, ks_attr_scope(a),
					      f->field, buf, len);
	case KS_FT_NUMA:
		if (a->dir == KS_DIR_RULE)
			return f->numa_mode ?
			       ks_rule_numa_mode_store(kobj, buf, len) :
			       ks_rule_numa_store(kobj, buf, len);
		return f->numa_mode ?
		       ks_setting_numa_mode_store(to_vm(kobj), buf, len) :
		       ks_setting_numa_store(to_vm(kobj), buf, len);
	default:
		return f->store(kobj, buf, len);
	}
}

/* Builds each directory kind's attribute group from ks_files[]. */
static int ks_files_init(void)
{
	struct ks_attr *a;
	int d, i, n = 0, at[KS_NR_DIRS] = { };

	for (i = 0; i < ARRAY_SIZE(ks_files); i++)
		n += hweight8(ks_files[i].dirs);
	ks_attrs = kcalloc(n, sizeof(*ks_attrs), GFP_KERNEL);
	for (d = 0; d < KS_NR_DIRS; d++)
		ks_dir_attrs[d] = kcalloc(ARRAY_SIZE(ks_files) + 1,
					  sizeof(*ks_dir_attrs[d]), GFP_KERNEL);
	if (!ks_attrs)
		return -ENOMEM;
	for (d = 0; d < KS_NR_DIRS; d++)
		if (!ks_dir_attrs[d])
			return -ENOMEM;
	a = ks_attrs;
	for (d = 0; d < KS_NR_DIRS; d++) {
		for (i = 0; i < ARRAY_SIZE(ks_files); i++) {
			if (!(ks_files[i].dirs & BIT(d)))
				continue;
			sysfs_attr_init(&a->kattr.attr);
			a->kattr.attr.name = ks_files[i].name;
			a->kattr.attr.mode = ks_files[i].mode;
			if (ks_files[i].mode & 0444)
				a->kattr.show = ks_file_show;
			if (ks_files[i].mode & 0222)
				a->kattr.store = ks_file_store;
			a->file = &ks_files[i];
			a->dir = d;
			ks_dir_attrs[d][at[d]++] = &a->kattr.attr;
			a++;
		}
		ks_dir_group[d].attrs = ks_dir_attrs[d];
		ks_dir_group[d].name = ks_dir_place[d].name;
		ks_dir_place[d].groups[ks_dir_place[d].slot] = &ks_dir_group[d];
	}
	return 0;
}

static void ks_files_exit(void)
{
	int d;

	for (d = 0; d < KS_NR_DIRS; d++)
		kfree(ks_dir_attrs[d]);
	kfree(ks_attrs);
}

static struct kobject *ks_root_kobj;
struct kset *ks_vms_kset;

/*
 * The variables of a VM directory's add and remove uevents, for agents
 * that listen instead of polling vms/ (sysfs-abi/, "vms/<vm>/").
 */
static int ks_vm_uevent(KS_UEVENT_CONST struct kobject *kobj,
			struct kobj_uevent_env *env)
{
	const struct ks_vm *vm = container_of(kobj, struct ks_vm, kobj);

	return add_uevent_var(env, "KVMSCHED_VM=%s", vm->name) ?:
	       add_uevent_var(env, "KVMSCHED_PID=%d", pid_nr(vm->tgid)) ?:
	       add_uevent_var(env, "KVMSCHED_COMM=%s", vm->comm);
}

static const struct kset_uevent_ops ks_vm_uevent_ops = {
	.uevent = ks_vm_uevent,
};

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

int ks_sysfs_init(void)
{
	int err;

	err = ks_files_init();
	if (err)
		goto fail_files;
	ks_root_kobj = kobject_create_and_add("kvmsched", kernel_kobj);
	if (!ks_root_kobj) {
		err = -ENOMEM;
		goto fail_files;
	}
	err = sysfs_create_group(ks_root_kobj, &ks_root_group);
	if (err)
		goto fail;
	ks_vms_kset = kset_create_and_add("vms", &ks_vm_uevent_ops,
					  ks_root_kobj);
	if (!ks_vms_kset) {
		err = -ENOMEM;
		goto fail;
	}
	err = ks_rules_init(ks_root_kobj);
	if (err)
		goto fail_vms;
	return 0;
fail_vms:
	kset_unregister(ks_vms_kset);
fail:
	kobject_del(ks_root_kobj);
	kobject_put(ks_root_kobj);
fail_files:
	ks_files_exit();
	return err;
}

/*
 * kobject_del() before kobject_put(): with CONFIG_DEBUG_KOBJECT_RELEASE the
 * put may take effect seconds later, and the files must not outlive us.
 * The attribute tables go last: the registry's objects are gone by now
 * (ks_discovery_exit() removed their directories).
 */
void ks_sysfs_exit(void)
{
	ks_rules_exit();
	kset_unregister(ks_vms_kset);
	kobject_del(ks_root_kobj);
	kobject_put(ks_root_kobj);
	ks_files_exit();
}
