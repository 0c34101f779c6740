// SPDX-License-Identifier: GPL-2.0
/*
 * 6.1.y and later: kvm->override_halt_poll_ns says whether the VM's own
 * max_halt_poll_ns (KVM_CAP_HALT_POLL's) applies, or the module's value.
 */
#include <linux/kvm_host.h>

bool ks_probe(struct kvm *kvm);
bool ks_probe(struct kvm *kvm)
{
	return kvm->override_halt_poll_ns;
}
