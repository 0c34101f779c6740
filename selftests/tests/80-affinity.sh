#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Affinity, judged by where vCPUs really entered the guest (kvm:kvm_entry):
# a VM policy written before the first entry, 1:1 vCPU pinning, then drift
# from a rogue taskset, a cgroup v2 cpuset and CPU hotplug, and unload
# giving every thread its mask back.
# timeout: 600
. "$KSDIR/tests/lib.sh"

if [ "$(nproc)" -lt 4 ]; then
	skip "affinity: needs 4 CPUs"
	exit 0
fi
ks_load
echo 1000 >/sys/module/kvmsched/parameters/reconcile_ms
ALL=$(cpus_allowed $$)

# Main pattern (Firecracker-like): vCPU fds exist 10 s before any thread
# runs (enabling the trace event takes seconds on the debug kernel).
R=/tmp/aff.ready
check "main: vCPUs listed before they run" \
	start_vmm_early $R 2 -p main -v 2 -g io -d 10000
P=$VMM_PID
D=$(vm_dirs $P)
check_eq "main: cpus empty by default" "$(cat $D/cpus)" ""
check_eq "main: placement free by default" "$(cat $D/vcpus/0/placement)" free
trace_entries_start
echo 2-3 >$D/cpus
# The premise: the policy is written before any vCPU thread ran.
check_eq "main: no vCPU ran before the policy" \
	"$(cat $D/vcpus/0/tid)$(cat $D/vcpus/1/tid)" ""
check_eq "main: cpus reads back" "$(cat $D/cpus)" 2-3
check "main: every vCPU ran" wait_for 60 test -f $R
sleep 1
trace_entries_stop >/tmp/aff.trace
check_eq "main: trace lost no events" "$(trace_overruns)" 0
T0=$(ready_tids $R 0)
T1=$(ready_tids $R 1)
check_entries "main: VM cpus 2-3 from the first entry" /tmp/aff.trace "$T0 $T1" "2 3"
for id in 0 1; do
	check_eq "main: vcpus/$id/placement" "$(cat $D/vcpus/$id/placement)" vm
	check_eq "main: vcpus/$id/effective_cpus" \
		"$(cat $D/vcpus/$id/effective_cpus)" 2-3
done
check_eq "main: thread mask is the policy" "$(cpus_allowed "$T0")" 2-3

# 1:1 pinning while running: takes effect before the next entry.
echo 2 >$D/vcpus/0/cpus
echo 3 >$D/vcpus/1/cpus
trace_entries_start
sleep 1
trace_entries_stop >/tmp/aff.trace
check_entries "pin: vCPU 0 on CPU 2" /tmp/aff.trace "$T0" 2
check_entries "pin: vCPU 1 on CPU 3" /tmp/aff.trace "$T1" 3
check_eq "pin: vcpus/0/placement" "$(cat $D/vcpus/0/placement)" own

# A rogue taskset onto a CPU outside the policy, traced from before it.
before=$(cat $D/vcpus/0/affinity_repairs)
trace_entries_start
taskset -p 0x1 "$T0" >/dev/null
sleep 2
trace_entries_stop >/tmp/aff.trace
check_entries "taskset: vCPU 0 stays on CPU 2" /tmp/aff.trace "$T0" 2
check "taskset: repair counted" \
	[ "$(cat $D/vcpus/0/affinity_repairs)" -gt "$before" ]
check_eq "taskset: effective_cpus repaired" \
	"$(cat $D/vcpus/0/effective_cpus)" 2

# cgroup v2 cpusets: a move into a cpuset, then a cpuset.cpus write.
CG=/sys/fs/cgroup
if echo +cpuset >$CG/cgroup.subtree_control 2>/dev/null && mkdir $CG/ks80; then
	echo 0-1 >$CG/ks80/cpuset.cpus
	trace_entries_start
	echo $P >$CG/ks80/cgroup.procs
	sleep 1
	echo 0 >$CG/ks80/cpuset.cpus
	sleep 1
	trace_entries_stop >/tmp/aff.trace
	check_entries "cpuset: vCPU 0 stays on CPU 2" /tmp/aff.trace "$T0" 2
	check_entries "cpuset: vCPU 1 stays on CPU 3" /tmp/aff.trace "$T1" 3
	echo $P >$CG/cgroup.procs
	rmdir $CG/ks80
