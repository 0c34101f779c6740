// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsched: per-VM scheduling policy for KVM, enforced in the kernel.
 * This file only wires init and exit; each concern lives in its own file.
 */
#include <linux/module.h>

#include "diag.h"
#include "discovery.h"
#include "engine.h"
#include "guard.h"
#include "numa.h"
#include "registry.h"
#include "sysfs.h"

static int __init ks_init(void)
{
	int err;

	err = ks_numa_init();
	if (err)
		return err;
	err = ks_registry_init(&ks_engine_owner);
	if (err)
		goto err_numa;
	err = ks_engine_init();
	if (err)
		goto err_registry;
	err = ks_guard_init();
	if (err)
		goto err_engine;
	ks_diag_init();
	err = ks_sysfs_init();
	if (err)
		goto err_guard;
	err = ks_discovery_init();
	if (err)
		goto err_sysfs;
	pr_info("loaded\n");
	return 0;

err_sysfs:
	ks_sysfs_exit();
err_guard:
	ks_diag_exit();
	ks_guard_exit();
err_engine:
	ks_engine_quiesce();
	ks_engine_exit();
err_registry:
	ks_registry_exit();
err_numa:
	ks_numa_exit();
	return err;
}

static void __exit ks_exit(void)
{
	ks_diag_exit();
	/* While KVM's VM objects are reachable: their settings go back. */
	ks_engine_give_back_vms();
	/* Disarms the hooks and forgets every VM, removing their dirs. */
	ks_discovery_exit();
	/*
	 * Stop the RT guard, which queues repairs, then the engine's passes
	 * and repairs: with no VM left no policy write can apply, and every
	 * thread gets back what it had.
	 */
	ks_guard_exit();
	ks_engine_quiesce();
	ks_engine_exit();
	ks_sysfs_exit();
	ks_registry_exit();
	ks_numa_exit();
	pr_info("unloaded\n");
}

module_init(ks_init);
module_exit(ks_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-VM scheduling policy for KVM vCPU and VMM threads");
MODULE_AUTHOR("The kvmsched developers");
MODULE_VERSION("0.1.0");
