#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The statistics (stats/) against independent witnesses: /proc/<tid>/
# schedstat, stat and status for the thread counters, KVM's debugfs sums
# (/sys/kernel/debug/kvm/<pid>-<fd>/) for KVM's, and kvm:kvm_exit events
# counted in tracefs for each vCPU's exits. Each VMM is stopped
# (SIGSTOP) before the comparison, so both sides read the same frozen
# counters and must agree exactly. A port-I/O guest (ksvmm, exits), and
# a real QEMU whose SeaBIOS halts with timer interrupts (halt polling).
# timeout: 300
. "$KSDIR/tests/lib.sh"
ks_load

# The state letter of every thread of PID (after the comm, which may
# hold spaces: "CPU 0/KVM").
all_stopped() {
	local s
	for s in /proc/"$1"/task/*/stat; do
		[ "$(sed 's/.*) //' "$s" | cut -d' ' -f1)" = T ] || return 1
	done
}

freeze() {
	kill -STOP "$1"
	wait_for 10 all_stopped "$1" || nok "PID $1 stopped"
	# A thread reads T just before its last switch away: let it land.
	usleep 200000
}

# The files of one thread: /proc/<tid>/stat would sum its whole process.
task() { echo /proc/"$PID"/task/"$1"; }
stat_field() { sed 's/.*) //' "$(task "$1")"/stat | cut -d' ' -f"$(($2 - 2))"; }
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "$(task "$1")"/status; }
stat_of() { cat "$1/stats/$2"; }
# pair DESC KVMSCHED WITNESS: check_eq, and both values for the record.
pair() {
	echo "# $1: $2 | $3"
	check_eq "$1" "$2" "$3"
}

# vcpu_vs_proc NAME DIR: the thread counters of vCPU DIR against /proc.
vcpu_vs_proc() {
	local name=$1 d=$2 tid run delay count
	tid=$(cat "$d/tid")
	read -r run delay count <"$(task "$tid")"/schedstat
	pair "$name: runtime_ns = schedstat" "$(stat_of "$d" runtime_ns)" "$run"
	pair "$name: run_delay_ns = schedstat" "$(stat_of "$d" run_delay_ns)" "$delay"
	pair "$name: run_count = schedstat" "$(stat_of "$d" run_count)" "$count"
	pair "$name: voluntary_switches = status" \
		"$(stat_of "$d" voluntary_switches)" \
		"$(status_field "$tid" voluntary_ctxt_switches)"
	pair "$name: involuntary_switches = status" \
		"$(stat_of "$d" involuntary_switches)" \
		"$(status_field "$tid" nonvoluntary_ctxt_switches)"
	# guest_time, field 43, is in USER_HZ (100) ticks.
	pair "$name: guest_ns = stat guest_time" \
		"$(($(stat_of "$d" guest_ns) / 10000000))" "$(stat_field "$tid" 43)"
	if [ -r "$(task "$tid")"/sched ]; then
		pair "$name: migrations = sched" "$(stat_of "$d" migrations)" \
			"$(awk '$1 == "se.nr_migrations" { print $3 }' "$(task "$tid")"/sched)"
	fi
	echo "# $name: runtime $run ns, guest $(stat_of "$d" guest_ns) ns," \
		"delay $delay ns, exits $(stat_of "$d" exits)," \
		"io $(stat_of "$d" io_exits), halts $(stat_of "$d" halt_exits)"
}

# vm_vs_debugfs NAME VMDIR PID: KVM's counters of the VM against debugfs.
vm_vs_debugfs() {
	local name=$1 vm=$2 k f
	k=$(ls -d /sys/kernel/debug/kvm/"$3"-* 2>/dev/null | head -n 1)
	[ -n "$k" ] || { nok "$name: KVM's debugfs directory"; return; }
	for f in exits io_exits mmio_exits irq_exits halt_exits \
		halt_poll_success_ns halt_poll_fail_ns halt_wait_ns; do
		pair "$name: $f = debugfs" "$(stat_of "$vm" $f)" "$(cat "$k/$f")"
	done
	pair "$name: halt_polls = debugfs halt_attempted_poll" \
		"$(stat_of "$vm" halt_polls)" "$(cat "$k/halt_attempted_poll")"
	pair "$name: halt_wakeups = debugfs halt_wakeup" \
		"$(stat_of "$vm" halt_wakeups)" "$(cat "$k/halt_wakeup")"
}

# vm_sums NAME VMDIR: each VM counter is the sum of its vCPUs'.
vm_sums() {
	local f v sum bad=0
	for f in runtime_ns guest_ns run_delay_ns run_count migrations \
		voluntary_switches involuntary_switches exits io_exits \
		mmio_exits irq_exits halt_exits halt_poll_success_ns \
		halt_poll_fail_ns halt_wait_ns halt_polls halt_wakeups; do
		sum=0
		for v in "$2"/vcpus/*/; do
			sum=$((sum + $(stat_of "$v" $f)))
		done
		[ "$(stat_of "$2" $f)" = "$sum" ] ||
			{ echo "# $f: VM $(stat_of "$2" $f), vCPUs $sum"; bad=1; }
	done
	check "$1: every VM counter is the sum of its vCPUs'" test $bad = 0
}

