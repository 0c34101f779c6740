// SPDX-License-Identifier: GPL-2.0
/*
 * Discovery: kprobes on the KVM functions that every kernel since 5.15 has
 * as global, non-inlined symbols, on get_task_pid() for KVM_RUN's
 * pid-change path, and kretprobes on the syscalls that change a thread's
 * mask or class. KVM has no VM notifier and no VM list export, and linking
 * against kvm.ko would pin it, so the hooks are armed when kvm.ko goes
 * live and disarmed when it goes away, from a module notifier; kvm.ko may
 * come and go while kvmsched stays loaded.
 *
 * Host IRQs that deliver into guests are learnt where VFIO and vhost-vdpa
 * register and unregister their IRQ bypass producers, paired with VMs
 * when KVM assigns an irqfd or changes a route, and watched where every
 * IRQ affinity change goes (irq_set_affinity_locked()).
 *
 * The handlers run with preemption disabled: they only touch the registry,
 * which never sleeps, and queue the engine's work.
 */
#include <linux/bitops.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/resource.h>
#include <linux/sysfs.h>

#include "kvmsched_abi.h"
#include "discovery.h"
#include "engine.h"
#include "compat.h"
#include "features.h"
#include "hostirq.h"
#include "registry.h"
#include "scan.h"

#ifdef KS_HAVE_CUSTOM_SLICE
#define KS_CAP_SLICE	" " KVMSCHED_CAP_SLICE
#else
#define KS_CAP_SLICE	""
#endif

enum ks_hook {
	KS_HOOK_VM_DESTROY,
	KS_HOOK_VCPU_CREATE,
	KS_HOOK_VCPU_BIND,
	KS_NR_HOOKS,
};

static void *ks_arg0(struct pt_regs *regs)
{
	return (void *)regs_get_kernel_argument(regs, 0);
}

/* Called on normal destroy and on the KVM_CREATE_VM failure path. */
static int ks_vm_destroy_pre(struct kprobe *kp, struct pt_regs *regs)
{
	ks_registry_vm_destroyed(ks_arg0(regs));
	return 0;
}

/* The vCPU is complete and its fd installed; current is the creator. */
static int ks_vcpu_create_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (ks_registry_vcpu_created(ks_arg0(regs)))
		ks_engine_vm_appeared();
	return 0;
}

/*
 * KVM_RUN takes a reference on current's pid when current first runs the
 * vCPU, or takes it over from another thread (kvm_vcpu_ioctl()'s
 * pid-change path), and on no other KVM_RUN: the one hook on the KVM_RUN
 * path costs nothing to the others. Other callers are filtered out: only
 * current's own pid, in a process with a VM.
 */
static int ks_vcpu_bind_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (ks_arg0(regs) != current ||
	    regs_get_kernel_argument(regs, 1) != PIDTYPE_PID || !in_task())
		return 0;
	if (ks_registry_has_vms(task_tgid(current)))
		ks_engine_thread_binds();
	return 0;
}

static int ks_setter_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct pt_regs *u = (void *)regs_get_kernel_argument(regs, 0);

	*(pid_t *)ri->data = (pid_t)u->di;
	return 0;
}

/* Non-zero: not one thread, no return handler. */
static int ks_setprio_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct pt_regs *u = (void *)regs_get_kernel_argument(regs, 0);

	if (u->di != PRIO_PROCESS)
		return 1;
	*(pid_t *)ri->data = (pid_t)u->si;
	return 0;
}

static int ks_setter_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	pid_t nr = *(pid_t *)ri->data;
	struct task_struct *task;

	if (regs_return_value(regs))
		return 0;
	rcu_read_lock();
	task = nr ? pid_task(find_vpid(nr), PIDTYPE_PID) : current;
	if (task)
		ks_engine_thread_changed(task);
	rcu_read_unlock();
	return 0;
}

