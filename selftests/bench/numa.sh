#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The NUMA benchmark, in one boot of the two-node host of run-vm.sh --numa
# (CPUs 0-3 on node 0, 4-7 on node 1). Where a vCPU ran is what
# kvm:kvm_entry says, each CPU mapped to its node.
#   (a) placement: 4 VMs of 2 spinning vCPUs, started one after the other;
#       per VM the share of its guest entries on its home node, and the VMs
#       on each node. Without kvmsched a VM's home is the node most of its
#       entries were on (the reading most favourable to it); with auto,
#       home_node.
#   (b) overload: 3 VMs of 4 spinning vCPUs homed on node 0: guest
#       progress (the CPU time the vCPU threads got, CPU-seconds per
#       second over all twelve) and the share of entries on node 0,
#       strict against preferred.
#   (c) cost: the CPU time of one read of memory_nodes_kb of a 256 MiB VM
#       against one of /proc/<pid>/numa_maps (exact, page by page), with
#       the RAM in huge pages and in 4 KiB pages; the
#       time of one periodic look at one VM's placement (ks_numa_vm_look,
#       function_graph), once per VM per second at reconcile_ms 1000.
# Asserted: (a) with auto, at least 99.9 % of entries on the home node and
# two VMs per node. The rest is reported.
. "$KSDIR/tests/lib.sh"

B="bench numa"
PIDS=""
say() { echo "# $B: $*"; }

cleanup() {
	stop_pids "$PIDS"
	PIDS=""
}
trap 'cleanup; exit 1' TERM INT

NODE=/sys/devices/system/node
if [ "$(cat $NODE/node0/cpulist 2>/dev/null)" != 0-3 ] ||
   [ "$(cat $NODE/node1/cpulist 2>/dev/null)" != 4-7 ]; then
	skip "$B: needs the two-node host of run-vm.sh --numa"
	exit 0
fi

# vms TAG N VCPUS ARGS...: starts N VMs one after the other, the ready
# file of VM i /tmp/TAG$i.ready; sets PIDS.
vms() {
	local tag=$1 n=$2 v=$3 i=1
	shift 3
	while [ $i -le "$n" ]; do
		start_vmm /tmp/$tag$i.ready -v "$v" "$@" ||
			nok "$B: $tag VM $i started"
		PIDS="$PIDS $VMM_PID"
		i=$((i + 1))
	done
}

# homes TAG N: "<vm> <tid>" for every vCPU of the N VMs of TAG.
tids_of() {
	local i=1
	while [ $i -le "$2" ]; do
		ready_tids /tmp/$1$i.ready | sed "s/^/$i /"
		i=$((i + 1))
	done
}

# shares TIDMAP TRACE HOMES: per VM, the percentage of its entries on its
# home node (HOMES: one node per VM, "-" for the node most entries were
# on), then the VMs per node; "<share>... | <min> | <vms on 0>/<vms on 1>".
shares() {
	awk -v homes="$3" '
	FNR == NR { vm[$2] = $1; next }
	($1 in vm) { v = vm[$1]; n[v]++; on[v, $2 >= 4]++ }
	END {
		split(homes, h)
		min = 100
		for (v = 1; v in n; v++) {
			home = h[v]
			if (home == "-")
				home = on[v, 1] > on[v, 0]
			s = 100 * on[v, home] / n[v]
			line = line sprintf("%.2f%% ", s)
			if (s < min)
				min = s
			per[home]++
		}
		printf "%s| %.2f | %d/%d\n", line, min, per[0], per[1]
	}' "$1" "$2"
}

# (a) four VMs, without kvmsched, then with auto.
ks_unload
say "(a) placement | home-node share of each VM's entries | lowest | VMs on node 0/1"
vms na 4 2 -g spin
tids_of na 4 >/tmp/na.tids
sleep 1
trace_entries_start
sleep 3
trace_entries_stop >/tmp/na.trace
say "(a) without kvmsched | $(shares /tmp/na.tids /tmp/na.trace "- - - -")"
cleanup

ks_load
echo 1000 >/sys/module/kvmsched/parameters/reconcile_ms
kswrite $KS/rules/add auto >/dev/null
kswrite $KS/rules/auto/match "comm ksvmm" >/dev/null
echo auto >$KS/rules/auto/numa_node
vms aa 4 2 -g spin
HOMES=""
for p in $PIDS; do
	HOMES="$HOMES $(cat $(vm_dirs $p)/home_node)"
done
tids_of aa 4 >/tmp/aa.tids
sleep 1
trace_entries_start
sleep 3
trace_entries_stop >/tmp/aa.trace
check_eq "$B: (a) trace lost no events" "$(trace_overruns)" 0
row=$(shares /tmp/aa.tids /tmp/aa.trace "$HOMES")
say "(a) auto | $row"
set -- $(echo "$row" | awk -F'|' '{ print $2, $3 }')
check "$B: (a) auto: lowest home-node share $1% >= 99.9%" \
	awk -v s="$1" 'BEGIN { exit !(s >= 99.9) }'
check_eq "$B: (a) auto: VMs on node 0/1" "$2" 2/2
cleanup
kswrite $KS/rules/remove auto >/dev/null

