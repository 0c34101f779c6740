#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Rules declared before a VM exists apply from its first guest entry: a
# Firecracker-pattern VMM (the main thread creates every vCPU, runner threads
# start them at once) matched by pid, with a comm rule that must lose to it;
# QEMU (each vCPU thread creates its vCPU) matched by comm, its emulator
# threads confined; a VMM matched by its cgroup.
# timeout: 300
. "$KSDIR/tests/lib.sh"

if [ "$(nproc)" -lt 4 ]; then
	skip "rules: needs 4 CPUs"
	exit 0
fi
ks_load

# A launcher that waits, then execs the VMM: its pid is known beforehand.
launch() {
	rm -f /tmp/go "$1"
	(while [ ! -f /tmp/go ]; do usleep 10000; done
	 exec ksvmm -r "$1" -p main -v 2 -g io) >"$1.out" 2>&1 &
	L=$!
}

R=/tmp/rules.ready
launch $R
check "add rule byname" kswrite $KS/rules/add byname
kswrite $KS/rules/byname/match "comm ksvmm" >/dev/null
kswrite $KS/rules/byname/cpus 0 >/dev/null
check "add rule bypid" kswrite $KS/rules/add bypid
check "bypid: match written" kswrite $KS/rules/bypid/match "pid $L"
kswrite $KS/rules/bypid/cpus 1 >/dev/null
check_eq "bypid: match reads back" "$(cat $KS/rules/bypid/match)" "pid $L"
trace_entries_start
touch /tmp/go
check "pid rule: every vCPU ran" wait_for 60 test -f $R
sleep 1
trace_entries_stop >/tmp/rules.trace
check_eq "pid rule: trace lost no events" "$(trace_overruns)" 0
check_entries "pid rule: on CPU 1 from the first entry" /tmp/rules.trace \
	"$(ready_tids $R)" 1
D=$(vm_dirs $L)
check_eq "pid rule: beats the comm rule" "$(cat $D/rule)" bypid
check_eq "pid rule: VM cpus" "$(cat $D/cpus)" 1
check_eq "pid rule: matched_vms" "$(cat $KS/rules/bypid/matched_vms)" 1
check_eq "comm rule: matched_vms" "$(cat $KS/rules/byname/matched_vms)" 0
check "pid rule: VMM exits cleanly" stop_vmm $L
kswrite $KS/rules/remove bypid >/dev/null
kswrite $KS/rules/remove byname >/dev/null
check "rules removed" [ -z "$(ls $KS/rules | grep -v -e '^add$' -e '^remove$')" ]

# QEMU: matched by comm; vCPU threads on 2-3, every other thread on 0.
kswrite $KS/rules/add qemu >/dev/null
kswrite $KS/rules/qemu/match "comm qemu-system-x86" >/dev/null
kswrite $KS/rules/qemu/cpus 2-3 >/dev/null
kswrite $KS/rules/qemu/emulator_cpus 0 >/dev/null
trace_entries_start
start_qemu 2
check "QEMU: vCPU threads bound" wait_for 60 qemu_tids_match "$QEMU_PID"
sleep 2
trace_entries_stop >/tmp/rules.trace
check_entries "QEMU: vCPUs on 2-3 from the first entry" /tmp/rules.trace \
	"$(qemu_vcpu_tids "$QEMU_PID")" "2 3"
check "QEMU: emulator threads on CPU 0" \
	wait_for 5 qemu_emulator_mask_is "$QEMU_PID" 0
check_eq "QEMU: rule" "$(cat "$(vm_dirs "$QEMU_PID")"/rule)" qemu
kill "$QEMU_PID"
wait "$QEMU_PID"
kswrite $KS/rules/remove qemu >/dev/null

# cgroup: the deepest matching cgroup wins over its parent's rule.
CG=/sys/fs/cgroup
mkdir -p $CG/ksr/vm
kswrite $KS/rules/add parent >/dev/null
kswrite $KS/rules/parent/match "cgroup /ksr" >/dev/null
kswrite $KS/rules/parent/cpus 0 >/dev/null
kswrite $KS/rules/add child >/dev/null
check "cgroup rule: match written" kswrite $KS/rules/child/match "cgroup /ksr/vm"
kswrite $KS/rules/child/cpus 3 >/dev/null
rm -f $R
sh -c "echo \$\$ >$CG/ksr/vm/cgroup.procs && exec ksvmm -r $R -p self -v 1 -g io" \
	>$R.out 2>&1 &
L=$!
check "cgroup rule: vCPU ran" wait_for 60 test -f $R
check_eq "cgroup rule: deepest wins" "$(cat "$(vm_dirs $L)"/rule)" child
check_eq "cgroup rule: vCPU thread on CPU 3" \
	"$(cpus_allowed "$(ready_tids $R)")" 3
check "cgroup rule: VMM exits cleanly" stop_vmm $L
kswrite $KS/rules/remove child >/dev/null
kswrite $KS/rules/remove parent >/dev/null
rmdir $CG/ksr/vm $CG/ksr
