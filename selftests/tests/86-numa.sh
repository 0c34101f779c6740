#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# NUMA placement on the two-node host of run-vm.sh --numa (CPUs 0-3 on
# node 0, 4-7 on node 1, node 2 memory only), judged by where vCPUs really
# entered the guest (kvm:kvm_entry, mapped to nodes through
# /sys/devices/system/node): a home node written before the first entry,
# within the VM's cpus, given by a rule, chosen by auto; the emulator
# threads on it; bad input; where the VM's memory is; strict and preferred
# under overload; a whole node going offline and back; QEMU.
# timeout: 600
# only-when-named
. "$KSDIR/tests/lib.sh"

NODE=/sys/devices/system/node
if [ "$(cat $NODE/node0/cpulist 2>/dev/null)" != 0-3 ] ||
   [ "$(cat $NODE/node1/cpulist 2>/dev/null)" != 4-7 ]; then
	skip "numa: needs the two-node host of run-vm.sh --numa"
	exit 0
fi
check_eq "numa: node 2 has memory and no CPU" \
	"$(cat $NODE/node2/cpulist)$(grep -c MemTotal $NODE/node2/meminfo)" 1
ks_load
echo 1000 >/sys/module/kvmsched/parameters/reconcile_ms
ALL=$(cpus_allowed $$)
N0="0 1 2 3"
N1="4 5 6 7"

# Main pattern: the home node written while the vCPUs exist, before any runs.
R=/tmp/numa.ready
check "main: vCPUs listed before they run" \
	start_vmm_early $R 2 -p main -v 2 -g spin -d 10000
P=$VMM_PID
D=$(vm_dirs $P)
check_eq "main: numa_node empty by default" "$(cat $D/numa_node)" ""
check_eq "main: home_node empty by default" "$(cat $D/home_node)" ""
trace_entries_start
check_eq "main: numa_node 1 accepted" "$(kswrite $D/numa_node 1)" OK
check_eq "main: no vCPU ran before the policy" \
	"$(cat $D/vcpus/0/tid)$(cat $D/vcpus/1/tid)" ""
check "main: every vCPU ran" wait_for 60 test -f $R
sleep 1
trace_entries_stop >/tmp/numa.trace
check_eq "main: trace lost no events" "$(trace_overruns)" 0
T0=$(ready_tids $R 0)
T1=$(ready_tids $R 1)
check_entries "main: node 1 from the first entry" /tmp/numa.trace "$T0 $T1" "$N1"
check_eq "main: home_node" "$(cat $D/home_node)" 1
for id in 0 1; do
	check_eq "main: vcpus/$id/node" "$(cat $D/vcpus/$id/node)" 1
	check_eq "main: vcpus/$id/placement" "$(cat $D/vcpus/$id/placement)" node
done
check_eq "main: emulator thread on node 1" "$(cpus_allowed $P)" 4-7

# The VM's cpus within the node; cpus off the node are refused.
echo 2-5 >$D/cpus
check_eq "cpus: intersected with the node" "$(cat $D/vcpus/0/effective_cpus)" 4-5
check_eq "cpus: off the home node refused" "$(kswrite $D/cpus 0-1)" EINVAL
check_eq "cpus: unchanged" "$(cat $D/cpus)" 2-5
echo 4-5 >$D/cpus
check_eq "numa_node: a node without a CPU of cpus refused" \
	"$(kswrite $D/numa_node 0)" EINVAL
check_eq "numa_node: unchanged" "$(cat $D/numa_node)" 1
# Widened back: the threads kvmsched narrowed follow, no repair counted.
echo >$D/cpus
check_eq "cpus: emptied, the whole node again" \
	"$(cat $D/vcpus/0/effective_cpus)" 4-7
check_eq "cpus: emptied, the emulator thread's too" "$(cpus_allowed $P)" 4-7
check_eq "cpus: widening is no repair" \
	"$(cat $D/vcpus/0/affinity_repairs)$(cat $D/emulator_repairs)" 00
