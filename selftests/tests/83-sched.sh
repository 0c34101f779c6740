#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scheduling class, priority and nice per VM, per vCPU and for emulator
# threads, seen on the threads themselves (sched_getattr): set before the
# first guest entry in both vCPU patterns and on QEMU, drift repaired,
# bad input refused with its errno, the RT guard demoting a spinning fifo
# vCPU, and unload giving every thread back what it had.
# timeout: 400
. "$KSDIR/tests/lib.sh"

ks_load
echo 1000 >/sys/module/kvmsched/parameters/reconcile_ms

# first_sched READY ID: what ksvmm saw its vCPU thread have at its first
# guest exit (so during its first guest entry): "POLICY PRIO NICE".
first_sched() {
	awk -v id="$2" '$1 == "vm" && $6 == id { print $10, $12, $14 }' "$1"
}
sched_is() { [ "$(kssched get "$1")" = "$2" ]; }
file_is() { [ "$(cat "$1")" = "$2" ]; }
# A busy fifo or rr vCPU spends a few ms of each guard period demoted to
# idle, so what it runs with now is checked as seen within 2 s.
rt_now() { wait_for 2 "$@"; }
demotions_over() { [ "$(cat "$1/vcpus/0/rt_demotions")" -gt "$2" ]; }

# The self pattern (QEMU-like) runs its vCPUs as soon as they exist, so its
# policy comes from a rule, declared before the VMM starts.
echo vmm >$KS/rules/add
echo "comm ksvmm" >$KS/rules/vmm/match
echo fifo >$KS/rules/vmm/sched_policy
echo 20 >$KS/rules/vmm/sched_priority
echo batch >$KS/rules/vmm/emulator_sched_policy
echo 3 >$KS/rules/vmm/emulator_nice
check_eq "self: rule emulator_nice <- '20'" \
	"$(kswrite $KS/rules/vmm/emulator_nice 20)" ERANGE
check_eq "self: rule emulator_nice unchanged" \
	"$(cat $KS/rules/vmm/emulator_nice)" 3
[ -e $KS/rules/vmm/slice_us ] && echo 2000 >$KS/rules/vmm/slice_us
R=/tmp/sched-self.ready
start_vmm $R -p self -v 2 -g io || nok "self: ksvmm ran"
# The directory is added by a work item: it can lag the first entries.
wait_for 10 has_vm_dirs $VMM_PID 1 || nok "self: VM dir listed"
D=$(vm_dirs $VMM_PID)
check_eq "self: rule matched" "$(cat $D/rule)" vmm
for id in 0 1; do
	check_eq "self: vCPU $id fifo 20 at its first guest entry" \
		"$(first_sched $R $id)" "fifo 20 0"
	check "self: vCPU $id thread now fifo 20" \
		rt_now sched_is "$(ready_tids $R $id)" "fifo 20 0"
done
check_eq "self: emulator settings from the rule" \
	"$(cat $D/emulator_sched_policy) $(cat $D/emulator_nice)" "batch 3"
check "self: main thread batch, nice 3" \
	wait_for 3 sched_is $VMM_PID "batch 0 3"
if [ -e $D/slice_us ]; then
	check_eq "self: slice_us from the rule" "$(cat $D/slice_us)" 2000
fi
check "self: ksvmm exited cleanly" stop_vmm $VMM_PID
echo vmm >$KS/rules/remove

# The main pattern (Firecracker-like): vCPUs exist 3 s before they run.
R=/tmp/sched-main.ready
check "main: vCPUs listed" start_vmm_early $R 2 -p main -v 2 -g io -d 3000
P=$VMM_PID
D=$(vm_dirs $P)
check_eq "main: sched_policy empty by default" \
	"$(cat $D/sched_policy)" ""
echo fifo >$D/sched_policy
echo 10 >$D/sched_priority
echo normal >$D/vcpus/1/sched_policy
echo 5 >$D/vcpus/1/nice
check "main: every vCPU ran" wait_for 60 test -f $R
T0=$(ready_tids $R 0)
T1=$(ready_tids $R 1)
check_eq "main: vCPU 0 fifo 10 at its first guest entry" \
	"$(first_sched $R 0)" "fifo 10 0"
check_eq "main: vCPU 1 override at its first guest entry" \
	"$(first_sched $R 1)" "normal 0 5"
check "main: vCPU 0 thread now fifo 10" rt_now sched_is $T0 "fifo 10 0"
check_eq "main: vCPU 1 thread now" "$(kssched get $T1)" "normal 0 5"
check "main: effective_sched_policy fifo" \
	rt_now file_is $D/vcpus/0/effective_sched_policy fifo
