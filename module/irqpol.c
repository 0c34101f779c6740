// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt-steering policy.
 *
 * Which vCPU an MSI reaches is decoded from the route itself, the way KVM
 * decodes it (kvm.ko's helpers are not linkable on every kernel): physical
 * destination mode, fixed or lowest-priority delivery, one destination
 * APIC ID, which KVM gives each vCPU as its vcpu_id. Logical destinations
 * depend on each guest LAPIC's LDR, which KVM keeps to itself, so they
 * name no vCPU, like broadcasts.
 *
 * An IRQ's target, by irq_cpus:
 *   a cpulist   those CPUs;
 *   follow      the CPUs of the vCPU its route targets, or of all the VM's
 *               vCPUs when it targets none or several, or the home node's
 *               when the vCPUs have no placement;
 *   emulator    the CPUs of the VM's emulator threads;
 *   empty       the home node's CPUs, if the VM has a home node.
 * Always within the online CPUs. With none of them online the IRQ is held
 * where the kernel put it until one is back; with no policy it is free.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "blank.h"
#include "irqpol.h"
#include "placement.h"

#define KS_MSI_ADDR_BASE	0xfee00000
#define KS_MSI_ADDR_MASK	0xfff00000
#define KS_MSI_DEST_LOGICAL	BIT(2)
#define KS_MSI_DM_FIXED		0
#define KS_MSI_DM_LOWPRI	1
#define KS_APIC_BROADCAST	0xff
#define KS_X2APIC_BROADCAST	0xffffffff

int ks_msi_target_vcpu(const struct ks_msi_route *r, bool x2apic_format,
		       const int *vcpu_ids, int nr)
{
	u32 dest = (r->address_lo >> 12) & 0xff;
	unsigned int dm = (r->data >> 8) & 7;
	int i, found = -1;

	if ((r->address_lo & KS_MSI_ADDR_MASK) != KS_MSI_ADDR_BASE ||
	    (r->address_lo & KS_MSI_DEST_LOGICAL) ||
	    (dm != KS_MSI_DM_FIXED && dm != KS_MSI_DM_LOWPRI))
		return -1;
	if (x2apic_format)
		dest |= r->address_hi & 0xffffff00;
	else if (dest == KS_APIC_BROADCAST)
		return -1;
	if (dest == KS_X2APIC_BROADCAST)
		return -1;
	for (i = 0; i < nr; i++) {
		if (vcpu_ids[i] != dest)
			continue;
		if (found >= 0)
			return -1;
		found = vcpu_ids[i];
	}
	return found;
}

/* @mask within the online CPUs, or hold if none of it is online. */
static enum ks_irq_decision ks_irq_within(const struct cpumask *mask,
					  const struct cpumask *online,
					  struct cpumask *target)
{
	return cpumask_and(target, mask, online) ? KS_IRQ_STEER : KS_IRQ_HOLD;
}

enum ks_irq_decision ks_irq_decide(const struct ks_irq_in *in,
				   struct cpumask *target)
{
	const struct cpumask *from = NULL;

	switch (in->mode) {
	case KS_IRQ_LIST:
		from = in->list;
		break;
	case KS_IRQ_FOLLOW:
		if (!cpumask_empty(in->vcpu))
			from = in->vcpu;
		else if (!cpumask_empty(in->vcpus))
			from = in->vcpus;
		else
			from = in->home;
		break;
	case KS_IRQ_EMULATOR:
		from = in->emulator;
		break;
	case KS_IRQ_UNSET:
		from = in->home;
		break;
	}
	if (!from || cpumask_empty(from)) {
		cpumask_clear(target);
		return KS_IRQ_FREE;
	}
	return ks_irq_within(from, in->online, target);
}

int ks_irq_parse(const char *buf, const struct cpumask *online,
		 enum ks_irq_mode *mode, struct cpumask *list)
{
	int err;

	cpumask_clear(list);
	if (ks_blank(buf)) {
		*mode = KS_IRQ_UNSET;
		return 0;
	}
	if (sysfs_streq(buf, "follow")) {
		*mode = KS_IRQ_FOLLOW;
		return 0;
	}
	if (sysfs_streq(buf, "emulator")) {
		*mode = KS_IRQ_EMULATOR;
		return 0;
	}
	err = ks_cpulist_parse(buf, online, list);
	if (err)
		return err;
	/* Only blanks and commas: not a list of anything. */
	if (cpumask_empty(list))
		return -EINVAL;
	*mode = KS_IRQ_LIST;
	return 0;
}

u64 ks_irq_backoff_next(struct ks_irq_backoff *b, u64 now)
{
	if (b->last_ns &&
	    now - b->last_ns >= b->delay_ns + KS_IRQ_BACKOFF_MAX_NS)
		memset(b, 0, sizeof(*b));
	if (b->delay_ns && now - b->last_ns < b->delay_ns)
		return b->delay_ns - (now - b->last_ns);
	if (!b->burst ||
	    (!b->delay_ns && now - b->burst_start_ns >= KS_IRQ_BURST_NS)) {
		b->burst_start_ns = now;
		b->burst = 0;
	}
	b->burst++;
	b->last_ns = now;
	if (b->burst > KS_IRQ_BURST)
		b->delay_ns = b->delay_ns ?
			      min(2 * b->delay_ns, KS_IRQ_BACKOFF_MAX_NS) :
			      KS_IRQ_BACKOFF_MIN_NS;
	return 0;
}
