#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VMs that run before kvmsched is loaded are found at load, threads too.
# The ksvmm vCPUs spin in guest mode and never call KVM_RUN again, so only
# the scan at load can bind their threads.
. "$KSDIR/tests/lib.sh"

ks_unload
start_vmm /tmp/pre.ready -p main -v 2 -g spin || nok "spinning ksvmm ready"
spin=$VMM_PID
start_qemu 2
wait_for 60 qemu_vcpus_up "$QEMU_PID" 2
sleep 2

ks_load
check "spinning VM found at load" wait_for 10 has_vm_dirs "$spin" 1
check "spinning VM: vCPU dirs" wait_for 10 vcpus_listed "$spin" 2
check "spinning VM: tids bound by the scan" tree_matches_ready \
	/tmp/pre.ready "$spin"
check "QEMU VM found at load" wait_for 10 has_vm_dirs "$QEMU_PID" 1
check "QEMU VM: tids" wait_for 10 qemu_tids_match "$QEMU_PID"

check "spinning ksvmm exited cleanly" stop_vmm "$spin"
kill "$QEMU_PID"
wait "$QEMU_PID"
check "vms/ empty at the end" wait_for 10 vms_empty