# A vCPU's own cpus beat the home node (explicit 1:1 pinning).
echo 1 >$D/vcpus/0/cpus
trace_entries_start
sleep 1
trace_entries_stop >/tmp/numa.trace
check_entries "pin: vCPU 0 on CPU 1" /tmp/numa.trace "$T0" 1
check_entries "pin: vCPU 1 stays on node 1" /tmp/numa.trace "$T1" "$N1"
echo >$D/vcpus/0/cpus

# Moved home while running: every thread follows before its next entry.
echo 0 >$D/numa_node
trace_entries_start
sleep 1
trace_entries_stop >/tmp/numa.trace
check_entries "move: node 0 after the write" /tmp/numa.trace "$T0 $T1" "$N0"
check_eq "move: emulator thread on node 0" "$(cpus_allowed $P)" 0-3

# Bad input: "<errno> <input>" per line.
cat >/tmp/numa.bad <<'LIST'
EINVAL abc
EINVAL Auto
EINVAL AUTO
EINVAL autox
EINVAL auto auto
EINVAL 0x1
EINVAL 1.0
EINVAL 1,2
EINVAL 0-1
EINVAL node0
EINVAL +
EINVAL -
EINVAL 1 2
EINVAL #
EINVAL 1;
EINVAL ffff
EINVAL 0b1
EINVAL 1e1
EINVAL one
EINVAL --1
EINVAL +-1
EINVAL preferred
EINVAL strict
EINVAL none
EINVAL null
ERANGE 3
ERANGE 4
ERANGE 64
ERANGE 1024
ERANGE -1
ERANGE -2
ERANGE 2147483648
ERANGE 99999999999
ENODEV 2
LIST
kswrite $KS/rules/add r >/dev/null
try_bad $D/numa_node 1 /tmp/numa.bad $D/vcpus/0/effective_cpus
check_eq "bad input: home_node unchanged" "$(cat $D/home_node)" 1
try_bad $KS/rules/r/numa_node 1 /tmp/numa.bad
cat >/tmp/mode.bad <<'LIST'
EINVAL Strict
EINVAL STRICT
EINVAL Preferred
EINVAL PREFERRED
EINVAL strictly
EINVAL stric
EINVAL prefer
EINVAL preferredx
EINVAL strict,preferred
EINVAL strict preferred
EINVAL str ict
EINVAL s
EINVAL p
EINVAL 0
EINVAL 1
EINVAL -1
EINVAL auto
EINVAL none
EINVAL bind
EINVAL interleave
EINVAL local
EINVAL default
EINVAL restrictive
EINVAL strict;
EINVAL #strict
EINVAL *
EINVAL mode=strict
EINVAL numa_mode
EINVAL yes
EINVAL on
EINVAL true
EINVAL "strict"
LIST
check_eq "32 bad modes listed" "$(wc -l </tmp/mode.bad)" 32
try_bad $D/numa_mode strict /tmp/mode.bad $D/vcpus/0/effective_cpus
try_bad $KS/rules/r/numa_mode strict /tmp/mode.bad
echo preferred >$D/numa_mode
check "a mode's rejection is logged" \
	sh -c "dmesg | grep -q 'numa_mode: rejected \"Strict\": not \"strict\"'"
check "a rejection is logged" \
	sh -c "dmesg | grep -q 'numa_node: rejected \"abc\": not a node id'"
kswrite $KS/rules/remove r >/dev/null

# An empty write gives every thread back what it had.
echo >$D/numa_node
check_eq "empty: home_node empty" "$(cat $D/home_node)" ""
# The vCPU threads were born of the confined main thread, so the mask
# they had before kvmsched is the home node's: only placement tells.
check_eq "empty: vcpus/0/placement free" "$(cat $D/vcpus/0/placement)" free
check_eq "empty: emulator thread mask back" "$(cpus_allowed $P)" "$ALL"
check "main: ksvmm exits 0" stop_vmm $P

