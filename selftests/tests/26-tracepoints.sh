#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kvmsched's tracepoints in tracefs (events/kvmsched/): each event appears
# when what it reports happens, with the fields the tree and /proc agree
# on: a VM added and removed, its vCPUs bound to their threads, a rule
# matched, an affinity and a scheduling repair (what the rogue set, what
# kvmsched put back), an RT demotion and its restore. (IRQ moves: 87-irq;
# NUMA widening: 86-numa.)
# timeout: 180
. "$KSDIR/tests/lib.sh"
ks_load
EV=$TRACEFS/events/kvmsched
# Every event the ABI document lists exists, and no other.
doc=$(awk '/^kvmsched_/ { print $1 }' "$KSDIR/abi/trace-kvmsched" | sort)
check "the ABI document lists events" test -n "$doc"
check_eq "events/kvmsched/ has exactly the documented events" \
	"$(ls -d "$EV"/kvmsched_* | sed 's|.*/||' | sort | tr '\n' ' ')" \
	"$(echo "$doc" | tr '\n' ' ')"
echo 0 >"$TRACEFS/tracing_on"
echo 4096 >"$TRACEFS/buffer_size_kb"
echo >"$TRACEFS/trace"
echo 1 >"$EV/enable"
echo 1 >"$TRACEFS/tracing_on"

# seen PATTERN: a line of the trace has the event and fields of PATTERN.
seen() { grep -q " kvmsched_$1" "$TRACEFS/trace"; }
# nice_is TID N: field 19 of /proc/<tid>/stat (17 after the comm).
nice_is() { [ "$(sed 's/.*) //' /proc/"$1"/stat | cut -d' ' -f17)" = "$2" ]; }

echo tp >"$KS/rules/add"
echo "comm ksvmm" >"$KS/rules/tp/match"
start_vmm /tmp/tp.ready -p self -v 2 -g spin || nok "ksvmm ready"
vm=$(basename "$(vm_dirs "$VMM_PID")")
check "vm_add: vm=$vm pid=$VMM_PID" seen "vm_add: vm=$vm pid=$VMM_PID$"
for id in 0 1; do
	tid=$(cat "$KS/vms/$vm/vcpus/$id/tid")
	check "vcpu_bind: vCPU $id, tid $tid" seen "vcpu_bind: vm=$vm vcpu=$id tid=$tid$"
done
check "rule_match: rule=tp vm=$vm" seen "rule_match: rule=tp vm=$vm$"

# Affinity: the VM on CPU 1, a rogue moves vCPU 0 to CPU 2.
tid=$(cat "$KS/vms/$vm/vcpus/0/tid")
echo 1 >"$KS/vms/$vm/cpus"
wait_for 5 mask_is "$tid" 1 || nok "vCPU 0 on CPU 1"
taskset -p -c 2 "$tid" >/dev/null
check "rogue taskset repaired" wait_for 5 mask_is "$tid" 1
check "repair: affinity of $tid, was 2, set 1" \
	seen "repair: aspect=affinity id=$tid was=2 set=1$"

# Scheduling: the VM at nice 5, a rogue renices vCPU 0 to 0.
echo 5 >"$KS/vms/$vm/nice"
wait_for 5 nice_is "$tid" 5 || nok "vCPU 0 at nice 5"
renice 0 -p "$tid" >/dev/null
check "repair: scheduling of $tid, was nice 0, set nice 5" wait_for 5 \
	seen "repair: aspect=scheduling id=$tid was=normal/0/0/[0-9]* set=normal/0/5/[0-9]*$"
echo >"$KS/vms/$vm/nice"

# The RT guard: a spinning fifo vCPU alone on CPU 1 is demoted within a
# period and given its class back at the next.
echo fifo >"$KS/vms/$vm/sched_policy"
check "rt_demote: vCPU 0" wait_for 5 seen "rt_demote: vm=$vm vcpu=0 tid=$tid$"
check "rt_restore: vCPU 0" wait_for 5 seen "rt_restore: vm=$vm vcpu=0 tid=$tid$"
echo >"$KS/vms/$vm/sched_policy"
echo >"$KS/vms/$vm/cpus"

check "ksvmm exited cleanly" stop_vmm "$VMM_PID"
check "vm_remove: vm=$vm pid=$VMM_PID" wait_for 5 seen "vm_remove: vm=$vm pid=$VMM_PID$"
echo tp >"$KS/rules/remove"
echo 0 >"$TRACEFS/tracing_on"
echo 0 >"$EV/enable"
grep ' kvmsched_' "$TRACEFS/trace" | sed 's/^ *//' | head -n 20 | sed 's/^/# /'
echo >"$TRACEFS/trace"
