#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# NUMA placement on the two-node host of run-vm.sh --numa (CPUs 0-3 on
# node 0, 4-7 on node 1, node 2 memory only), judged by where vCPUs really
# entered the guest (kvm:kvm_entry, mapped to nodes through
# /sys/devices/system/node): a home node written before the first entry,
# within the VM's cpus, given by a rule, chosen by auto; the emulator
# threads on it; bad input.
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
echo >$D/cpus
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
# try_bad FILE: every line of the list, the file set to 1 first.
try_bad() {
	local want input got bad=0 n=0 eff
	kswrite "$1" 1 >/dev/null
	eff=$(cat $D/vcpus/0/effective_cpus)
	while read -r want input; do
		got=$(kswrite "$1" "$input")
		n=$((n + 1))
		if [ "$got" != "$want" ]; then
			echo "# $1: \"$input\": got $got, want $want"
			bad=1
		fi
		if [ "$(cat "$1")" != 1 ]; then
			echo "# $1: \"$input\" changed it to $(cat "$1")"
			bad=1
		fi
	done </tmp/numa.bad
	check "$1: $n bad inputs rejected with their errno, nothing changed" \
		[ $bad = 0 ]
	check_eq "$1: effective_cpus unchanged" \
		"$(cat $D/vcpus/0/effective_cpus)" "$eff"
}
try_bad $D/numa_node
check_eq "bad input: home_node unchanged" "$(cat $D/home_node)" 1
try_bad $KS/rules/r/numa_node
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

# auto: four VMs of two vCPUs, born one after the other through a rule:
# each goes to the node with the most free CPUs, ties to the lower id.
kswrite $KS/rules/add auto >/dev/null
kswrite $KS/rules/auto/match "comm ksvmm" >/dev/null
echo auto >$KS/rules/auto/numa_node
PIDS="" HOMES="" TIDS0="" TIDS1=""
trace_entries_start
for i in 1 2 3 4; do
	start_vmm /tmp/auto$i.ready -v 2 -g spin || nok "auto: VM $i started"
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
check_eq "auto: homes of VMs 1-4" "$HOMES" 0101
check_entries "auto: node 0's VMs on node 0" /tmp/numa.trace "$TIDS0" "$N0"
check_entries "auto: node 1's VMs on node 1" /tmp/numa.trace "$TIDS1" "$N1"
for p in $PIDS; do
	check "auto: ksvmm $p exits 0" stop_vmm $p
done
kswrite $KS/rules/remove auto >/dev/null
ks_unload
