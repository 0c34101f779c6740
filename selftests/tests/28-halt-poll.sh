#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# halt_poll_ns: a VM's halt-polling limit, set in KVM for a VMM that never
# asks for it. The guest (ksvfio -e) halts in KVM with the in-kernel
# irqchip and is woken by irqfd writes of its own VMM, the wake-up halt
# polling serves. Witnesses: KVM's debugfs (halt_attempted_poll and the
# polling time: polls happen or not), the vCPU thread's schedstat (its CPU
# time), the wake-up time ksvfio measures, and the VMM's own
# KVM_CAP_HALT_POLL beside kvmsched's, given back at unload.
# timeout: 400
. "$KSDIR/tests/lib.sh"
ks_load

poll_ns() { echo $(($(kvm_debugfs "$1" halt_poll_success_ns) + $(kvm_debugfs "$1" halt_poll_fail_ns))); }
cpu_ns() { cut -d' ' -f1 /proc/"$1"/task/"$2"/schedstat; }

N=400
# phase NAME: N wake-ups; prints a row and sets POLLS, POLL_NS, CPU_NS.
# KVM counts a halt's poll as the halt ends: the first wake-up ends the
# halt that began under the previous limit, and is not measured.
phase() {
	local p0 t0 c0 r
	vfio_cmd hp 3 "raise 1" >/dev/null || nok "$1: the first wake-up"
	p0=$(kvm_debugfs $VFIO_PID halt_attempted_poll)
	t0=$(poll_ns $VFIO_PID)
	c0=$(cpu_ns $VFIO_PID $TID)
	r=$(vfio_cmd hp 3 "raise $N") || nok "$1: $N wake-ups ($r)"
	POLLS=$(($(kvm_debugfs $VFIO_PID halt_attempted_poll) - p0))
	POLL_NS=$(($(poll_ns $VFIO_PID) - t0))
	CPU_NS=$(($(cpu_ns $VFIO_PID $TID) - c0))
	echo "# halt poll: $1 | $POLLS | $((POLL_NS / N)) | $((CPU_NS / N)) |" \
		"$(echo "$r" | sed 's/.*p50_us=\([^ ]*\) p99_us=\([^ ]*\).*/\1 | \2/')"
}

vfio_start hp 3 -e -n 1 || nok "ksvfio -e started"
vm=$(vm_dirs $VFIO_PID)
TID=$(cat "$vm/vcpus/0/tid")
check_eq "halt_poll_ns: empty by default" "$(cat "$vm/halt_poll_ns")" ""
check_eq "effective_halt_poll_ns: empty (the module-wide value)" \
	"$(cat "$vm/effective_halt_poll_ns")" ""
check_eq "halt_poll_repairs: 0" "$(cat "$vm/halt_poll_repairs")" 0
# The vCPU alone on CPU 2: KVM polls only while nothing else may run.
echo 2 >"$vm/cpus"
echo 1 >"$vm/emulator_cpus"

cat >/tmp/hpbad.list <<'LIST'
EINVAL -1
EINVAL abc
EINVAL 1e6
EINVAL 0x10
EINVAL 10 20
ERANGE 4294967296
ERANGE 99999999999999999999
LIST
try_bad "$vm/halt_poll_ns" 0 /tmp/hpbad.list "$vm/effective_halt_poll_ns"

echo "# halt poll: halt_poll_ns | polls | poll ns per wake-up | vCPU CPU ns per wake-up | wake-up p50 us | p99 us"
echo 0 >"$vm/halt_poll_ns"
check_eq "halt_poll_ns 0: KVM applies 0" "$(cat "$vm/effective_halt_poll_ns")" 0
phase 0
check_eq "halt_poll_ns 0: no poll (debugfs halt_attempted_poll)" "$POLLS" 0
check_eq "halt_poll_ns 0: no polling time (debugfs)" "$POLL_NS" 0
cpu_off=$CPU_NS
echo >"$vm/halt_poll_ns"
phase "default $(cat /sys/module/kvm/parameters/halt_poll_ns)"
echo 5000000 >"$vm/halt_poll_ns"
check_eq "halt_poll_ns 5 ms: KVM applies it" \
	"$(cat "$vm/effective_halt_poll_ns")" 5000000
phase 5000000
check "halt_poll_ns 5 ms: KVM polls ($POLLS polls, debugfs)" [ "$POLLS" -gt 0 ]
check "halt_poll_ns 5 ms: polling time counted ($POLL_NS ns, debugfs)" \
	[ "$POLL_NS" -gt 0 ]
echo "# halt poll: vCPU thread CPU per wake-up, 5 ms against 0:" \
	"$(awk -v a=$CPU_NS -v b=$cpu_off 'BEGIN { printf "%.2f", b ? a / b : 0 }')"

# The VMM's own limit while kvmsched holds one: set back, counted, and
# what the VM gets back afterwards.
echo 0 >"$vm/halt_poll_ns"
vfio_cmd hp 3 "halt_poll 3000000" >/dev/null || nok "KVM_CAP_HALT_POLL by the VMM"
check "the VMM's own limit is set back to 0" \
	wait_for 10 reads "$vm/effective_halt_poll_ns" 0
check_eq "halt_poll_repairs: 1" "$(cat "$vm/halt_poll_repairs")" 1
phase "0 held"
check_eq "held: no poll (debugfs)" "$POLLS" 0
echo >"$vm/halt_poll_ns"
check_eq "empty: the VMM's own limit back" \
	"$(cat "$vm/effective_halt_poll_ns")" 3000000

# Unload with the VM running gives the VM back what it had.
echo 0 >"$vm/halt_poll_ns"
check "rmmod kvmsched" rmmod kvmsched
phase "3000000 after unload"
check "after unload: the VMM's own limit polls again ($POLLS polls)" \
	[ "$POLLS" -gt 0 ]
ks_load
vm=$(wait_for 10 has_vm_dirs $VFIO_PID 1 && vm_dirs $VFIO_PID)
check_eq "found again at load: effective_halt_poll_ns is the VMM's" \
	"$(cat "$vm/effective_halt_poll_ns")" 3000000
check "ksvfio exits 0" vfio_stop hp 3 $VFIO_PID

# A rule's halt_poll_ns reaches a new VM before anything asks.
kswrite $KS/rules/add hp >/dev/null
kswrite $KS/rules/hp/match "comm ksvfio" >/dev/null
try_bad "$KS/rules/hp/halt_poll_ns" 0 /tmp/hpbad.list
vfio_start hp 3 -e -n 1 || nok "ksvfio -e started again"
vm=$(vm_dirs $VFIO_PID)
TID=$(cat "$vm/vcpus/0/tid")
check_eq "rule: halt_poll_ns 0" "$(cat "$vm/halt_poll_ns")" 0
check_eq "rule: KVM applies 0" "$(cat "$vm/effective_halt_poll_ns")" 0
phase "0 by rule"
check_eq "rule: no poll (debugfs)" "$POLLS" 0
check "ksvfio exits 0" vfio_stop hp 3 $VFIO_PID
kswrite $KS/rules/remove hp >/dev/null
