#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Interrupt steering with real passthrough: two emulated edu devices bound
# to vfio-pci, each the device of a test VM (ksvfio) whose guest receives
# its MSI through an irqfd. The witness is the IRQ's per-CPU count in
# /proc/interrupts, read around each burst of interrupts the device raises.
# timeout: 600
. "$KSDIR/tests/lib.sh"

if [ "$(nproc)" -lt 4 ] || [ "$(edu_devices | wc -l)" -lt 2 ] ||
	[ ! -e /dev/vfio/vfio ]; then
	skip "irq steering: needs 4 CPUs, two edu devices and VFIO"
	exit 0
fi
BDF_A=$(edu_devices | sed -n 1p)
BDF_B=$(edu_devices | sed -n 2p)
check "edu devices bound to vfio-pci" vfio_bind "$BDF_A"
vfio_bind "$BDF_B" || nok "second edu bound to vfio-pci"

# raise NAME FD IRQ N CPULIST DESC: N interrupts, all counted on CPULIST.
raise() {
	local before after got
	before=$(irq_counts "$3")
	vfio_cmd "$1" "$2" raise "$4" >/tmp/raise.reply || echo "# $(cat /tmp/raise.reply)"
	after=$(irq_counts "$3")
	got=$(irq_delta "$before" "$after" "$5")
	echo "# IRQ $3: $before -> $after"
	check_eq "$6: $4 interrupts on CPUs $5 (/proc/interrupts)" "$got" "in $4 out 0"
	grep -q "received $4 " /tmp/raise.reply || nok "$6: the guest received $4 ($(cat /tmp/raise.reply))"
}

# settle NAME FD IRQ: one interrupt, to complete a move another writer
# started: the kernel moves an IRQ whose last move is still in flight (no
# interrupt since) at its next interrupt, which still lands where that
# writer sent it.
settle() {
	local before after
	before=$(irq_counts "$3")
	vfio_cmd "$1" "$2" raise 1 >/dev/null || nok "settling interrupt"
	after=$(irq_counts "$3")
	echo "# the interrupt that completes the move: $before -> $after"
}

