#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# diag/: the six causes of a VM's host CPU, each from a load that has it,
# with every file's value printed. The witness of cpu_pct is the VMM's
# threads' CPU time in /proc/<pid>/task/*/schedstat over the same window.
# A 2 s window (diag_window_ms) keeps each scenario short.
# Only on the newest kernel (the time budget: README, "Which kernels run
# what"): the scenarios check arithmetic with no kernel-dependent code,
# over the counters 89-stats checks on every kernel, and every other test
# runs the sampler on the debug kernel.
# timeout: 400
# kernels: newest
. "$KSDIR/tests/lib.sh"
ks_load

P=/sys/module/kvmsched/parameters/diag_window_ms
check_eq "diag_window_ms: 10000 by default" "$(cat $P)" 10000
for bad in 0 999 600001 -1 abc; do
	check_eq "diag_window_ms: $bad rejected" "$(kswrite $P $bad)" EINVAL
done
check_eq "diag_window_ms: unchanged" "$(cat $P)" 10000
echo 2000 >$P

# scenario NAME PID VMDIR CAUSE: a window of the load already running,
# then diag/ read once against schedstat over the same 2 s. CAUSE "!C":
# any cause but C. Sets CPU to cpu_pct.
scenario() {
	local c0 t0 w f v line="" cause cpu
	# A whole window of this load alone, then the witness's.
	sleep 2
	c0=$(proc_cpu_ns "$2")
	t0=$(uptime_ns)
	sleep 2
	w=$((($(proc_cpu_ns "$2") - c0) * 100 / ($(uptime_ns) - t0)))
	for f in cpu_pct guest_pct halt_poll_pct exit_pct emulator_pct \
		steal_pct window_ms top_cause; do
		v=$(cat "$3/diag/$f")
		line="$line $f=$v"
		case $f in
		cpu_pct) cpu=$v ;;
		top_cause) cause=$v ;;
		esac
	done
	echo "# diag: $1:$line | schedstat: $w%"
	case $4 in
	!*) check "diag: $1: top_cause $cause, not ${4#!}" [ "$cause" != "${4#!}" ] ;;
	*) check_eq "diag: $1: top_cause" "$cause" "$4" ;;
	esac
	CPU=$cpu
	check "diag: $1: cpu_pct $cpu within 15 of schedstat's $w" \
		[ "$cpu" -le $((w + 15)) -a "$cpu" -ge $((w - 15)) ]
}

# A spinning guest, alone on CPU 1.
start_vmm /tmp/dg1.ready -v 1 -g spin || nok "spin guest started"
A=$VMM_PID
vm=$(vm_dirs $A)
echo 1 >"$vm/cpus"
scenario "spinning guest" $A "$vm" guest

# Two busy VMs pinned to one CPU: each waits half the time.
start_vmm /tmp/dg2.ready -v 1 -g spin || nok "second spin guest started"
B=$VMM_PID
echo 1 >"$(vm_dirs $B)/cpus"
scenario "two busy VMs on CPU 1" $A "$vm" contention
check "spin guest exits 0" stop_vmm $A
check "second spin guest exits 0" stop_vmm $B

# A port-I/O loop: every OUT is an exit to the VMM.
start_vmm /tmp/dg3.ready -v 1 -g io || nok "io guest started"
vm=$(vm_dirs $VMM_PID)
echo 1 >"$vm/cpus"
scenario "port-I/O loop" $VMM_PID "$vm" exits
check "io guest exits 0" stop_vmm $VMM_PID

# A guest halted in KVM, woken every millisecond by its VMM's irqfd, with
# no exit per wake-up: with a 5 ms limit KVM polls through the gaps. The
# gap is long beside a wake-up's own cost even on the debug kernel, where
# at 300 us the injections and entries outweighed the polling.
vfio_start dg 3 -e -q -n 1 || nok "ksvfio -e -q started"
vm=$(vm_dirs $VFIO_PID)
echo 2 >"$vm/cpus"
echo 1 >"$vm/emulator_cpus"
echo 5000000 >"$vm/halt_poll_ns"
n=$(wc -l </tmp/dg.out)
echo "storm 6000 1000" >&3
scenario "halt-woken guest, halt_poll_ns 5 ms" $VFIO_PID "$vm" halt_poll
polling=$CPU
check "storm: still running through the window" [ "$(wc -l </tmp/dg.out)" -eq "$n" ]
wait_for 60 lines_past /tmp/dg.out "$n"
echo "# diag: $(tail -n 1 /tmp/dg.out)"
# The lever: no polling, the same wake-ups. What is left is their own
# cost (an injection and a guest entry each), no longer halt polling.
echo 0 >"$vm/halt_poll_ns"
n=$(wc -l </tmp/dg.out)
echo "storm 6000 1000" >&3
scenario "halt-woken guest, halt_poll_ns 0" $VFIO_PID "$vm" '!halt_poll'
check_eq "halt_poll_ns 0: halt_poll_pct" "$(cat "$vm/diag/halt_poll_pct")" 0
check "halt_poll_ns 0: cpu_pct $CPU below the $polling with polling" \
	[ "$CPU" -lt "$polling" ]
wait_for 60 lines_past /tmp/dg.out "$n"
echo "# diag: $(tail -n 1 /tmp/dg.out)"

# A busy VMM thread beside the halted guest, polling off.
n=$(wc -l </tmp/dg.out)
echo "spin 5000" >&3
scenario "busy emulator thread" $VFIO_PID "$vm" emulator
wait_for 30 lines_past /tmp/dg.out "$n"

# The halted guest alone, polling off.
scenario "halted guest, halt_poll_ns 0" $VFIO_PID "$vm" idle
check "ksvfio exits 0" vfio_stop dg 3 $VFIO_PID

# A real QEMU: SeaBIOS with no boot disk halts, woken by its timer.
start_qemu 1
wait_for 60 has_vm_dirs $QEMU_PID 1 || nok "QEMU's VM listed"
wait_for 60 qemu_tids_match $QEMU_PID || nok "QEMU's vCPU bound"
vm=$(vm_dirs $QEMU_PID)
check "QEMU: SeaBIOS halts (debugfs halt_exits)" wait_for 20 qemu_halting $QEMU_PID
scenario "QEMU, SeaBIOS halted" $QEMU_PID "$vm" idle
stop_pids $QEMU_PID

echo 10000 >$P