static const struct {
	const char *symbol;
	const char *cap;
	kprobe_pre_handler_t handler;
} ks_hooks[KS_NR_HOOKS] = {
	[KS_HOOK_VM_DESTROY] = { "kvm_arch_destroy_vm",
				 KVMSCHED_CAP_VM_DESTROY, ks_vm_destroy_pre },
	/* Every vCPU and VM directory has stats/; every VM halt_poll_ns. */
	[KS_HOOK_VCPU_CREATE] = { "kvm_arch_vcpu_postcreate",
				  KVMSCHED_CAP_VCPU_CREATE " " KVMSCHED_CAP_STATS " "
				  KVMSCHED_CAP_HALT_POLL,
				  ks_vcpu_create_pre },
	/* Binding; from there the engine watches the thread itself. */
	[KS_HOOK_VCPU_BIND] = { "get_task_pid",
				KVMSCHED_CAP_VCPU_RUN " " KVMSCHED_CAP_AFFINITY " "
				KVMSCHED_CAP_SCHED " " KVMSCHED_CAP_RT_GUARD
				KS_CAP_SLICE, ks_vcpu_bind_pre },
};

/*
 * The syscalls that change a thread's mask or class from userspace
 * (taskset, chrt, renice): as each returns, a vCPU thread it changed gets
 * its repair queued, which runs before the thread's next guest entry.
 * x86-64 syscall wrappers take the caller's registers; the target thread
 * is the first argument, or the second for setpriority, whose first says
 * what the second is.
 */
static const struct {
	const char *symbol;
	kretprobe_handler_t entry;
} ks_setters[] = {
	{ "__x64_sys_sched_setaffinity", ks_setter_entry },
	{ "__x64_sys_sched_setscheduler", ks_setter_entry },
	{ "__x64_sys_sched_setparam", ks_setter_entry },
	{ "__x64_sys_sched_setattr", ks_setter_entry },
	{ "__x64_sys_setpriority", ks_setprio_entry },
};

struct ks_producer_args {
	int irq;
	void *eventfd;
};

static int ks_register_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct ks_producer_args *a = (void *)ri->data;

	ks_producer_registering(regs, &a->irq, &a->eventfd);
	return 0;
}

/* A producer that failed to register (a duplicate) delivers nothing. */
static int ks_register_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ks_producer_args *a = (void *)ri->data;

	if (regs_return_value(regs))
		return 0;
	ks_hostirq_added(a->irq, a->eventfd);
	ks_engine_irqs_changed();
	return 0;
}

/* Before VFIO frees the IRQ; from here on it may be another device's. */
static int ks_unregister_pre(struct kprobe *kp, struct pt_regs *regs)
{
	int irq;
	void *eventfd;

	ks_producer_registered(ks_arg0(regs), &irq, &eventfd);
	ks_hostirq_removed(irq, eventfd);
	ks_engine_irqs_changed();
	return 0;
}

/* KVM_IRQFD and KVM_SET_GSI_ROUTING returned: pair again, if any to pair. */
static int ks_irqfds_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (!regs_return_value(regs) && ks_hostirq_any())
		ks_engine_irqs_changed();
	return 0;
}

/* Under the IRQ's desc lock, interrupts off: only a lookup and a queue. */
static int ks_irq_moved_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct irq_data *d = ks_arg0(regs);

	ks_engine_irq_moved(d->irq);
	return 0;
}

/*
 * The IRQ probes: none is required (without them IRQs are not steered);
 * the capability is listed when the map can be kept, that is with the
 * first three.
 */
static const struct {
	const char *symbol;
	kprobe_pre_handler_t pre;	/* a kprobe, or */
	kretprobe_handler_t entry, ret;	/* a kretprobe */
} ks_irq_probes[] = {
	{ "irq_bypass_register_producer", NULL, ks_register_entry,
	  ks_register_ret },
	{ "irq_bypass_unregister_producer", ks_unregister_pre },
	{ "kvm_irqfd", NULL, NULL, ks_irqfds_ret },
	{ "kvm_set_irq_routing", NULL, NULL, ks_irqfds_ret },
	{ "irq_set_affinity_locked", ks_irq_moved_pre },
};

