/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmsched ABI constants shared by the module and its userspace tests.
 * The ABI itself (file names, formats, modes) is documented in sysfs-abi/.
 */
#ifndef KVMSCHED_ABI_H
#define KVMSCHED_ABI_H

/* Bumped only on an incompatible change; new files do not bump it. */
#define KVMSCHED_ABI_VERSION	1

#define KVMSCHED_SYSFS_ROOT	"/sys/kernel/kvmsched"

/* Tokens listed in /sys/kernel/kvmsched/capabilities. */
#define KVMSCHED_CAP_VCPU_CREATE	"vcpu_create"
#define KVMSCHED_CAP_VCPU_RUN		"vcpu_run"
#define KVMSCHED_CAP_VM_DESTROY		"vm_destroy"
#define KVMSCHED_CAP_AFFINITY		"affinity"
#define KVMSCHED_CAP_SCHED		"sched"
#define KVMSCHED_CAP_RT_GUARD		"rt_guard"
#define KVMSCHED_CAP_SLICE		"slice"
#define KVMSCHED_CAP_IRQ		"irq"
#define KVMSCHED_CAP_STATS		"stats"
#define KVMSCHED_CAP_HALT_POLL		"halt_poll"

#endif /* KVMSCHED_ABI_H */
