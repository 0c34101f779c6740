#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# insmod/rmmod cycles while two VMs run: each load finds them, each unload
# leaves nothing behind, and the VMs never notice. 5 cycles on the newest
# kernel, 3 on the others (the time budget: README, "Which kernels run
# what"); kvmsched.reload_cycles=N on the kernel command line for another
# count. A cycle takes ~7 s on Debian's kernels and ~23 s on the debug
# kernel (ftrace patching, RCU-tasks waits, DEBUG_KOBJECT_RELEASE delaying
# releases up to 4 s).
# timeout: 1800
. "$KSDIR/tests/lib.sh"

ks_unload
start_vmm /tmp/r1.ready -p self -v 2 || nok "VM 1 ready"
vm1=$VMM_PID
start_vmm /tmp/r2.ready -p main -v 2 -g hlt || nok "VM 2 ready"
vm2=$VMM_PID

N=$(sed -n 's/.*kvmsched\.reload_cycles=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
case " $(cat /proc/cmdline) " in
*" kvmsched.kernel=newest "*) N=${N:-5} ;;
*) N=${N:-3} ;;
esac
bad=0
i=1
while [ $i -le "$N" ]; do
	if ! insmod "$KSDIR/kvmsched.ko"; then
		echo "# cycle $i: insmod failed"; bad=1; break
	fi
	if ! wait_for 10 has_vm_dirs "$vm1" 1 ||
	   ! wait_for 10 has_vm_dirs "$vm2" 1 ||
	   ! wait_for 10 tree_matches_ready /tmp/r1.ready "$vm1" ||
	   ! wait_for 10 tree_matches_ready /tmp/r2.ready "$vm2"; then
		echo "# cycle $i: VMs not found"; bad=1
	fi
	if ! rmmod kvmsched || [ -d "$KS" ]; then
		echo "# cycle $i: rmmod failed"; bad=1; break
	fi
	i=$((i + 1))
done
check "$N load/unload cycles, VMs found every time" test $bad = 0
check "VM 1 kept running" kill -0 "$vm1"
check "VM 2 kept running" kill -0 "$vm2"
check "VM 1 exited cleanly" stop_vmm "$vm1"
check "VM 2 exited cleanly" stop_vmm "$vm2"
