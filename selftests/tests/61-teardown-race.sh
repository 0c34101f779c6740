#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The teardown race, forced: ks_race.ko holds a run of a VM's sysfs work at
# its start, and the VMM is ended while it is held, so KVM destroys the VM
# while a run has begun and not yet looked at it, which queues a second
# run. Both runs find the VM dead; only one may remove it. Code that removed
# it twice dropped the registry's reference twice: a refcount underflow (a
# WARN, so a panic here) and a use-after-free.
# timeout: 600
. "$KSDIR/tests/lib.sh"

P=/sys/module/ks_race/parameters
N=10

ks_unload
ks_load
check "ks_race.ko holds kvmsched's VM sysfs work" \
	insmod "$KSDIR/ks_race.ko" symbol=ks_vm_sysfs_work max_ms=10000
bad=0
i=1
while [ $i -le $N ]; do
	echo 1 >$P/arm
	start_vmm /tmp/race.ready -v 1 -g hlt || {
		echo "# cycle $i: VM not ready"; bad=1
	}
	vmm=$VMM_PID
	if ! wait_for 30 grep -qx 1 $P/holding; then
		echo "# cycle $i: the VM's sysfs work never started"; bad=1
	fi
	if ! stop_vmm "$vmm"; then
		echo "# cycle $i: ksvmm failed:"; sed 's/^/# /' /tmp/race.ready.out; bad=1
	fi
	if ! wait_for 30 grep -qx 0 $P/holding; then
		echo "# cycle $i: still held after the VM's destroy"; bad=1
	fi
	i=$((i + 1))
done
check "$N VMs destroyed while their sysfs work ran" test $bad = 0
check_eq "each hold ended by the second queueing" \
	"$(cat $P/held) held, $(cat $P/timed_out) timed out" "$N held, 0 timed out"
check "vms/ empty after the race" wait_for 30 vms_empty
check "ks_race.ko unloads" rmmod ks_race
# Leftover VM objects would make kmem_cache_destroy() WARN (a panic here).
check "unload after the race" timeout 60 rmmod kvmsched
