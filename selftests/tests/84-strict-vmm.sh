#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kvmsched's repairs are invisible to a VMM: ksvmm -e uses no signals and
# dies on any KVM_RUN error, EINTR included (KVM_EXIT_INTR), as a minimal
# VMM written from the KVM API examples does. It must live through a
# policy applied at birth (both vCPU creation patterns), a rogue taskset,
# class drift, RT guard demotions and restores, and unload.
# timeout: 300
. "$KSDIR/tests/lib.sh"

ks_unload
ks_load
echo 1000 >/sys/module/kvmsched/parameters/reconcile_ms
file_over() { [ "$(cat "$1")" -gt "$2" ]; }

# Every ksvmm from here on gets CPU 2-3, fifo 10: its io guest never
# sleeps, so the RT guard demotes and restores it every period.
echo strict >$KS/rules/add
echo "comm ksvmm" >$KS/rules/strict/match
echo 2-3 >$KS/rules/strict/cpus
echo fifo >$KS/rules/strict/sched_policy
echo 10 >$KS/rules/strict/sched_priority

for pattern in self main; do
	R=/tmp/strict-$pattern.ready
	start_vmm $R -e -p $pattern -v 2 -g io || nok "$pattern: strict ksvmm ready"
	eval "vmm_$pattern=$VMM_PID"
	D=$(vm_dirs $VMM_PID)
	check_eq "$pattern: rule applied at birth" "$(cat $D/rule)" strict
done

D=$(vm_dirs $vmm_main)
T0=$(ready_tids /tmp/strict-main.ready 0)
T1=$(ready_tids /tmp/strict-main.ready 1)
taskset -p 0x1 "$T0" >/dev/null
check "main: rogue taskset repaired" wait_for 5 file_over $D/vcpus/0/affinity_repairs 0
check "main: vCPU 0 back on 2-3" wait_for 5 mask_is "$T0" 2-3
kssched set "$T1" normal 0 0 >/dev/null
check "main: class drift repaired" wait_for 5 file_over $D/vcpus/1/sched_repairs 0
check "main: RT guard demoted vCPU 0" wait_for 5 file_over $D/vcpus/0/rt_demotions 1
check "main: RT guard demoted vCPU 1" wait_for 5 file_over $D/vcpus/1/rt_demotions 1
check "strict VMMs alive before unload" kill -0 $vmm_self $vmm_main
check "unload with strict VMMs running" rmmod kvmsched
sleep 1
for pattern in self main; do
	eval "pid=\$vmm_$pattern"
	check "$pattern: strict ksvmm never saw a KVM_RUN error" stop_vmm "$pid"
	sed -n 's/^ksvmm: /# /p' /tmp/strict-$pattern.ready.out
done