check "main: effective_sched_priority 10" \
	rt_now file_is $D/vcpus/0/effective_sched_priority 10
check_eq "main: effective_nice" "$(cat $D/vcpus/1/effective_nice)" 5
check_eq "main: main thread untouched" "$(kssched get $P)" \
	"normal 0 0"

# Emulator threads (ksvmm's main thread), separately from the vCPUs.
echo batch >$D/emulator_sched_policy
echo 7 >$D/emulator_nice
check_eq "emulator: main thread batch, nice 7" "$(kssched get $P)" "batch 0 7"
check "emulator: vCPU 0 keeps fifo 10" rt_now sched_is $T0 "fifo 10 0"
kssched set $P normal 0 0 >/dev/null
check "emulator: drift repaired by the periodic pass" \
	wait_for 5 sched_is $P "batch 0 7"
check "emulator: repair counted" [ "$(cat $D/emulator_repairs)" -gt 0 ]

# Drift on a vCPU: repaired before its next guest entry, and counted.
before=$(cat $D/vcpus/0/sched_repairs)
check_eq "drift: chrt-like change accepted by the kernel" \
	"$(kssched set $T0 rr 3 0)" OK
check "drift: vCPU 0 back to fifo 10" wait_for 5 sched_is $T0 "fifo 10 0"
check "drift: repair counted" \
	[ "$(cat $D/vcpus/0/sched_repairs)" -gt "$before" ]
# Again with the periodic pass off: a spinning fifo vCPU is not scheduled
# out either, so only the syscall's own probe can have it repaired.
echo 0 >/sys/module/kvmsched/parameters/reconcile_ms
before=$(cat $D/vcpus/0/sched_repairs)
check_eq "drift, pass off: chrt-like change accepted by the kernel" \
	"$(kssched set $T0 rr 3 0)" OK
check "drift, pass off: vCPU 0 back to fifo 10" \
	wait_for 2 sched_is $T0 "fifo 10 0"
check "drift, pass off: repair counted" \
	[ "$(cat $D/vcpus/0/sched_repairs)" -gt "$before" ]
echo 1000 >/sys/module/kvmsched/parameters/reconcile_ms

# Bad input: the exact errno, and nothing changes.
bad() {
	check_eq "bad input: $1 <- '$2'" "$(kswrite $D/$1 "$2")" "$3"
}
bad sched_policy deadline EINVAL
bad sched_policy FIFO EINVAL
bad sched_policy "fifo 10" EINVAL
bad sched_priority 0 ERANGE
bad sched_priority 100 ERANGE
bad sched_priority ten EINVAL
bad nice -21 ERANGE
bad nice 20 ERANGE
bad nice 1.5 EINVAL
bad vcpus/0/sched_priority 1000 ERANGE
bad vcpus/1/nice x EINVAL
bad emulator_sched_policy other EINVAL
bad emulator_nice 99 ERANGE
bad rt_guard_runtime_us 200000 ERANGE
bad rt_guard_runtime_us 999 ERANGE
bad rt_guard_runtime_us -2 ERANGE
bad rt_guard_runtime_us off EINVAL
bad rt_guard_period_us 9999 ERANGE
bad rt_guard_period_us 90000 ERANGE
bad rt_guard_period_us 10000001 ERANGE
if [ -e $D/slice_us ]; then
	bad slice_us 99 ERANGE
	bad slice_us 100001 ERANGE
	bad vcpus/1/slice_us 3ms EINVAL
fi
check_eq "bad input: sched_policy unchanged" "$(cat $D/sched_policy)" fifo
check_eq "bad input: sched_priority unchanged" "$(cat $D/sched_priority)" 10
check_eq "bad input: nice unchanged" "$(cat $D/nice)" ""
check_eq "bad input: guard runtime unchanged" \
	"$(cat $D/rt_guard_runtime_us)" 95000
check_eq "bad input: guard period unchanged" \
	"$(cat $D/rt_guard_period_us)" 100000
check "bad input: vCPU 0 thread unchanged" rt_now sched_is $T0 "fifo 10 0"

# A custom EEVDF slice (6.12+) on the normal vCPU.
if [ -e $D/slice_us ]; then
	echo 3000 >$D/vcpus/1/slice_us
	check_eq "slice: effective_slice_us" \
		"$(cat $D/vcpus/1/effective_slice_us)" 3000
	echo >$D/vcpus/1/slice_us
	check_eq "slice: default again" \
		"$(cat $D/vcpus/1/effective_slice_us)" 0
fi