# A rule with numa_node, QEMU's creation pattern (each vCPU thread creates
# its vCPU): node 1 from the first entry.
kswrite $KS/rules/add n1 >/dev/null
kswrite $KS/rules/n1/match "comm ksvmm" >/dev/null
check_eq "rule: numa_node 1 accepted" "$(kswrite $KS/rules/n1/numa_node 1)" OK
check_eq "rule: cpus off its node refused" \
	"$(kswrite $KS/rules/n1/cpus 0-3)" EINVAL
trace_entries_start
start_vmm /tmp/numa2.ready -v 2 -g spin || nok "rule: ksvmm started"
P=$VMM_PID
sleep 1
trace_entries_stop >/tmp/numa.trace
check_entries "rule: node 1 from the first entry" /tmp/numa.trace \
	"$(ready_tids /tmp/numa2.ready)" "$N1"
check_eq "rule: home_node" "$(cat $(vm_dirs $P)/home_node)" 1
check "rule: ksvmm exits 0" stop_vmm $P
kswrite $KS/rules/remove n1 >/dev/null

# auto: four VMs of two vCPUs, born one after the other through a rule,
# each VMM writing 1 MiB of guest RAM first, on node 1, 1, 0, 0: each goes
# to the node with the most free CPUs and, between nodes as free, to the
# one holding its RAM (VMs 1 and 3); for VMs 2 and 4 their RAM does not
# outweigh two free CPUs more on the other node.
kswrite $KS/rules/add auto >/dev/null
kswrite $KS/rules/auto/match "comm ksvmm" >/dev/null
echo auto >$KS/rules/auto/numa_node
# strict: this is about the choice, not about widening under load.
echo strict >$KS/rules/auto/numa_mode
PIDS="" HOMES="" TIDS0="" TIDS1=""
trace_entries_start
for i in 1 2 3 4; do
	case $i in 1 | 2) mem=4-7 ;; *) mem=0-3 ;; esac
	taskset -pc $mem $$ >/dev/null
	start_vmm /tmp/auto$i.ready -v 2 -g spin -M 1 || nok "auto: VM $i started"
	taskset -pc "$ALL" $$ >/dev/null
	PIDS="$PIDS $VMM_PID"
	h=$(cat $(vm_dirs $VMM_PID)/home_node)
	HOMES="$HOMES$h"
	if [ "$h" = 0 ]; then
		TIDS0="$TIDS0 $(ready_tids /tmp/auto$i.ready)"
	else
		TIDS1="$TIDS1 $(ready_tids /tmp/auto$i.ready)"
	fi
done
sleep 1
trace_entries_stop >/tmp/numa.trace
check_eq "auto: homes of VMs 1-4" "$HOMES" 1001
check_entries "auto: node 0's VMs on node 0" /tmp/numa.trace "$TIDS0" "$N0"
check_entries "auto: node 1's VMs on node 1" /tmp/numa.trace "$TIDS1" "$N1"
for p in $PIDS; do
	check "auto: ksvmm $p exits 0" stop_vmm $p
done
kswrite $KS/rules/remove auto >/dev/null

# Memory the VMM wrote on node 1 before its VM was homed on node 0 stays
# there: no exported API lets a module move it (NUMA balancing may, over
# seconds, as the guest touches it). memory_nodes_kb says where it is,
# within its sampling error (3 % of the 64 MiB) of /proc/<pid>/numa_maps,
# which counts every page of the VMM, 2 MiB more at most.
taskset -pc 4-7 $$ >/dev/null
start_vmm /tmp/mem.ready -v 1 -g spin -M 64 || nok "memory: ksvmm started"
P=$VMM_PID
taskset -pc "$ALL" $$ >/dev/null
D=$(vm_dirs $P)
echo 0 >$D/numa_node
check_eq "memory: emulator thread moved to node 0" "$(cpus_allowed $P)" 0-3
check_eq "memory: memory_nodes_kb mode" "$(stat -c %a $D/memory_nodes_kb)" 400
# shellcheck disable=SC2046 # one word per node
set -- $(cat $D/memory_nodes_kb)
check_eq "memory: one value per node" $# 3
MEM0=$1 MEM1=$2 MEM2=$3
# shellcheck disable=SC2046
set -- $(awk '{
	ps = 4
	for (i = 1; i <= NF; i++)
		if ($i ~ /^kernelpagesize_kB=/)
			ps = substr($i, 19)
	for (i = 1; i <= NF; i++)
		if ($i ~ /^N[0-9]+=/) {
			split(substr($i, 2), a, "=")
			kb[a[1]] += a[2] * ps
		}
} END { print kb[0] + 0, kb[1] + 0, kb[2] + 0 }' /proc/$P/numa_maps)
echo "# memory: memory_nodes_kb $MEM0 $MEM1 $MEM2, numa_maps $1 $2 $3"
check "memory: most on node 1, where it was written ($MEM1 KiB)" \
	[ "$MEM1" -ge 58982 ]