# The CPU time of the threads of PID that run no vCPU, from schedstat.
others_runtime() {
	local vm=$2 t sum=0 run
	for t in /proc/"$1"/task/*; do
		grep -qx "${t##*/}" /tmp/stats.tids && continue
		read -r run _ </proc/"$1"/task/"${t##*/}"/schedstat
		sum=$((sum + run))
	done
	echo $sum
}

# --- A port-I/O guest, two vCPUs run by threads the main thread made,
# every exit of its life recorded in tracefs: KVM fires kvm:kvm_exit in the
# vCPU's thread once per guest exit, as it counts it in its statistics.
trace_kvm_start kvm_exit
start_vmm /tmp/st.ready -p main -v 2 -g io || nok "ksvmm ready"
PID=$VMM_PID
vm=$(vm_dirs "$VMM_PID")
sleep 2
freeze "$VMM_PID"
trace_kvm_stop kvm_exit | cut -d' ' -f1 >/tmp/stats.exits
check_eq "io guest: kvm_exit events all kept (overruns)" "$(trace_overruns)" 0
cat "$vm"/vcpus/*/tid >/tmp/stats.tids
for v in "$vm"/vcpus/*; do
	vcpu_vs_proc "io guest vCPU ${v##*/}" "$v"
	pair "io guest vCPU ${v##*/}: exits = kvm:kvm_exit events" \
		"$(stat_of "$v" exits)" "$(grep -cx "$(cat "$v/tid")" /tmp/stats.exits)"
done
vm_vs_debugfs "io guest" "$vm" "$VMM_PID"
vm_sums "io guest" "$vm"
check "io guest: exits counted" test "$(stat_of "$vm" io_exits)" -gt 100
pair "io guest: nr_threads = /proc/<pid>/task" "$(stat_of "$vm" nr_threads)" \
	"$(ls /proc/"$VMM_PID"/task | wc -l)"
# ksvmm's threads all live: the emulator's time is the main thread's.
pair "io guest: emulator_runtime_ns = the other threads' schedstat" \
	"$(stat_of "$vm" emulator_runtime_ns)" "$(others_runtime "$VMM_PID")"
kill -CONT "$VMM_PID"
check "ksvmm exited cleanly" stop_vmm "$VMM_PID"

# --- A real QEMU, one vCPU, halting in the kernel (in-kernel irqchip).
start_qemu 1
wait_for 30 qemu_tids_match "$QEMU_PID" || nok "QEMU VM found"
PID=$QEMU_PID
vm=$(vm_dirs "$QEMU_PID")
# Under a loaded host SeaBIOS can take more than 3 s to reach its halts.
check "QEMU: SeaBIOS halts (debugfs halt_exits)" wait_for 30 qemu_halting "$QEMU_PID"
freeze "$QEMU_PID"
vcpu_vs_proc "QEMU vCPU 0" "$vm/vcpus/0"
vm_vs_debugfs "QEMU" "$vm" "$QEMU_PID"
# SeaBIOS halts between timer ticks 55 ms apart, longer than KVM's
# polling limit, so KVM blocks at once (no polling): a wait each time.
check "QEMU: the guest halted in KVM" test "$(stat_of "$vm" halt_exits)" -gt 0
check "QEMU: and waited there" test "$(stat_of "$vm" halt_wait_ns)" -gt 0
check "QEMU: and was woken" test "$(stat_of "$vm" halt_wakeups)" -gt 0
cat "$vm"/vcpus/*/tid >/tmp/stats.tids
others=$(others_runtime "$QEMU_PID")
emu=$(stat_of "$vm" emulator_runtime_ns)
# QEMU's short-lived threads that exited count too.
check "QEMU: emulator_runtime_ns ($emu) >= its live other threads' ($others)" \
	test "$emu" -ge "$others"
echo "# QEMU: halt_polls $(stat_of "$vm" halt_polls)," \
	"poll ok $(stat_of "$vm" halt_poll_success_ns) ns," \
	"poll failed $(stat_of "$vm" halt_poll_fail_ns) ns," \
	"wait $(stat_of "$vm" halt_wait_ns) ns, emulator $emu ns"

# A reset of KVM's counters (writing 0 to its debugfs file) is no step
# back: the next read sees KVM's counter below its last value and counts
# on from the reset. Read while the VM is still stopped: a counter that
# passes its old value before kvmsched reads it again hides its reset
# (sysfs-abi says so), and QEMU exits thousands of times a second.
k=$(ls -d /sys/kernel/debug/kvm/"$QEMU_PID"-* | head -n 1)
before=$(stat_of "$vm/vcpus/0" exits)
echo 0 >"$k/exits"
check_eq "debugfs reset: no step back" "$(stat_of "$vm/vcpus/0" exits)" "$before"
kill -CONT "$QEMU_PID"
sleep 2
freeze "$QEMU_PID"
after=$(stat_of "$vm/vcpus/0" exits)
since=$(cat "$k/exits")
check "debugfs reset: KVM counted again" test "$since" -gt 0
check_eq "debugfs reset: exits = before + since the reset" "$after" \
	"$((before + since))"
kill -CONT "$QEMU_PID"
stop_pids "$QEMU_PID"
check "vms/ empty at the end" wait_for 10 vms_empty