# affinity_is IRQ CPULIST: irq_on, and on failure what it is instead.
affinity_is() {
	irq_on "$1" "$2" && return 0
	echo "# IRQ $1: smp_affinity_list $(cat "/proc/irq/$1/smp_affinity_list" 2>&1)," \
		"effective $(cat "/proc/irq/$1/effective_affinity_list" 2>&1), want $2" >/tmp/affinity.why
	return 1
}
# check_on DESC IRQ CPULIST: waits up to 10 s for the IRQ to be on CPULIST.
check_on() {
	if wait_for 10 affinity_is "$2" "$3"; then
		ok "$1"
	else
		nok "$1"
		cat /tmp/affinity.why
		grep . "$KS"/vms/*/irqs/"$2"/* | sed 's/^/# /'
	fi
}
irq_dir_is() { [ -d "$1/irqs/$2" ]; }

# --- VM A starts before kvmsched: found by the scan at load.
vfio_start a 4 -d "$BDF_A" -n 2 -t 1 || nok "VM A started"
PID_A=$VFIO_PID
IRQ_A=$(irq_of "$BDF_A")
ORIG_A=$(cat "/proc/irq/$IRQ_A/smp_affinity_list")
echo "# VM A: pid $PID_A, IRQ $IRQ_A, smp_affinity_list $ORIG_A"
ks_load
case " $(cat "$KS/capabilities") " in
*" irq "*) ok "capability irq" ;;
*) nok "capability irq ($(cat "$KS/capabilities"))" ;;
esac
wait_for 10 has_vm_dirs "$PID_A" 1
A=$(vm_dirs "$PID_A")
check "VM started before insmod: its IRQ found" wait_for 10 irq_dir_is "$A" "$IRQ_A"
check_eq "source names the handler" "$(cat "$A/irqs/$IRQ_A/source")" "vfio-msi[0]($BDF_A)"
check_eq "target_vcpu from the route" "$(cat "$A/irqs/$IRQ_A/target_vcpu")" 1
check "gsi is a number" test "$(cat "$A/irqs/$IRQ_A/gsi")" -ge 0
check_eq "no policy: steering off" "$(cat "$A/irqs/$IRQ_A/steering")" off
check_eq "no policy: affinity untouched" "$(cat "/proc/irq/$IRQ_A/smp_affinity_list")" "$ORIG_A"
# Every documented file of an IRQ directory, with its mode.
for f in $(awk '/^What:.*\/irqs\/<irq>\/[a-z_]+$/ { sub(/.*\//, "", $2); print $2 }' "$KSDIR"/abi/*); do
	mode=$(awk -v f="/irqs/<irq>/$f" '/^What:/ { w = $2 } /^Description:/ && substr(w, length(w) - length(f) + 1) == f { print substr($0, index($0, "Mode ") + 5, 4) }' "$KSDIR"/abi/*)
	check_eq "irqs/<irq>/$f: mode" "0$(stat -c %a "$A/irqs/$IRQ_A/$f")" "$mode"
done
check_eq "irqs/<irq>/ has only documented files" "$(ls "$A/irqs/$IRQ_A" | wc -l)" \
	"$(cat "$KSDIR"/abi/* | grep -c '^What:.*/irqs/<irq>/[a-z_][a-z_]*$')"

# --- VM B registers its irqfd before VFIO's vector: found the other way.
vfio_start b 5 -d "$BDF_B" -n 2 -t 0 -o irqfd || nok "VM B started"
PID_B=$VFIO_PID
IRQ_B=$(irq_of "$BDF_B")
wait_for 10 has_vm_dirs "$PID_B" 1
B=$(vm_dirs "$PID_B")
check "irqfd first, vector second: IRQ found" wait_for 10 irq_dir_is "$B" "$IRQ_B"
check_eq "VM B: target_vcpu" "$(cat "$B/irqs/$IRQ_B/target_vcpu")" 0
check "each VM lists only its own IRQ" test ! -e "$A/irqs/$IRQ_B" -a ! -e "$B/irqs/$IRQ_A"

# --- A cpulist.
raise a 4 "$IRQ_A" 10 "0-3" "default placement"
kswrite "$A/irq_cpus" 2 >/dev/null
check_on "irq_cpus 2: the IRQ's mask" "$IRQ_A" 2
check_eq "irq_cpus 2: effective_cpus" "$(cat "$A/irqs/$IRQ_A/effective_cpus")" 2
check_eq "irq_cpus 2: steering on" "$(cat "$A/irqs/$IRQ_A/steering")" on
raise a 4 "$IRQ_A" 20 2 "irq_cpus 2"
check_eq "VM B untouched" "$(cat "/proc/irq/$IRQ_B/smp_affinity_list")" "$ORIG_A"

# --- follow: the IRQ goes where the vCPU its route targets may run.
kswrite "$A/vcpus/0/cpus" 1 >/dev/null
kswrite "$A/vcpus/1/cpus" 3 >/dev/null
kswrite "$A/irq_cpus" follow >/dev/null
check_on "follow: on vCPU 1's CPU" "$IRQ_A" 3
raise a 4 "$IRQ_A" 20 3 "follow vCPU 1"
vfio_cmd a 4 route 0 >/dev/null || nok "route to vCPU 0"
check "guest re-routes to vCPU 0: target_vcpu follows" \
	wait_for 10 reads "$A/irqs/$IRQ_A/target_vcpu" 0
check_on "guest re-routes to vCPU 0: the IRQ follows" "$IRQ_A" 1
raise a 4 "$IRQ_A" 20 1 "follow vCPU 0"
kswrite "$A/vcpus/0/cpus" 0 >/dev/null
check_on "vCPU 0 moved: the IRQ follows" "$IRQ_A" 0

# --- emulator: on the housekeeping CPUs.
kswrite "$A/emulator_cpus" 2 >/dev/null
kswrite "$A/irq_cpus" emulator >/dev/null
check_on "emulator: on emulator_cpus" "$IRQ_A" 2
raise a 4 "$IRQ_A" 20 2 "emulator"

# --- Another writer is undone and counted; within the target is kept.
kswrite "$A/irq_cpus" 1-2 >/dev/null
r0=$(cat "$A/irqs/$IRQ_A/repairs")
echo >"$TRACEFS/trace"
echo 1 >"$TRACEFS/events/kvmsched/kvmsched_irq_move/enable"
echo 1 >"$TRACEFS/tracing_on"
echo 3 >"/proc/irq/$IRQ_A/smp_affinity_list"
check "rogue smp_affinity write undone" wait_for 5 reads "/proc/irq/$IRQ_A/smp_affinity_list" 1-2
check_eq "rogue write counted" "$(cat "$A/irqs/$IRQ_A/repairs")" $((r0 + 1))
echo 0 >"$TRACEFS/tracing_on"
echo 0 >"$TRACEFS/events/kvmsched/kvmsched_irq_move/enable"
check "tracepoint kvmsched_irq_move: IRQ $IRQ_A was 3, set 1-2" \
	grep -q " kvmsched_irq_move: aspect=irq id=$IRQ_A was=3 set=1-2$" "$TRACEFS/trace"
settle a 4 "$IRQ_A"
raise a 4 "$IRQ_A" 20 1-2 "after the rogue write"
echo 1 >"/proc/irq/$IRQ_A/smp_affinity_list"
usleep 500000
check_eq "a write within the target is kept" "$(cat "/proc/irq/$IRQ_A/smp_affinity_list")" 1
check_eq "and not counted" "$(cat "$A/irqs/$IRQ_A/repairs")" $((r0 + 1))

# --- A writer that never stops: bounded by the back-off.
kswrite "$A/irq_cpus" 2 >/dev/null
r0=$(cat "$A/irqs/$IRQ_A/repairs")
i=0
while [ $i -lt 40 ]; do
	echo 3 >"/proc/irq/$IRQ_A/smp_affinity_list"
	usleep 25000
	i=$((i + 1))
done
r1=$(cat "$A/irqs/$IRQ_A/repairs")
echo "# 40 rogue writes 25 ms apart: $((r1 - r0)) repairs"
# Writes between two passes make one repair; past 4 a second, the back-off
# allows one per doubling wait from 100 ms: at most 12 in the loop's first
# 20 s, however slow the emulator runs it.
check "rogue loop: repairs bounded" test $((r1 - r0)) -le 12 -a $((r1 - r0)) -ge 1
if wait_for 15 reads "/proc/irq/$IRQ_A/smp_affinity_list" 2; then
	ok "rogue loop stopped: the IRQ comes back"
else
	nok "rogue loop stopped: the IRQ comes back"
	grep . "/proc/irq/$IRQ_A/smp_affinity_list" "/proc/irq/$IRQ_A/effective_affinity_list" \
		"$A/irqs/$IRQ_A"/* | sed 's/^/# /'
fi
settle a 4 "$IRQ_A"
check_on "rogue loop stopped: the IRQ fires on its target" "$IRQ_A" 2

# --- CPU hotplug.
kswrite "$A/irq_cpus" 2-3 >/dev/null
echo 0 >/sys/devices/system/cpu/cpu2/online
check_on "a CPU of the target offline: on the others" "$IRQ_A" 3
raise a 4 "$IRQ_A" 10 3 "CPU 2 offline"
echo 0 >/sys/devices/system/cpu/cpu3/online
check "every CPU of the target offline: held" \
	wait_for 10 reads "$A/irqs/$IRQ_A/steering" held
echo 1 >/sys/devices/system/cpu/cpu3/online
check_on "a CPU of the target online: steered back" "$IRQ_A" 3
echo 1 >/sys/devices/system/cpu/cpu2/online
check_on "both online: the whole target" "$IRQ_A" 2-3
raise a 4 "$IRQ_A" 10 2-3 "after hotplug"

# --- Bad input: the documented errno, nothing changed.
cat >/tmp/irqbad.list <<'LIST'
EINVAL abc
EINVAL Follow
EINVAL FOLLOW
EINVAL follow1
EINVAL followx
EINVAL follow me
EINVAL emulators
EINVAL emulator,1
EINVAL 1,emulator
EINVAL -1
EINVAL 0-
EINVAL 3-1
EINVAL 0x1
EINVAL 1.5
EINVAL 1;2
EINVAL 1:2
EINVAL 1--2
EINVAL -
EINVAL ,
EINVAL ,,
EINVAL x-1
EINVAL 0 - 1
EINVAL 1-2-3
EINVAL on
EINVAL none
EINVAL *
EINVAL +1
EINVAL 0b11
EINVAL 2-1,0
ERANGE 4
ERANGE 0-4
ERANGE 64
ERANGE 4096
ERANGE 0-100000
ERANGE 99999999999
LIST
try_bad "$A/irq_cpus" 1-2 /tmp/irqbad.list "/proc/irq/$IRQ_A/smp_affinity_list"
echo 0 >/sys/devices/system/cpu/cpu3/online
check_eq "offline CPU: ENODEV" "$(kswrite "$A/irq_cpus" 3)" ENODEV
check_eq "offline CPU: nothing changed" "$(cat "$A/irq_cpus")" 1-2
echo 1 >/sys/devices/system/cpu/cpu3/online

# --- MSI churn: the guest disabling and enabling MSI frees and requests
# the vector each time; steered again each time, no WARN (panic_on_warn).
kswrite "$A/irq_cpus" 1 >/dev/null
i=0 churn=0
while [ $i -lt 20 ]; do
	vfio_cmd a 4 msi off >/dev/null && vfio_cmd a 4 msi on >/dev/null || churn=1
	i=$((i + 1))
done
check "20 MSI disable/enable cycles" test $churn = 0
IRQ_A=$(irq_of "$BDF_A")
check "after churn: the IRQ listed again" wait_for 10 irq_dir_is "$A" "$IRQ_A"
check_on "after churn: steered" "$IRQ_A" 1
check_eq "after churn: one IRQ directory" "$(ls "$A/irqs" | wc -l)" 1
raise a 4 "$IRQ_A" 20 1 "after MSI churn"
vfio_cmd a 4 irqfd off >/dev/null || nok "irqfd deassigned"
check "irqfd deassigned: the IRQ leaves the VM" wait_for 10 test ! -e "$A/irqs/$IRQ_A"
check_on "irqfd deassigned: affinity given back" "$IRQ_A" "$ORIG_A"
vfio_cmd a 4 irqfd on >/dev/null || nok "irqfd assigned again"
check_on "irqfd assigned again: steered" "$IRQ_A" 1

# --- Give back: an empty write, then unload with both VMs running.
echo >"$A/irq_cpus"
check_eq "empty irq_cpus: affinity given back" "$(cat "/proc/irq/$IRQ_A/smp_affinity_list")" "$ORIG_A"
kswrite "$A/irq_cpus" 3 >/dev/null
# The debug kernel's delayed kobject releases make each unload there take
# seconds: it runs 3 cycles, the Debian kernels 20.
n=20
[ ! -e /proc/lockdep ] || n=3
i=0 cycles=0
while [ $i -lt $n ]; do
	rmmod kvmsched || cycles=1
	affinity_is "$IRQ_A" "$ORIG_A" || { echo "# cycle $i: IRQ A $(cat "/proc/irq/$IRQ_A/smp_affinity_list")"; cycles=1; }
	insmod "$KSDIR/kvmsched.ko" || cycles=1
	wait_for 10 has_vm_dirs "$PID_A" 1 || cycles=1
	A=$(vm_dirs "$PID_A")
	wait_for 10 irq_dir_is "$A" "$IRQ_A" || cycles=1
	kswrite "$A/irq_cpus" 3 >/dev/null
	affinity_is "$IRQ_A" 3 || cycles=1
	i=$((i + 1))
done
check "$n unload/load cycles with the VFIO VMs running: given back, found again" test $cycles = 0
raise a 4 "$IRQ_A" 10 3 "after reload"
# A mask someone else set within the target since kvmsched's is theirs.
B=$(vm_dirs "$PID_B")
kswrite "$B/irq_cpus" 1-2 >/dev/null
echo 2 >"/proc/irq/$IRQ_B/smp_affinity_list"
rmmod kvmsched
check_eq "unload: VM A's IRQ given back" "$(cat "/proc/irq/$IRQ_A/smp_affinity_list")" "$ORIG_A"
check_eq "unload: VM B's IRQ, narrowed by an admin since, kept" \
	"$(cat "/proc/irq/$IRQ_B/smp_affinity_list")" 2
raise a 4 "$IRQ_A" 10 "$ORIG_A" "after unload"
check "VM A exited cleanly" vfio_stop a 4 "$PID_A"
check "VM B exited cleanly" vfio_stop b 5 "$PID_B"