# (b) twelve vCPUs homed on node 0's four CPUs, for each mode. A spinning
# guest's progress is the CPU time its vCPU thread gets
# (/proc/<tid>/schedstat): CPU-seconds per second over all twelve.
cpu_ns_sum() {
	local t n=0
	for t in $1; do
		n=$((n + $(awk '{ print $1 }' /proc/$t/schedstat)))
	done
	echo $n
}
say "(b) overload, 3 VMs x 4 vCPUs homed on node 0 | guest CPU-s/s | entries on node 0 | spills | vCPUs beyond node 0 at the end"
kswrite $KS/rules/add ov >/dev/null
kswrite $KS/rules/ov/match "comm ksvmm" >/dev/null
echo 0 >$KS/rules/ov/numa_node
for mode in strict preferred; do
	echo $mode >$KS/rules/ov/numa_mode
	vms ov 3 4 -g spin
	tids_of ov 3 >/tmp/ov.tids
	T=$(awk '{ print $2 }' /tmp/ov.tids)
	sleep 2
	trace_entries_start
	w0=$(uptime_ns) c0=$(cpu_ns_sum "$T")
	sleep 3
	w1=$(uptime_ns) c1=$(cpu_ns_sum "$T")
	trace_entries_stop >/tmp/ov.trace
	spills=0 wide=0
	for p in $PIDS; do
		for f in $(vm_dirs $p)/vcpus/*; do
			spills=$((spills + $(cat $f/numa_spills)))
			[ "$(cat $f/effective_cpus)" = 0-3 ] || wide=$((wide + 1))
		done
	done
	cleanup
	share=$(entries_summary /tmp/ov.trace "$T" "0 1 2 3" |
		awk '{ printf "%.2f", $1 ? 100 * ($1 - $2) / $1 : 0 }')
	rate=$(awk -v c=$((c1 - c0)) -v w=$((w1 - w0)) \
		'BEGIN { printf "%.2f", w ? c / w : 0 }')
	say "(b) $mode | $rate | $share % | $spills | $wide of 12"
done
kswrite $KS/rules/remove ov >/dev/null

# (c) what a look costs, for guest RAM in huge pages (as THP gives it) and
# in 4 KiB pages (THP off): numa_maps visits each mapping once, so its cost
# grows with the number of page-table entries; a sample's does not.
# cpu_ms_per_read FILE N: CPU time of one read of FILE, over N reads, in
# ms: the children's user and system time of a shell doing them (fields
# 16 and 17 of its stat, in USER_HZ ticks of 10 ms).
cpu_ms_per_read() {
	sh -c 'i=0; while [ $i -lt '"$2"' ]; do cat '"$1"' >/dev/null; i=$((i + 1)); done
	       cat /proc/$$/stat' | awk -v n="$2" '{ printf "%.2f", ($16 + $17) * 10 / n }'
}
THP=/sys/kernel/mm/transparent_hugepage/enabled
THP_WAS=$(sed 's/.*\[\(.*\)\].*/\1/' $THP 2>/dev/null)
say "(c) one read of a 256 MiB VM's placement, CPU ms | huge pages, KiB | memory_nodes_kb | numa_maps | ratio"
for thp in always never; do
	[ -z "$THP_WAS" ] || echo $thp >$THP
	start_vmm /tmp/mem.ready -v 1 -g spin -M 256 || nok "$B: (c) VM started"
	P=$VMM_PID
	PIDS=$P
	echo 1 >$(vm_dirs $P)/numa_node
	huge=$(awk '/^AnonHugePages:/ { print $2 }' /proc/$P/smaps_rollup 2>/dev/null)
	m=$(cpu_ms_per_read $(vm_dirs $P)/memory_nodes_kb 50)
	n=$(cpu_ms_per_read /proc/$P/numa_maps 50)
	say "(c) THP $thp | ${huge:-?} | $m | $n | $(awk -v m="$m" -v n="$n" 'BEGIN { printf "%.2f", (n > 0 ? m / n : 0) }')"
	cleanup
done
[ -z "$THP_WAS" ] || echo "$THP_WAS" >$THP

# The periodic look at one VM, timed by the function graph tracer, which
# patches only that function (set_ftrace_filter): patching every function
# of the kernel under TCG stalls a CPU long enough for a soft lockup.
T=$TRACEFS
if grep -qw function_graph $T/available_tracers 2>/dev/null &&
   echo ks_numa_vm_look >$T/set_ftrace_filter 2>/dev/null; then
	vms lk 4 2 -g spin
	for p in $PIDS; do
		echo 1 >$(vm_dirs $p)/numa_node
	done
	echo 1 >$T/max_graph_depth
	echo function_graph >$T/current_tracer
	echo >$T/trace
	echo 1 >$T/tracing_on
	sleep 5
	echo 0 >$T/tracing_on
	# "  3)   12.345 us    |  ks_numa_vm_look [kvmsched]();"
	set -- $(awk '/ks_numa_vm_look/ {
		for (i = 1; i < NF; i++)
			if ($(i + 1) == "us") { n++; t += $i }
	} END { printf "%d %.1f", n, n ? t / n : 0 }' $T/trace)
	echo nop >$T/current_tracer
	echo >$T/set_ftrace_filter
	echo 0 >$T/max_graph_depth
	say "(c) placement: ks_numa_vm_look, 4 VMs over 5 s | $1 looks | $2 us each (wall) | $(awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", n * t / 20 }') us per VM per second"
	cleanup
else
	say "(c) placement: no function_graph tracer here, not measured"
fi
ks_unload