# Sampling may err either way; numa_maps also counts the VMM's own pages.
OFF=$((MEM1 - $2))
check "memory: node 1 within 3 % + 2 MiB of numa_maps' $2 KiB ($OFF)" \
	[ $OFF -le 1966 -a $OFF -ge -4014 ]
check "memory: node 0 within 3 % of numa_maps' $1 KiB ($MEM0)" \
	[ "$MEM0" -le $(($1 + 1966)) ]
check_eq "memory: none on node 2" "$MEM2" 0
check "memory: ksvmm exits 0" stop_vmm $P

# vcpu_sum PIDS FILE: FILE summed over every vCPU of the VMs of PIDS.
vcpu_sum() {
	local p n=0 f
	for p in $1; do
		for f in $(vm_dirs $p)/vcpus/*/$2; do
			n=$((n + $(cat $f)))
		done
	done
	echo $n
}
# vcpus_cpus_are PIDS LIST: every vCPU of those VMs has effective_cpus LIST.
vcpus_cpus_are() {
	local p f
	for p in $1; do
		for f in $(vm_dirs $p)/vcpus/*/effective_cpus; do
			[ "$(cat $f)" = "$2" ] || return 1
		done
	done
}
spilled() { [ "$(vcpu_sum "$1" numa_spills)" -gt 0 ]; }

# Overload: three VMs of three spinning vCPUs homed on node 0's four CPUs,
# node 1 idle. strict never leaves node 0; preferred widens to node 1
# (numa_spills counts it) and narrows back once two VMs are gone (three
# vCPUs and their VMM's main loop fit the node).
kswrite $KS/rules/add ov >/dev/null
kswrite $KS/rules/ov/match "comm ksvmm" >/dev/null
echo 0 >$KS/rules/ov/numa_node
echo strict >$KS/rules/ov/numa_mode
PIDS="" TIDS=""
for i in 1 2 3; do
	start_vmm /tmp/ov$i.ready -v 3 -g spin || nok "overload: VM $i started"
	PIDS="$PIDS $VMM_PID"
	TIDS="$TIDS $(ready_tids /tmp/ov$i.ready)"
done
# Three looks of the periodic pass (reconcile_ms 1000), then two traced.
sleep 3
trace_entries_start
sleep 2
trace_entries_stop >/tmp/numa.trace
check_entries "strict: overloaded, on node 0 only" /tmp/numa.trace "$TIDS" "$N0"
check_eq "strict: no spill counted" "$(vcpu_sum "$PIDS" numa_spills)" 0
echo >"$TRACEFS/trace"
echo 1 >"$TRACEFS/events/kvmsched/kvmsched_numa_widen/enable"
echo 1 >"$TRACEFS/tracing_on"
for p in $PIDS; do
	echo preferred >$(vm_dirs $p)/numa_mode
done
check "preferred: widened under the overload (numa_spills)" \
	wait_for 20 spilled "$PIDS"
