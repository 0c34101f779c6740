/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Halt-polling policy: pure decisions about a VM's halt-polling limit. No
 * locks, no allocation, no clock: the KUnit suite covers every case.
 */
#ifndef KS_HALTPOLLPOL_H
#define KS_HALTPOLLPOL_H

#include <linux/types.h>

/*
 * vms/<vm>/halt_poll_ns as given: unset (KVM's module-wide halt_poll_ns)
 * or the VM's own maximum, in ns.
 */
struct ks_halt_cfg {
	bool set;
	u32 max_ns;
};

/*
 * What KVM applies to a VM (struct kvm): its max_halt_poll_ns while
 * override is set (KVM_CAP_HALT_POLL sets both), else the module-wide
 * value. Kernels without the override flag always use the VM's own.
 */
struct ks_halt_state {
	bool override;
	u32 max_ns;
};

/*
 * Parses a write: an empty line unsets, a decimal number of ns within
 * u32 (KVM_CAP_HALT_POLL's range) sets. -EINVAL: not a number; -ERANGE:
 * beyond u32.
 */
int ks_halt_parse(const char *buf, struct ks_halt_cfg *cfg);

/* The state that applies @cfg, if @cfg is set: override on, its max. */
bool ks_halt_target(const struct ks_halt_cfg *cfg, struct ks_halt_state *want);

/*
 * Whether two states poll alike: the max matters only under the override
 * (without it KVM reads the module's value, whatever the VM's holds).
 */
bool ks_halt_same(const struct ks_halt_state *a, const struct ks_halt_state *b);

#endif /* KS_HALTPOLLPOL_H */