#define KS_IRQ_MAP_PROBES	0x7	/* bits of the first three */

/* Serialises arming, disarming and scanning; owns the probes. */
static DEFINE_MUTEX(ks_hooks_mutex);
static struct kprobe ks_kprobes[KS_NR_HOOKS];
static struct kretprobe ks_setter_rps[ARRAY_SIZE(ks_setters)];
static struct kretprobe ks_irq_rps[ARRAY_SIZE(ks_irq_probes)];
/* Bit per armed hook; written under ks_hooks_mutex, read without it. */
static unsigned long ks_armed, ks_setters_armed, ks_irq_armed;

static int ks_arm_one(enum ks_hook h)
{
	struct kprobe *kp = &ks_kprobes[h];
	int err;

	lockdep_assert_held(&ks_hooks_mutex);
	/* register_kprobe() leaves addr and flags set: start afresh. */
	memset(kp, 0, sizeof(*kp));
	kp->symbol_name = ks_hooks[h].symbol;
	kp->pre_handler = ks_hooks[h].handler;
	err = register_kprobe(kp);
	if (err) {
		pr_warn("cannot hook %s: %d\n", ks_hooks[h].symbol, err);
		return err;
	}
	set_bit(h, &ks_armed);
	return 0;
}

static void ks_disarm_one(enum ks_hook h)
{
	lockdep_assert_held(&ks_hooks_mutex);
	/* Returns only once no handler runs any more. */
	if (test_and_clear_bit(h, &ks_armed))
		unregister_kprobe(&ks_kprobes[h]);
}

static void ks_arm_setters(void)
{
	struct kretprobe *rp;
	unsigned int i;

	lockdep_assert_held(&ks_hooks_mutex);
	for (i = 0; i < ARRAY_SIZE(ks_setters); i++) {
		rp = &ks_setter_rps[i];
		memset(rp, 0, sizeof(*rp));
		rp->kp.symbol_name = ks_setters[i].symbol;
		rp->entry_handler = ks_setters[i].entry;
		rp->handler = ks_setter_ret;
		rp->data_size = sizeof(pid_t);
		/* Without it, that syscall's drift waits for a schedule-in or the pass. */
		if (register_kretprobe(rp))
			pr_warn("cannot hook %s\n", ks_setters[i].symbol);
		else
			set_bit(i, &ks_setters_armed);
	}
}

static void ks_disarm_setters(void)
{
	unsigned int i;

	lockdep_assert_held(&ks_hooks_mutex);
	for (i = 0; i < ARRAY_SIZE(ks_setters); i++)
		if (test_and_clear_bit(i, &ks_setters_armed))
			unregister_kretprobe(&ks_setter_rps[i]);
}

/* A kprobe is a kretprobe's kp: one array serves both kinds. */
static void ks_arm_irq_probes(void)
{
	struct kretprobe *rp;
	unsigned int i;
	int err;

	lockdep_assert_held(&ks_hooks_mutex);
	for (i = 0; i < ARRAY_SIZE(ks_irq_probes); i++) {
		rp = &ks_irq_rps[i];
		memset(rp, 0, sizeof(*rp));
		rp->kp.symbol_name = ks_irq_probes[i].symbol;
		if (ks_irq_probes[i].pre) {
			rp->kp.pre_handler = ks_irq_probes[i].pre;
			err = register_kprobe(&rp->kp);
		} else {
			rp->entry_handler = ks_irq_probes[i].entry;
			rp->handler = ks_irq_probes[i].ret;
			rp->data_size = sizeof(struct ks_producer_args);
			err = register_kretprobe(rp);
		}
		if (err)
			pr_warn("cannot hook %s: %d; IRQs not steered\n",
				ks_irq_probes[i].symbol, err);
		else
			set_bit(i, &ks_irq_armed);
	}
	/* Producers registered before the probes, and their VMs. */
	ks_hostirq_scan();
	ks_engine_irqs_changed();
}

