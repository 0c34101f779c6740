/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The halt-polling aspect: a VM's limit on how long KVM polls before a
 * halted vCPU blocks, set in KVM's VM object the way KVM_CAP_HALT_POLL
 * sets it, for any VMM. Decisions come from haltpollpol.c; the engine
 * (engine.c) applies them and gives the VM's own back.
 */
#ifndef KS_HALTPOLL_H
#define KS_HALTPOLL_H

#include <linux/types.h>

struct ks_halt_cfg;
struct ks_vm;

extern const struct ks_aspect ks_halt_poll_aspect;

/* Process context: vms/<vm>/halt_poll_ns, and the rules' one. */
ssize_t ks_halt_cfg_show(const struct ks_halt_cfg *cfg, char *buf);
int ks_halt_cfg_parse(const char *buf, const char *what,
		      struct ks_halt_cfg *cfg);
/* vms/<vm>/effective_halt_poll_ns: what KVM applies to the VM now. */
ssize_t ks_halt_effective_show(struct ks_vm *vm, char *buf);

#endif /* KS_HALTPOLL_H */
