#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The interrupt-steering benchmark, in one boot of the emulated KVM host (4
# CPUs, an edu device passed through with VFIO; see 87-irq.sh).
#
# One VM (ksvfio), 2 vCPUs pinned by kvmsched, vCPU 0 on CPU 1, vCPU 1 on
# CPU 3; the device's MSI is routed to vCPU 1. For each placement of the
# host IRQ, N interrupts, each raised by a device write and waited for in
# the guest:
#   default   irq_cpus empty: where the kernel put the IRQ;
#   follow    irq_cpus follow: on vCPU 1's CPU;
#   other     irq_cpus 1: on the other vCPU's CPU;
#   house     irq_cpus 0: on a housekeeping CPU.
# Reported: the share of interrupts that fired on the target vCPU's CPU,
# counted per CPU in /proc/interrupts, and the time from the device write
# to the guest handler's exit (p50, p99), as the VMM sees it.
#
# Asserted: with follow, every interrupt on vCPU 1's CPU (a count). The
# times are reported only: under TCG one host thread emulates every CPU,
# so a cross-CPU wakeup costs what the emulator's round-robin costs, not
# what an IPI costs on hardware; they show that steering does not slow
# delivery, not how much it speeds it up on real hosts.
. "$KSDIR/tests/lib.sh"

B="bench irq"
N=${KS_BENCH_IRQS:-200}
BDF=$(edu_devices | sed -n 1p)
if [ "$(nproc)" -lt 4 ] || [ -z "$BDF" ] || [ ! -e /dev/vfio/vfio ]; then
	skip "$B: needs 4 CPUs, an edu device and VFIO"
	exit 0
fi
vfio_bind "$BDF" || nok "$B: edu bound to vfio-pci"
ks_load
vfio_start bench 6 -d "$BDF" -n 2 -t 1 || nok "$B: VM started"
PID=$VFIO_PID
IRQ=$(irq_of "$BDF")
wait_for 10 has_vm_dirs "$PID" 1
D=$(vm_dirs "$PID")
kswrite "$D/vcpus/0/cpus" 1 >/dev/null
kswrite "$D/vcpus/1/cpus" 3 >/dev/null
wait_for 10 test -d "$D/irqs/$IRQ" || nok "$B: IRQ listed"

echo "# $B: $N interrupts per row, MSI routed to vCPU 1 (on CPU 3)"
echo "# $B: placement  irq_cpus  fired on  on vCPU 1's CPU  p50 us  p99 us"
row() {
	local name=$1 setting=$2 before after reply share p50 p99
	echo "$setting" >"$D/irq_cpus"
	# One interrupt first: it completes a move still in flight.
	vfio_cmd bench 6 raise 1 >/dev/null
	before=$(irq_counts "$IRQ")
	reply=$(vfio_cmd bench 6 raise "$N") || nok "$B: $name: $reply"
	after=$(irq_counts "$IRQ")
	share=$(irq_delta "$before" "$after" 3 | awk -v n="$N" '{ printf "%.1f", 100 * $2 / n }')
	p50=$(echo "$reply" | sed -n 's/.*p50_us=\([0-9.]*\).*/\1/p')
	p99=$(echo "$reply" | sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p')
	printf '# %s: %-9s  %-8s  %-8s  %14s %%  %6s  %6s\n' "$B" "$name" "${setting:-(empty)}" \
		"$(cat "/proc/irq/$IRQ/effective_affinity_list")" "$share" "$p50" "$p99"
	eval "${name}_share=$share"
}
row default ""
row follow follow
row other 1
row house 0
# shellcheck disable=SC2154 # set by row's eval
check_eq "$B: follow, every interrupt on the target vCPU's CPU" "$follow_share" 100.0
check "$B: VM exited cleanly" vfio_stop bench 6 "$PID"
