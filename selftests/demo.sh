#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the emulated KVM host, as a story in seven steps,
# each judged by an independent witness: where vCPUs really entered the
# guest (kvm:kvm_entry), the threads' own masks and classes (/proc), a
# hog's CPU time (schedstat). Its output is all that reaches the terminal.
. "$KSDIR/tests/lib.sh"

step() { printf '\n== %s\n' "$*"; }

# entries WHO TIDS: "cpuN:count ..." of the kvm_entry events in
# /tmp/demo.trace of the threads TIDS, one line.
entries() {
	awk -v who="$1" -v tids="$2" '
	BEGIN { n = split(tids, t); for (i = 1; i <= n; i++) T[t[i]] = 1 }
	($1 in T) { c[$2]++ }
	END { line = ""
	      for (cpu = 0; cpu < 64; cpu++) if (cpu in c) line = line " cpu" cpu ":" c[cpu]
	      printf "   %-26s%s\n", who, line == "" ? " (no entries)" : line }' /tmp/demo.trace
}

# trace_for S: records S seconds of guest entries into /tmp/demo.trace.
trace_for() {
	trace_entries_start
	sleep "$1"
	trace_entries_stop >/tmp/demo.trace
}

show_entries() {
	entries "ksvmm vCPU 0 (tid $A0)" "$A0"
	entries "ksvmm vCPU 1 (tid $A1)" "$A1"
	entries "QEMU CPU 0/KVM (tid $Q0)" "$Q0"
	entries "QEMU CPU 1/KVM (tid $Q1)" "$Q1"
}

masks() {
	for t in $A0 $A1 $Q0 $Q1; do
		printf '   tid %-6s allowed %-6s %s\n' "$t" "$(cpus_allowed "$t")" \
			"$(kssched get "$t")"
	done
}

step "1. An emulated KVM host: Linux $(uname -r), $(nproc) CPUs"
insmod "$KSDIR/kvmsched.ko"
kvmschedctl status | sed 's/^/   /'

step "2. Two VMs start, with no policy: where their vCPUs enter the guest"
start_vmm /tmp/demo-a.ready -p self -v 2 -g io || echo "   ksvmm did not start"
A=$VMM_PID
start_qemu 2
wait_for 60 qemu_tids_match "$QEMU_PID" || echo "   QEMU's vCPUs not found"
A0=$(ready_tids /tmp/demo-a.ready 0)
A1=$(ready_tids /tmp/demo-a.ready 1)
QD=$(vm_dirs "$QEMU_PID")
Q0=$(cat "$QD/vcpus/0/tid")
Q1=$(cat "$QD/vcpus/1/tid")
kvmschedctl list | sed 's/^/   /'
masks >/tmp/demo.masks.before
echo "   Every thread may run anywhere:"
cat /tmp/demo.masks.before
trace_for 2
echo "   Guest entries per host CPU over 2 s (kvm:kvm_entry; QEMU's second"
echo "   vCPU waits for SeaBIOS to start it):"
show_entries

step "3. A policy, one command per VM: kvmschedctl set"
echo "   \$ kvmschedctl set $A cpus=2-3"
kvmschedctl set "$A" cpus=2-3
echo "   \$ kvmschedctl set $QEMU_PID cpus=1 vcpu.1.cpus=0"
kvmschedctl set "$QEMU_PID" cpus=1 vcpu.1.cpus=0
trace_for 2
echo "   Every entry since lands on the allowed CPUs:"
show_entries

step "4. A rogue taskset on ksvmm's vCPU 0: undone before its next entry"
before=$(cat "$(vm_dirs "$A")/vcpus/0/affinity_repairs")
echo "   \$ taskset -p 0x1 $A0"
trace_entries_start
taskset -p 0x1 "$A0" | sed 's/^/   /'
echo "   (taskset reads the mask back already repaired: c is CPUs 2-3)"
sleep 2
trace_entries_stop >/tmp/demo.trace
echo "   Entries in the 2 s after it (none on CPU 0):"
entries "ksvmm vCPU 0 (tid $A0)" "$A0"
echo "   Its mask now: $(cpus_allowed "$A0");" \
	"affinity_repairs $before -> $(cat "$(vm_dirs "$A")/vcpus/0/affinity_repairs")"

step "5. A FIFO vCPU that never sleeps, and the RT guard"
start_vmm /tmp/demo-s.ready -p self -v 1 -g spin || echo "   ksvmm spin did not start"
S=$VMM_PID
SD=$(vm_dirs "$S")
# A host thread that must keep running on CPU 3: a busy shell.
taskset 0x8 sh -c 'while :; do :; done' &
HOG=$!
echo "   \$ kvmschedctl set $S cpus=3 sched_policy=fifo sched_priority=10"
kvmschedctl set "$S" cpus=3 sched_policy=fifo sched_priority=10 2>&1 | sed 's/^/   /'
echo 50000 >"$SD/rt_guard_runtime_us"
sleep 1
h0=$(cut -d' ' -f1 /proc/$HOG/schedstat)
d0=$(cat "$SD/vcpus/0/rt_demotions")
sleep 3
h1=$(cut -d' ' -f1 /proc/$HOG/schedstat)
echo "   With rt_guard_runtime_us 50000 of every 100000, a busy host thread on"
echo "   CPU 3 got $(((h1 - h0) / 30000000)) % of it over 3 s (schedstat);" \
	"the vCPU was demoted $(($(cat "$SD/vcpus/0/rt_demotions") - d0)) times."
kill "$HOG"
stop_vmm "$S"

step "6. kvmschedctl top --batch --iterations 1"
kvmschedctl top --batch --interval 2 --iterations 1 | sed '/^$/d; s/^/   /'

step "7. rmmod kvmsched, the VMs running: the threads get back what they had"
echo "   With kvmsched:"
masks
rmmod kvmsched
echo "   After rmmod (as before step 3):"
masks >/tmp/demo.masks.after
cat /tmp/demo.masks.after
if [ "$(grep -v "tid $A0 " /tmp/demo.masks.before)" = \
     "$(grep -v "tid $A0 " /tmp/demo.masks.after)" ]; then
	echo "   The threads nobody else touched have what they had before: yes"
else
	echo "   The threads nobody else touched have what they had before: NO"
fi
echo "   tid $A0, the one taskset pinned to CPU 0 in step 4, has $(cpus_allowed "$A0"):"
echo "   since Linux 6.2 the kernel keeps a sched_setaffinity() request and"
echo "   applies it within any mask given later, the one given back included."
kill "$A" "$QEMU_PID"
wait
