/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reads and writes of a VM's and a vCPU's settings: each write is parsed
 * and checked whole, stored under ks_policy_mutex, and handed to the
 * engine, which applies it before it returns.
 */
#ifndef KS_SETTINGS_H
#define KS_SETTINGS_H

#include <linux/types.h>

#include "sched.h"
#include "schedpol.h"

struct ks_vm;
struct ks_vcpu;

enum ks_cpus_file {
	KS_CPUS,		/* vms/<vm>/cpus, vms/<vm>/vcpus/<id>/cpus */
	KS_EMULATOR_CPUS,	/* vms/<vm>/emulator_cpus */
};

ssize_t ks_setting_cpus_show(struct ks_vm *vm, struct ks_vcpu *v,
			     enum ks_cpus_file f, char *buf);
ssize_t ks_setting_cpus_store(struct ks_vm *vm, struct ks_vcpu *v,
			      enum ks_cpus_file f, const char *buf,
			      size_t len);
ssize_t ks_setting_sched_show(struct ks_vm *vm, struct ks_vcpu *v,
			      enum ks_sched_scope scope,
			      enum ks_sched_field f, char *buf);
ssize_t ks_setting_sched_store(struct ks_vm *vm, struct ks_vcpu *v,
			       enum ks_sched_scope scope,
			       enum ks_sched_field f, const char *buf,
			       size_t len);
ssize_t ks_setting_numa_show(struct ks_vm *vm, char *buf);
ssize_t ks_setting_numa_store(struct ks_vm *vm, const char *buf, size_t len);
ssize_t ks_setting_numa_mode_show(struct ks_vm *vm, char *buf);
ssize_t ks_setting_numa_mode_store(struct ks_vm *vm, const char *buf,
				   size_t len);

ssize_t ks_setting_irq_show(struct ks_vm *vm, char *buf);
ssize_t ks_setting_irq_store(struct ks_vm *vm, const char *buf, size_t len);
ssize_t ks_setting_halt_show(struct ks_vm *vm, char *buf);
ssize_t ks_setting_halt_store(struct ks_vm *vm, const char *buf, size_t len);

#endif /* KS_SETTINGS_H */