echo 0 >"$TRACEFS/tracing_on"
echo 0 >"$TRACEFS/events/kvmsched/kvmsched_numa_widen/enable"
# The tracepoint names a vCPU thread of one of the VMs.
wtid=$(sed -n 's/.* kvmsched_numa_widen: vm=[0-9-]* vcpu=[0-9]* tid=\([0-9]*\)$/\1/p' \
	"$TRACEFS/trace" | head -n 1)
check "preferred: tracepoint kvmsched_numa_widen for a vCPU thread ($wtid)" \
	in_list "$wtid" $TIDS
trace_entries_start
sleep 2
trace_entries_stop >/tmp/numa.trace
check "preferred: some guest entries on node 1" \
	[ "$(entries_summary /tmp/numa.trace "$TIDS" "$N0" | cut -d' ' -f2)" -gt 0 ]
check_entries "preferred: nothing beyond the nodes that have CPUs" \
	/tmp/numa.trace "$TIDS" "$N0 $N1"
set -- $PIDS
P=$1
check "overload: VM 2 exits 0" stop_vmm $2
check "overload: VM 3 exits 0" stop_vmm $3
check "preferred: narrowed back to node 0 without the load" \
	wait_for 30 vcpus_cpus_are $P 0-3
trace_entries_start
sleep 1
trace_entries_stop >/tmp/numa.trace
check_entries "preferred: narrowed, on node 0 again" /tmp/numa.trace \
	"$(ready_tids /tmp/ov1.ready)" "$N0"
check "overload: VM 1 exits 0" stop_vmm $P
kswrite $KS/rules/remove ov >/dev/null

# A whole node offline: its VMs run on the nearest node that has CPUs
# (node 2 has none), and go home when it comes back.
start_vmm /tmp/hp.ready -v 2 -g spin || nok "hotplug: ksvmm started"
P=$VMM_PID
D=$(vm_dirs $P)
echo 1 >$D/numa_node
T=$(ready_tids /tmp/hp.ready)
for c in 4 5 6 7; do
	echo 0 >/sys/devices/system/cpu/cpu$c/online
done
trace_entries_start
sleep 1
trace_entries_stop >/tmp/numa.trace
check_entries "hotplug: node 1 offline, on node 0" /tmp/numa.trace "$T" "$N0"
check_eq "hotplug: home_node kept" "$(cat $D/home_node)" 1
check_eq "hotplug: placement" "$(cat $D/vcpus/0/placement)" node
check_eq "hotplug: emulator thread on node 0" "$(cpus_allowed $P)" 0-3
for c in 4 5 6 7; do
	echo 1 >/sys/devices/system/cpu/cpu$c/online
done
check "hotplug: node 1 back, the vCPUs follow" \
	wait_for 10 vcpus_cpus_are $P 4-7
trace_entries_start
sleep 1
trace_entries_stop >/tmp/numa.trace
check_entries "hotplug: home again" /tmp/numa.trace "$T" "$N1"
check_eq "hotplug: emulator thread home again" "$(cpus_allowed $P)" 4-7
check "hotplug: ksvmm exits 0" stop_vmm $P

# QEMU through a rule: its vCPUs on node 1 from their first entry, and its
# other threads too.
kswrite $KS/rules/add qemu >/dev/null
kswrite $KS/rules/qemu/match "comm qemu-system-x86" >/dev/null
echo 1 >$KS/rules/qemu/numa_node
trace_entries_start
start_qemu 2
check "QEMU: vCPU threads bound" wait_for 60 qemu_tids_match "$QEMU_PID"
sleep 2
trace_entries_stop >/tmp/numa.trace
check_entries "QEMU: node 1 from the first entry" /tmp/numa.trace \
	"$(qemu_vcpu_tids "$QEMU_PID")" "$N1"
check "QEMU: emulator threads on node 1" \
	wait_for 5 qemu_emulator_mask_is "$QEMU_PID" 4-7
check_eq "QEMU: home_node" "$(cat $(vm_dirs $QEMU_PID)/home_node)" 1
kill "$QEMU_PID"
wait "$QEMU_PID"
kswrite $KS/rules/remove qemu >/dev/null
ks_unload
