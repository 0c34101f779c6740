#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VMs and vCPU threads are discovered for both vCPU creation patterns, and
# disappear with their VM.
. "$KSDIR/tests/lib.sh"

ks_load

# discover PATTERN VMS VCPUS [ksvmm args...]
discover() {
	p=$1 m=$2 v=$3
	shift 3
	t="$p pattern, $m VM(s) x $v vCPU(s)${*:+ ($*)}"
	if ! start_vmm /tmp/d.ready -p "$p" -m "$m" -v "$v" "$@"; then
		nok "$t: ksvmm ready"
		cat /tmp/d.ready.out
		return
	fi
	pid=$VMM_PID
	check "$t: $m VM dir(s)" wait_for 10 has_vm_dirs "$pid" "$m"
	check "$t: vCPU dirs" wait_for 10 vcpus_listed "$pid" "$v"
	d=$(vm_dirs "$pid" | head -n 1)
	check_eq "$t: pid" "$(cat "$d/pid")" "$pid"
	check_eq "$t: comm" "$(cat "$d/comm")" ksvmm
	check_eq "$t: nr_vcpus" "$(cat "$d/nr_vcpus")" "$v"
	check "$t: tid of every vCPU is its thread" tree_matches_ready \
		/tmp/d.ready "$pid"
	check "$t: cpu is a CPU number" grep -qE '^[0-9]+$' \
		"$d/vcpus/$(ls "$d/vcpus" | head -n 1)/cpu"
	check "$t: ksvmm exited cleanly" stop_vmm "$pid"
	check "$t: VM dirs gone" wait_for 10 no_vm_dirs "$pid"
}

discover self 1 4
discover main 1 4
discover self 2 2
discover main 3 1
discover self 1 3 -i 2 -s 3

# Firecracker pattern with the runners started late: the vCPUs are listed
# as soon as KVM creates them, with no thread yet.
rm -f /tmp/late.ready
ksvmm -r /tmp/late.ready -p main -v 2 -d 4000 >/dev/null 2>&1 &
pid=$!
if wait_for 3 vcpus_listed "$pid" 2 && [ ! -f /tmp/late.ready ]; then
	d=$(vm_dirs "$pid")
	check_eq "created, not yet run: tid empty" "$(cat "$d/vcpus/0/tid")" ""
	check_eq "created, not yet run: cpu empty" "$(cat "$d/vcpus/0/cpu")" ""
else
	nok "vCPUs listed before their first KVM_RUN"
fi
check "late runners: ready" wait_for 30 test -f /tmp/late.ready
check "late runners: tids bound" tree_matches_ready /tmp/late.ready "$pid"
check "late runners: ksvmm exited cleanly" stop_vmm "$pid"

# The main thread leaves first, so the last vCPU thread to exit drops the
# VM's last fd: KVM's teardown then loads each vCPU from the thread KVM
# records as running it. That must not bring the VM back into the tree.
ksvmm -p self -v 2 -n 2000 -x >/tmp/leaves.out 2>&1 &
pid=$!
check "vCPU thread tears down: ran and exited" wait "$pid"
check "vCPU thread tears down: VM dir gone" wait_for 10 no_vm_dirs "$pid"

check "vms/ empty at the end" wait_for 10 vms_empty
