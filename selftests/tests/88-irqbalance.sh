#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Debian's irqbalance against kvmsched's steering: one balancing round
# (--oneshot) with no ban, then one with --banmod=vfio, then one with
# examples/irqbalance/kvmsched-policy as its --policyscript, which bans
# exactly the IRQs kvmsched steers. kvmsched must hold the VM's IRQ on its
# target every time; with a ban irqbalance must not touch it. What
# irqbalance chose is reported from its own debug output.
# timeout: 300
# kernels: deb612 newest
. "$KSDIR/tests/lib.sh"

BDF=$(edu_devices | sed -n 1p)
if [ "$(nproc)" -lt 4 ] || [ -z "$BDF" ] || [ ! -e /dev/vfio/vfio ] ||
	! command -v irqbalance >/dev/null; then
	skip "irqbalance: needs 4 CPUs, an edu device, VFIO and irqbalance"
	exit 0
fi
vfio_bind "$BDF" || nok "edu bound to vfio-pci"
ks_load
vfio_start ib 4 -d "$BDF" -n 2 -t 1 || nok "VM started"
PID=$VFIO_PID
IRQ=$(irq_of "$BDF")
wait_for 10 has_vm_dirs "$PID" 1
D=$(vm_dirs "$PID")
wait_for 10 test -d "$D/irqs/$IRQ" || nok "IRQ listed"
kswrite "$D/irq_cpus" 2 >/dev/null
mkdir -p /run/irqbalance

# balance NAME ARGS...: one irqbalance round; sets REPAIRS to kvmsched's
# repairs of the IRQ during it and prints what irqbalance said of it.
balance() {
	local name=$1 r0
	shift
	r0=$(cat "$D/irqs/$IRQ/repairs")
	irqbalance --oneshot --foreground --debug "$@" >"/tmp/ib-$name.log" 2>&1 ||
		echo "# irqbalance $name: exit status $?"
	usleep 500000
	REPAIRS=$(($(cat "$D/irqs/$IRQ/repairs") - r0))
	echo "# irqbalance $name: kvmsched repairs $REPAIRS," \
		"mask now $(cat "/proc/irq/$IRQ/smp_affinity_list")"
	grep -iE "(irq|interrupt) $IRQ( |:|$)|banned" "/tmp/ib-$name.log" |
		head -n 5 | sed "s/^/# irqbalance $name: /"
}

balance plain
# It moves an IRQ whose mask is not its own choice: without a ban the ban
# below would prove nothing.
check "irqbalance without a ban: moved the VM's IRQ, kvmsched undid it" test "$REPAIRS" -ge 1
check "irqbalance without a ban: the IRQ kept on its target" \
	wait_for 10 reads "/proc/irq/$IRQ/smp_affinity_list" 2
PLAIN=$REPAIRS
balance banned --banmod=vfio
check_eq "irqbalance --banmod=vfio: the VM's IRQ untouched" "$REPAIRS" 0
check_eq "irqbalance --banmod=vfio: on its target" "$(cat "/proc/irq/$IRQ/smp_affinity_list")" 2
BANMOD=$REPAIRS

# The policy script: a ban for the steered IRQ, nothing for the others.
SCRIPT=$KSDIR/examples/irqbalance/kvmsched-policy
check_eq "policy script: bans IRQ $IRQ (steering $(cat "$D/irqs/$IRQ/steering"))" \
	"$("$SCRIPT" "/sys/bus/pci/devices/$BDF" "$IRQ")" ban=true
other=$(awk -v i="$IRQ:" '$1 ~ /^[0-9]+:$/ && $1 != i { sub(":", "", $1); print $1; exit }' /proc/interrupts)
check_eq "policy script: no word for IRQ $other, not kvmsched's" \
	"$("$SCRIPT" /sys/devices/system/cpu "$other")" ""
balance script "--policyscript=$SCRIPT"
check_eq "irqbalance --policyscript: the VM's IRQ untouched" "$REPAIRS" 0
check_eq "irqbalance --policyscript: on its target" "$(cat "/proc/irq/$IRQ/smp_affinity_list")" 2
echo "# irqbalance: repairs in a round without a ban $PLAIN, with --banmod=vfio $BANMOD, with the policy script $REPAIRS"
check "VM exited cleanly" vfio_stop ib 4 "$PID"
