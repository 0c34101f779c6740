#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# examples/libvirt/qemu, called exactly as libvirt calls it (name,
# operation, sub-operation, "-", the domain XML on stdin) with the domain
# XMLs of examples/libvirt/domains/. For vm-pinned, the VMM then starts in
# the cgroup systemd would make for the domain, its vCPUs paused as
# libvirt starts QEMU (-S) until the "started" hook has run, and where its
# vCPUs entered the guest (kvm:kvm_entry) and its threads' own masks and
# classes are the witnesses.
# timeout: 200
# kernels: newest
. "$KSDIR/tests/lib.sh"

HOOK=$KSDIR/examples/libvirt/qemu
DOMS=$KSDIR/examples/libvirt/domains
CG=/sys/fs/cgroup

sched_is() { [ "$(kssched get "$1")" = "$2" ]; }

hook() {
	local rc=0
	"$HOOK" "$1" "$2" "$3" - <"$DOMS/$4" >/tmp/hook.out 2>&1 || rc=$?
	sed 's/^/#   /' /tmp/hook.out
	return $rc
}

ks_unload
check "not loaded: prepare exits 0" hook vm-pinned prepare begin pinned.xml
check "not loaded: says so" grep -q "not loaded" /tmp/hook.out
ks_load

# What prepare makes of each domain.
check "vm-pinned: prepare" hook vm-pinned prepare begin pinned.xml
R=$KS/rules/lv-3b9c2e1a6f0e4a359a520d3c5a1f
check_eq "vm-pinned: rule match, the domain's future scope" "$(cat $R/match)" \
	'cgroup_path /machine.slice/machine-qemu\x2d5\x2dvm\x2dpinned.scope'
check_eq "vm-pinned: cpus, every vcpupin" "$(cat $R/cpus)" 2-3
check_eq "vm-pinned: emulator_cpus, emulatorpin" "$(cat $R/emulator_cpus)" 1
check_eq "vm-pinned: vcpusched of every vCPU" \
	"$(cat $R/sched_policy) $(cat $R/sched_priority)" "fifo 10"
check "db.numa-1: prepare" hook db.numa-1 prepare begin numa.xml
R2=$KS/rules/lv-8e0f6c3d27a44b8eb1f65c9d2a0e
check_eq "db.numa-1: cpus, <vcpu cpuset='1-3,^2'>" "$(cat $R2/cpus)" 1,3
check_eq "db.numa-1: numatune strict node 0" \
	"$(cat $R2/numa_node) $(cat $R2/numa_mode)" "0 strict"
check_eq "db.numa-1: no VM-wide class (vcpusched of vCPU 1 only)" \
	"$(cat $R2/sched_policy)" ""
check "plain: prepare" hook plain prepare begin plain.xml
check "plain: nothing to enforce, no rule" [ ! -e "$KS/rules/lv-plain" ]
# Two sockets of three cores, five of six vCPUs plugged: one class for
# all (two <vcpusched>), no VM-wide cpus (three of six pinned), and the
# machine name libvirt makes of "web_front-2".
check "web_front-2: prepare" hook web_front-2 prepare begin topology.xml
R3=$KS/rules/lv-0000000011112222333344445555
check_eq "web_front-2: match" "$(cat $R3/match)" \
	'cgroup_path /machine.slice/machine-qemu\x2d11\x2dwebfront\x2d2.scope'
check_eq "web_front-2: one class from two vcpusched" \
	"$(cat $R3/sched_policy) $(cat $R3/sched_priority)" "fifo 5"
check_eq "web_front-2: no VM-wide cpus" "$(cat $R3/cpus)" ""
check "web_front-2: release" hook web_front-2 release end topology.xml

# vm-pinned starts: its scope, then the VMM in it, vCPUs paused for 5 s.
SCOPE="$CG/machine.slice/machine-qemu\\x2d5\\x2dvm\\x2dpinned.scope"
if ! mkdir -p "$SCOPE" 2>/dev/null; then
	skip "vm-pinned: no cgroup v2 at $CG"
else
	trace_entries_start
	sh -c "echo \$\$ >'$SCOPE/cgroup.procs' && exec ksvmm -r /tmp/lv.ready -p main -v 2 -g io -d 5000" \
		>/tmp/lv.out 2>&1 &
	P=$!
	wait_for 10 vcpus_listed $P 2 || nok "vm-pinned: vCPUs listed"
	D=$(vm_dirs $P)
	check_eq "vm-pinned: the VM got the rule" "$(cat "$D/rule")" lv-3b9c2e1a6f0e4a359a520d3c5a1f
	check_eq "vm-pinned: no vCPU ran before started" \
		"$(cat "$D/vcpus/0/tid")$(cat "$D/vcpus/1/tid")" ""
	check "vm-pinned: started" hook vm-pinned started begin pinned.xml
	check "vm-pinned: every vCPU ran" wait_for 30 test -f /tmp/lv.ready
	sleep 1
	trace_entries_stop >/tmp/lv.trace
	check_eq "vm-pinned: trace lost no events" "$(trace_overruns)" 0
	T0=$(ready_tids /tmp/lv.ready 0)
	T1=$(ready_tids /tmp/lv.ready 1)
	check_entries "vm-pinned: vCPU 0 only on CPU 2 (vcpupin), from its first entry" \
		/tmp/lv.trace "$T0" 2
	check_entries "vm-pinned: vCPU 1 only on CPU 3 (vcpupin), from its first entry" \
		/tmp/lv.trace "$T1" 3
	# A spinning FIFO vCPU spends a few ms of each RT guard period
	# demoted: its class is checked as seen within 2 s.
	check "vm-pinned: vCPU 0's thread fifo 10 (vcpusched)" \
		wait_for 2 sched_is "$T0" "fifo 10 0"
	check_eq "vm-pinned: the main thread on CPU 1 (emulatorpin)" "$(cpus_allowed $P)" 1
	check "vm-pinned: ksvmm exits 0" stop_vmm $P
	rmdir "$SCOPE" 2>/dev/null
fi

check "vm-pinned: release" hook vm-pinned release end pinned.xml
check "vm-pinned: rule removed" [ ! -e "$R" ]
check "db.numa-1: release" hook db.numa-1 release end numa.xml
check "no rule left" [ -z "$(ls -d "$KS"/rules/*/ 2>/dev/null)" ]
