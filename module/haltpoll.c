// SPDX-License-Identifier: GPL-2.0
/*
 * The halt-polling aspect. KVM reads a VM's limit in
 * kvm_vcpu_max_halt_poll_ns() at each halt: max_halt_poll_ns if
 * override_halt_poll_ns, else the module's halt_poll_ns. KVM_ENABLE_CAP
 * (KVM_CAP_HALT_POLL) writes the max, then smp_wmb(), then the flag, with
 * no lock; kvmsched writes them the same way, so a halt sees either the
 * old limit or the new one. A VMM's own KVM_ENABLE_CAP races with it as
 * two such calls race: the last writer wins, and the engine's periodic
 * pass sees the change.
 */
#include <linux/kernel.h>
#include <linux/kvm_host.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "engine.h"
#include "haltpoll.h"
#include "haltpollpol.h"
#include "policy.h"
#include "registry.h"

static size_t ks_halt_size(void)
{
	return sizeof(struct ks_halt_state);
}

static int ks_halt_vm_target(struct ks_vm *vm, void *want)
{
	return ks_halt_target(&ks_vmp(vm)->halt_poll, want);
}

static void ks_halt_vm_get(struct kvm *kvm, void *state)
{
	struct ks_halt_state *s = state;

#ifdef KS_HAVE_HALT_POLL_OVERRIDE
	s->override = READ_ONCE(kvm->override_halt_poll_ns);
	/* Pairs with the writers' smp_wmb(), as KVM's reader does. */
	smp_rmb();
#else
	/* Early 6.1.y: KVM always uses the VM's own max. */
	s->override = true;
#endif
	s->max_ns = READ_ONCE(kvm->max_halt_poll_ns);
}

static void ks_halt_vm_set(struct kvm *kvm, const void *state)
{
	const struct ks_halt_state *s = state;

#ifdef KS_HAVE_HALT_POLL_OVERRIDE
	if (!s->override) {
		/*
		 * Back to the module's value: the flag goes first, so a
		 * halt that still sees it set reads the max it guarded.
		 */
		WRITE_ONCE(kvm->override_halt_poll_ns, false);
		smp_wmb();	/* the flag before the max */
		WRITE_ONCE(kvm->max_halt_poll_ns, s->max_ns);
		return;
	}
#endif
	WRITE_ONCE(kvm->max_halt_poll_ns, s->max_ns);
#ifdef KS_HAVE_HALT_POLL_OVERRIDE
	smp_wmb();	/* the max before the flag, as KVM_CAP_HALT_POLL */
	WRITE_ONCE(kvm->override_halt_poll_ns, true);
#endif
}

static bool ks_halt_same_state(const void *a, const void *b)
{
	return ks_halt_same(a, b);
}

static void ks_halt_format(const void *state, char *buf, size_t len)
{
	const struct ks_halt_state *s = state;

	if (s->override)
		snprintf(buf, len, "%u", s->max_ns);
	else
		snprintf(buf, len, "default");
}

const struct ks_aspect ks_halt_poll_aspect = {
	.name = "halt_poll",
	.size = ks_halt_size,
	.vm_target = ks_halt_vm_target,
	.vm_get = ks_halt_vm_get,
	.vm_set = ks_halt_vm_set,
	.satisfies = ks_halt_same_state,
	.same = ks_halt_same_state,
	.format = ks_halt_format,
};

ssize_t ks_halt_cfg_show(const struct ks_halt_cfg *cfg, char *buf)
{
	return cfg->set ? sysfs_emit(buf, "%u\n", cfg->max_ns) :
			  sysfs_emit(buf, "\n");
}

int ks_halt_cfg_parse(const char *buf, const char *what,
		      struct ks_halt_cfg *cfg)
{
	int err = ks_halt_parse(buf, cfg);

	if (err)
		pr_info_ratelimited("%s: rejected \"%.*s\": %s\n", what,
				    (int)strcspn(buf, "\n"), buf,
				    err == -ERANGE ?
				    "beyond 4294967295 ns (KVM_CAP_HALT_POLL's u32)" :
				    "not a number of ns or an empty line");
	return err;
}

ssize_t ks_halt_effective_show(struct ks_vm *vm, char *buf)
{
	struct ks_halt_state s;
	int err = ks_vm_with_kvm(vm, ks_halt_vm_get, &s);

	if (err)
		return err;
	return s.override ? sysfs_emit(buf, "%u\n", s.max_ns) :
			    sysfs_emit(buf, "\n");
}
