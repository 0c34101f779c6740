// SPDX-License-Identifier: GPL-2.0
/* Must always compile: proves the probe flags reach the KVM headers. */
#include <linux/kvm_host.h>

int ks_probe(struct kvm_vcpu *vcpu);
int ks_probe(struct kvm_vcpu *vcpu)
{
	return vcpu->vcpu_id;
}
