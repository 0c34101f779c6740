// SPDX-License-Identifier: GPL-2.0
/*
 * Discovery: kprobes on the KVM functions that every kernel since 5.15 has
 * as global, non-inlined symbols. KVM has no VM notifier and no VM list
 * export, and linking against kvm.ko would pin it, so the hooks are armed
 * when kvm.ko goes live and disarmed when it goes away, from a module
 * notifier; kvm.ko may come and go while kvmsched stays loaded.
 *
 * The handlers run with preemption disabled: they only touch the registry,
 * which never sleeps.
 */
#include <linux/bitops.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>

#include "kvmsched_abi.h"
#include "discovery.h"
#include "engine.h"
#include "features.h"
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
	KS_HOOK_VCPU_LOAD,
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
 * Each time KVM loads a vCPU on a CPU: at KVM_RUN before the first guest
 * entry (and at other vCPU ioctls, from whichever thread makes them), and
 * at every schedule-in of its thread while in KVM_RUN. The one hook on the
 * KVM_RUN path: it binds threads and checks them.
 */
static int ks_vcpu_load_pre(struct kprobe *kp, struct pt_regs *regs)
{
	bool new_vm = false;
	struct ks_vcpu *v;

	rcu_read_lock();
	v = ks_registry_vcpu_loaded(ks_arg0(regs), &new_vm);
	if (v)
		ks_engine_vcpu_loaded(v, (int)regs_get_kernel_argument(regs, 1));
	rcu_read_unlock();
	if (new_vm)
		ks_engine_vm_appeared();
	return 0;
}

static const struct {
	const char *symbol;
	const char *cap;
	kprobe_pre_handler_t handler;
} ks_hooks[KS_NR_HOOKS] = {
	[KS_HOOK_VM_DESTROY] = { "kvm_arch_destroy_vm",
				 KVMSCHED_CAP_VM_DESTROY, ks_vm_destroy_pre },
	[KS_HOOK_VCPU_CREATE] = { "kvm_arch_vcpu_postcreate",
				  KVMSCHED_CAP_VCPU_CREATE, ks_vcpu_create_pre },
	/* Binding and everything enforced before guest entry work here. */
	[KS_HOOK_VCPU_LOAD] = { "kvm_arch_vcpu_load",
				KVMSCHED_CAP_VCPU_RUN " " KVMSCHED_CAP_AFFINITY " "
				KVMSCHED_CAP_SCHED " " KVMSCHED_CAP_RT_GUARD
				KS_CAP_SLICE, ks_vcpu_load_pre },
};

/* Serialises arming, disarming and scanning; owns ks_kprobes. */
static DEFINE_MUTEX(ks_hooks_mutex);
static struct kprobe ks_kprobes[KS_NR_HOOKS];
/* Bit per armed hook; written under ks_hooks_mutex, read without it. */
static unsigned long ks_armed;

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

/*
 * The destroy hook goes first and is required: without it a VM could be
 * freed while still registered. Either vCPU hook alone is enough to find
 * VMs (the load hook even alone binds threads), so each is optional.
 */
static void ks_arm(void)
{
	lockdep_assert_held(&ks_hooks_mutex);
	if (test_bit(KS_HOOK_VM_DESTROY, &ks_armed))
		return;
	if (ks_arm_one(KS_HOOK_VM_DESTROY))
		return;
	ks_arm_one(KS_HOOK_VCPU_CREATE);
	ks_arm_one(KS_HOOK_VCPU_LOAD);
	if (!(ks_armed & (BIT(KS_HOOK_VCPU_CREATE) | BIT(KS_HOOK_VCPU_LOAD)))) {
		ks_disarm_one(KS_HOOK_VM_DESTROY);
		return;
	}
	/* VMs created before the hooks existed are found by their files. */
	if (ks_scan_existing())
		ks_engine_vm_appeared();
}

static void ks_disarm(void)
{
	lockdep_assert_held(&ks_hooks_mutex);
	ks_disarm_one(KS_HOOK_VCPU_LOAD);
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
