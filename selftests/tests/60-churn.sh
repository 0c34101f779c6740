#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 200 VMs created and destroyed in a row: every one is tracked, none stays.
. "$KSDIR/tests/lib.sh"

ks_unload
ks_load
rm -f /tmp/churn.ready
check "200 VMs created and destroyed" ksvmm -q -c 200 -v 2 -r /tmp/churn.ready
check_eq "ksvmm churned 200" "$(awk '$1 == "done" { print $2 }' \
	/tmp/churn.ready)" 200
check "vms/ empty after churn" wait_for 10 vms_empty

# VM names carry a sequence number: the next VM is number 201 only if all
# 200 were registered.
start_vmm /tmp/after.ready -v 1 || nok "VM after churn ready"
check "every churned VM was registered" wait_for 10 \
	test -d "$KS/vms/$VMM_PID-201"
stop_vmm "$VMM_PID"

# A leak of every object would leave 400 vCPU objects allocated.
active=$(awk '$1 == "ks_vcpu" { print $2 }' /proc/slabinfo)
check "ks_vcpu objects not leaked (${active:-?} active)" \
	[ "${active:-0}" -lt 400 ]
# kmem_cache_destroy() warns (and panic_on_warn fails the run) on a leak.
check "unload after churn" timeout 60 rmmod kvmsched
