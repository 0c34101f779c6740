// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsched: per-VM scheduling policy for KVM, enforced in the kernel.
 * This file only wires init and exit; each concern lives in its own file.
 */
#include <linux/module.h>

#include "affinity.h"
#include "discovery.h"
#include "registry.h"
#include "sched.h"
#include "sysfs.h"

static int __init ks_init(void)
{
	int err;

	err = ks_registry_init();
	if (err)
		return err;
	err = ks_sched_init();
	if (err)
		goto err_registry;
	err = ks_affinity_init();
	if (err)
		goto err_sched;
	err = ks_sysfs_init();
	if (err)
		goto err_affinity;
	err = ks_discovery_init();
	if (err)
		goto err_sysfs;
	pr_info("loaded\n");
	return 0;

err_sysfs:
	ks_sysfs_exit();
err_affinity:
	ks_sched_quiesce();
	ks_affinity_quiesce();
	ks_affinity_exit();
	ks_sched_exit();
	ks_registry_exit();
	return err;
err_sched:
	ks_sched_quiesce();
	ks_sched_exit();
err_registry:
	ks_registry_exit();
	return err;
}

static void __exit ks_exit(void)
{
	/* Disarms the hooks and forgets every VM, removing their dirs. */
	ks_discovery_exit();
	/*
	 * Stop the RT guard, then the passes and repairs: with no VM left no
	 * policy write can apply, and threads get back what they had.
	 */
	ks_sched_quiesce();
	ks_affinity_quiesce();
	ks_affinity_exit();
	ks_sched_exit();
	ks_sysfs_exit();
	ks_registry_exit();
	pr_info("unloaded\n");
}

module_init(ks_init);
module_exit(ks_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-VM scheduling policy for KVM vCPU and VMM threads");
MODULE_AUTHOR("The kvmsched developers");
MODULE_VERSION("0.1.0");
