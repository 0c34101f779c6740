#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VM directories send uevents: a netlink listener (ksuevent, as udevd
# listens) sees "add" when a VM's directory appears and "remove" when it
# goes, with the variables sysfs-abi/ documents, for both vCPU creation
# patterns, and a VM found at load time too.
# timeout: 120
. "$KSDIR/tests/lib.sh"
ks_load

ksuevent /kernel/kvmsched/vms/ >/tmp/uevents 2>&1 &
listener=$!
wait_for 5 grep -qx ready /tmp/uevents || nok "listener ready"

# has_event ACTION VM PID COMM: exactly one such event was seen.
has_event() {
	[ "$(grep -cx "$1 /kernel/kvmsched/vms/$2 KVMSCHED_VM=$2 KVMSCHED_PID=$3 KVMSCHED_COMM=$4" /tmp/uevents)" = 1 ]
}

for pattern in self main; do
	start_vmm /tmp/ue.ready -p $pattern -v 2 || nok "$pattern: ksvmm ready"
	vm=$(basename "$(vm_dirs "$VMM_PID")")
	check "$pattern: add event for $vm" wait_for 5 has_event add "$vm" "$VMM_PID" ksvmm
	check "$pattern: ksvmm exited cleanly" stop_vmm "$VMM_PID"
	check "$pattern: remove event for $vm" wait_for 5 has_event remove "$vm" "$VMM_PID" ksvmm
done

# A VM older than the module: its directory, made at load, is announced.
ks_unload
start_vmm /tmp/ue.ready -p self -v 1 || nok "early: ksvmm ready"
ks_load
wait_for 10 has_vm_dirs "$VMM_PID" 1
vm=$(basename "$(vm_dirs "$VMM_PID")")
check "found at load: add event for $vm" wait_for 5 has_event add "$vm" "$VMM_PID" ksvmm
# Unloading removes every directory, and says so.
ks_unload
check "unload: remove event for $vm" wait_for 5 has_event remove "$vm" "$VMM_PID" ksvmm
ks_load
check "early: ksvmm exited cleanly" stop_vmm "$VMM_PID"
check "no other events" test "$(grep -vc -e '^ready$' -e '^add ' -e '^remove ' /tmp/uevents)" = 0
sed 's/^/# /' /tmp/uevents
kill "$listener"
wait "$listener" 2>/dev/null
check "vms/ empty at the end" wait_for 10 vms_empty
