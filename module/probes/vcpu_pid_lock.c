// SPDX-License-Identifier: GPL-2.0
/* 6.13+: vcpu->pid is a plain pointer guarded by vcpu->pid_lock. */
#include <linux/kvm_host.h>

void ks_probe(struct kvm_vcpu *vcpu);
void ks_probe(struct kvm_vcpu *vcpu)
{
	read_lock(&vcpu->pid_lock);
	read_unlock(&vcpu->pid_lock);
}