else
	nok "cpuset: cgroup v2 cpuset controller usable"
fi

# Hotplug: vCPU 1's only CPU goes away; it falls back to the VM's CPUs and
# comes back when the CPU does.
C3=/sys/devices/system/cpu/cpu3/online
trace_entries_start
echo 0 >$C3
check "hotplug: vCPU 1 falls back to the VM's cpus" \
	wait_for 10 grep -qx fallback_vm $D/vcpus/1/placement
sleep 1
trace_entries_stop >/tmp/aff.trace
check_entries "hotplug: vCPU 1 only on CPUs 2-3 across the offline" \
	/tmp/aff.trace "$T1" "2 3"
check_eq "hotplug: vCPU 1 effective_cpus while CPU 3 is off" \
	"$(cat $D/vcpus/1/effective_cpus)" 2
echo 1 >$C3
check "hotplug: vCPU 1 own pin back with CPU 3" \
	wait_for 10 grep -qx own $D/vcpus/1/placement
trace_entries_start
sleep 1
trace_entries_stop >/tmp/aff.trace
check_entries "hotplug: vCPU 1 on CPU 3 again" /tmp/aff.trace "$T1" 3

# Every CPU of the policy offline: any online CPU, never stranded.
echo >$D/vcpus/0/cpus
echo >$D/vcpus/1/cpus
echo 3 >$D/cpus
echo 0 >$C3
check "hotplug: fallback_any with CPU 3 off" \
	wait_for 10 grep -qx fallback_any $D/vcpus/0/placement
trace_entries_start
sleep 1
trace_entries_stop >/tmp/aff.trace
check_entries "hotplug: VM keeps running on the online CPUs" /tmp/aff.trace \
	"$T0 $T1" "0 1 2"
echo 1 >$C3
check "hotplug: VM policy back with CPU 3" \
	wait_for 10 grep -qx vm $D/vcpus/0/placement
trace_entries_start
sleep 1
trace_entries_stop >/tmp/aff.trace
check_entries "hotplug: VM on CPU 3 again" /tmp/aff.trace "$T0 $T1" 3

# An empty policy gives the threads back the masks they had.
echo >$D/cpus
check_eq "empty cpus: placement free" "$(cat $D/vcpus/0/placement)" free
check_eq "empty cpus: vCPU thread mask restored" "$(cpus_allowed "$T0")" "$ALL"

# Emulator threads: the main thread here (ksvmm's only non-vCPU thread).
echo 0 >$D/emulator_cpus
check_eq "emulator: main thread confined" "$(cpus_allowed $P)" 0
check_eq "emulator: vCPU threads untouched" "$(cpus_allowed "$T0")" "$ALL"
taskset -p 0x2 $P >/dev/null
check "emulator: drift repaired by the periodic pass" \
	wait_for 5 mask_is $P 0
check "emulator: repair counted" [ "$(cat $D/emulator_repairs)" -gt 0 ]

# Unload: threads get their masks back, except one changed by someone else.
echo 2-3 >$D/cpus
check_eq "unload: vCPU thread confined before" "$(cpus_allowed "$T1")" 2-3
echo 0 >/sys/module/kvmsched/parameters/reconcile_ms
taskset -p 0x2 $P >/dev/null
check "unload: rmmod with the VM running" ks_unload
check_eq "unload: vCPU 0 thread mask restored" "$(cpus_allowed "$T0")" "$ALL"
check_eq "unload: vCPU 1 thread mask restored" "$(cpus_allowed "$T1")" "$ALL"
check_eq "unload: mask changed by someone else kept" "$(cpus_allowed $P)" 1
check "unload: VMM exits cleanly" stop_vmm $P