static void ks_disarm_irq_probes(void)
{
	unsigned int i;

	lockdep_assert_held(&ks_hooks_mutex);
	for (i = 0; i < ARRAY_SIZE(ks_irq_probes); i++) {
		if (!test_and_clear_bit(i, &ks_irq_armed))
			continue;
		if (ks_irq_probes[i].pre)
			unregister_kprobe(&ks_irq_rps[i].kp);
		else
			unregister_kretprobe(&ks_irq_rps[i]);
	}
	ks_hostirq_clear();
}

/*
 * The destroy hook goes first and is required: without it a VM could be
 * freed while still registered. The create hook is how VMs are found
 * (the scan finds older ones), so it is required too; without the bind
 * hook VMs are listed but their threads are not bound.
 */
static void ks_arm(void)
{
	lockdep_assert_held(&ks_hooks_mutex);
	if (test_bit(KS_HOOK_VM_DESTROY, &ks_armed))
		return;
	if (ks_arm_one(KS_HOOK_VM_DESTROY))
		return;
	if (ks_arm_one(KS_HOOK_VCPU_CREATE)) {
		ks_disarm_one(KS_HOOK_VM_DESTROY);
		return;
	}
	ks_arm_one(KS_HOOK_VCPU_BIND);
	ks_arm_setters();
	ks_arm_irq_probes();
	/* VMs created before the hooks existed are found by their files. */
	if (ks_scan_existing())
		ks_engine_vm_appeared();
}

static void ks_disarm(void)
{
	lockdep_assert_held(&ks_hooks_mutex);
	ks_disarm_irq_probes();
	ks_disarm_setters();
	ks_disarm_one(KS_HOOK_VCPU_BIND);
	ks_disarm_one(KS_HOOK_VCPU_CREATE);
	/* Forget every VM while the destroy hook still guards their memory. */
	ks_registry_clear();
	ks_disarm_one(KS_HOOK_VM_DESTROY);
}

static int ks_module_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, "kvm"))
		return NOTIFY_DONE;
	mutex_lock(&ks_hooks_mutex);
	if (action == MODULE_STATE_LIVE)
		ks_arm();
	else if (action == MODULE_STATE_GOING)
		ks_disarm();
	mutex_unlock(&ks_hooks_mutex);
	return NOTIFY_OK;
}

static struct notifier_block ks_module_nb = {
	.notifier_call = ks_module_notify,
};

ssize_t ks_discovery_caps_show(char *buf)
{
	unsigned long armed = READ_ONCE(ks_armed);
	int h, len = 0;

	for (h = 0; h < KS_NR_HOOKS; h++)
		if (test_bit(h, &armed))
			len += sysfs_emit_at(buf, len, "%s%s", len ? " " : "",
					     ks_hooks[h].cap);
	if ((READ_ONCE(ks_irq_armed) & KS_IRQ_MAP_PROBES) == KS_IRQ_MAP_PROBES)
		len += sysfs_emit_at(buf, len, " %s", KVMSCHED_CAP_IRQ);
	return len + sysfs_emit_at(buf, len, "\n");
}

int ks_discovery_init(void)
{
	int err;

	/* Before arming, so a kvm.ko going live meanwhile is not missed. */
	err = register_module_notifier(&ks_module_nb);
	if (err)
		return err;
	mutex_lock(&ks_hooks_mutex);
	ks_arm();
	mutex_unlock(&ks_hooks_mutex);
	if (!ks_armed)
		pr_info("kvm not loaded yet: hooks armed when it is\n");
	return 0;
}

void ks_discovery_exit(void)
{
	unregister_module_notifier(&ks_module_nb);
	mutex_lock(&ks_hooks_mutex);
	ks_disarm();
	mutex_unlock(&ks_hooks_mutex);
}
