#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A thread the VMM creates after its VM's birth gets the emulator settings
# before its first instruction in user mode, not its creator's: ksvmm -w
# has its first vCPU thread (on the vCPU CPUs) start an IO thread, as QEMU
# does for device work a guest starts, and that thread's first act is to
# read its own affinity. The periodic pass is off (60 s), so the placement
# is the fork hook's.
. "$KSDIR/tests/lib.sh"

ks_unload
ks_load
echo 60000 >/sys/module/kvmsched/parameters/reconcile_ms
echo birth >$KS/rules/add
echo "comm ksvmm" >$KS/rules/birth/match
echo 2-3 >$KS/rules/birth/cpus
echo 1 >$KS/rules/birth/emulator_cpus
echo batch >$KS/rules/birth/emulator_sched_policy

rm -f /tmp/worker
start_vmm /tmp/birth.ready -p self -v 1 -g io -w /tmp/worker ||
	nok "ksvmm with an IO thread ready"
check "the IO thread started" wait_for 10 test -s /tmp/worker
W=$(awk '{ print $2 }' /tmp/worker)
check_eq "IO thread: its affinity at its first instruction" \
	"$(awk '{ print $4 }' /tmp/worker)" 1
check_eq "IO thread: its creator, vCPU 0, runs on the vCPU CPUs" \
	"$(cpus_allowed "$(ready_tids /tmp/birth.ready 0)")" 2-3
check "IO thread: batch, from the emulator settings" \
	test "$(kssched get "$W" | cut -d' ' -f1)" = batch
check "ksvmm exited cleanly" stop_vmm $VMM_PID
echo birth >$KS/rules/remove
echo 1000 >/sys/module/kvmsched/parameters/reconcile_ms
check "unload" rmmod kvmsched