# Unload: every thread gets back what it had, except one changed since
# (the emulator thread, with the periodic pass off so nothing repairs it).
echo 0 >/sys/module/kvmsched/parameters/reconcile_ms
kssched set $P idle 0 0 >/dev/null
check "unload: rmmod with the VM running" ks_unload
check_eq "unload: vCPU 0 restored" "$(kssched get $T0)" "normal 0 0"
check_eq "unload: vCPU 1 restored" "$(kssched get $T1)" "normal 0 0"
check_eq "unload: thread changed by someone else kept" \
	"$(kssched get $P | cut -d' ' -f1)" idle
check "unload: ksvmm exited cleanly" stop_vmm $P

# QEMU: its vCPU threads, from a rule matched before their first entry.
ks_load
echo qemu >$KS/rules/add
echo "comm qemu-system-x86" >$KS/rules/qemu/match
echo rr >$KS/rules/qemu/sched_policy
echo 5 >$KS/rules/qemu/sched_priority
start_qemu 2
if wait_for 60 qemu_tids_match "$QEMU_PID"; then
	D=$(vm_dirs "$QEMU_PID")
	check_eq "qemu: rule matched" "$(cat $D/rule)" qemu
	for t in $(cat $D/vcpus/*/tid); do
		check "qemu: vCPU thread $t rr 5" rt_now sched_is $t "rr 5 0"
	done
	check_eq "qemu: main thread untouched" "$(kssched get $QEMU_PID)" \
		"normal 0 0"
	check "qemu: rmmod with QEMU running" ks_unload
	for t in $(ls /proc/$QEMU_PID/task); do
		check_eq "qemu: thread $t restored" "$(kssched get $t)" \
			"normal 0 0"
	done
else
	nok "qemu: vCPU threads bound"
fi
kill "$QEMU_PID"
wait "$QEMU_PID"

# The RT guard: a spinning fifo vCPU on CPU 3, with a short budget.
ks_load
if [ "$(nproc)" -ge 4 ]; then
	R=/tmp/sched-guard.ready
	check "guard: vCPU listed" \
		start_vmm_early $R 1 -p main -v 1 -g spin -d 2000
	P=$VMM_PID
	D=$(vm_dirs $P)
	echo 3 >$D/cpus
	echo 20000 >$D/rt_guard_runtime_us
	echo fifo >$D/sched_policy
	check "guard: vCPU ran" wait_for 60 test -f $R
	check "guard: demotions counted" wait_for 5 demotions_over $D 2
	check "guard: restored to fifo between demotions" \
		wait_for 5 sched_is "$(ready_tids $R 0)" "fifo 1 0"
	echo -1 >$D/rt_guard_runtime_us
	n=$(cat $D/vcpus/0/rt_demotions)
	sleep 1
	check_eq "guard off: no more demotions" \
		"$(cat $D/vcpus/0/rt_demotions)" "$n"
	check_eq "guard off: not demoted" "$(cat $D/vcpus/0/rt_demoted)" 0
	check "guard: ksvmm exited cleanly" stop_vmm $P

	# A normal vCPU spinning alone on CPU 3 is never scheduled out, and
	# the pass is off: only the probe on the syscall that changed it can
	# have it put back.
	echo 0 >/sys/module/kvmsched/parameters/reconcile_ms
	R=/tmp/sched-alone.ready
	check "alone: vCPU listed" \
		start_vmm_early $R 1 -p main -v 1 -g spin -d 2000
	P=$VMM_PID
	D=$(vm_dirs $P)
	echo 3 >$D/cpus
	echo 5 >$D/nice
	check "alone: vCPU ran" wait_for 60 test -f $R
	T=$(ready_tids $R 0)
	check "alone: nice 5" wait_for 2 sched_is $T "normal 0 5"
	sleep 1
	before=$(cat $D/vcpus/0/sched_repairs)
	check_eq "alone: setattr to nice 0 accepted by the kernel" \
		"$(kssched set $T normal 0 0)" OK
	check "alone: back to nice 5, pass off" \
		wait_for 2 sched_is $T "normal 0 5"
	check "alone: repair counted" \
		[ "$(cat $D/vcpus/0/sched_repairs)" -gt "$before" ]
	check "alone: renice to 0 accepted by the kernel" renice 0 -p $T
	check "alone: back to nice 5 after renice, pass off" \
		wait_for 2 sched_is $T "normal 0 5"
	check "alone: ksvmm exited cleanly" stop_vmm $P
	echo 1000 >/sys/module/kvmsched/parameters/reconcile_ms
else
	skip "guard: needs 4 CPUs"
fi
ks_unload
