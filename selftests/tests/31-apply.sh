#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vms/<vm>/apply: several settings in one write, in force together. The
# witness is the vCPU thread itself (ksvmm -o): at each guest exit it logs
# its CPU and class whenever either changed. Two plain writes, class then
# CPUs, let the vCPU run FIFO on its old CPU in between; one apply of the
# same two never does. Then bad input: the errno of the first bad setting,
# and nothing changed, neither the files nor the thread.
# timeout: 200
. "$KSDIR/tests/lib.sh"
ks_load

OBS=/tmp/ap.obs
start_vmm /tmp/ap.ready -v 1 -g io -o $OBS || nok "ksvmm -o started"
D=$(vm_dirs $VMM_PID)
T=$(cat "$D/vcpus/0/tid")
# The guard would demote a spinning FIFO vCPU within its budget.
echo -1 >"$D/rt_guard_runtime_us"

# seen_past N CPU POLICY: the vCPU logged CPU and POLICY after line N.
seen_past() { tail -n +"$(($1 + 1))" $OBS | grep -q "cpu $2 policy $3\$"; }
# fifo_off_past N CPU: lines after line N with FIFO on a CPU but CPU.
fifo_off_past() {
	tail -n +"$(($1 + 1))" $OBS | awk -v c="$2" '$8 == "fifo" && $6 != c' | wc -l
}

echo 1 >"$D/cpus"
check "start: vCPU on CPU 1, normal" wait_for 10 seen_past 0 1 normal

# Two writes: for as long as the second waits, FIFO on the old CPU.
n=$(wc -l <$OBS)
echo 10 >"$D/sched_priority"
echo fifo >"$D/sched_policy"
sleep 1
echo 2 >"$D/cpus"
check "two writes: vCPU on CPU 2, fifo" wait_for 10 seen_past "$n" 2 fifo
k=$(fifo_off_past "$n" 2)
echo "# two writes: $k exits logged FIFO off CPU 2:" \
	"$(tail -n +"$((n + 1))" $OBS | grep -m 1 'policy fifo')"
check "two writes: FIFO seen on the old CPU 1" [ "$k" -gt 0 ]

# Back to normal on CPU 1, then one apply of the same change, the CPUs
# written last as above.
n=$(wc -l <$OBS)
check_eq "apply: back to normal on CPU 1" \
	"$(kswrite "$D/apply" "sched_policy=normal sched_priority= cpus=1")" OK
check "apply: vCPU back on CPU 1, normal" wait_for 10 seen_past "$n" 1 normal
n=$(wc -l <$OBS)
check_eq "apply: priority, class and CPUs in one write" \
	"$(kswrite "$D/apply" "sched_priority=10 sched_policy=fifo cpus=2")" OK
check_eq "apply: the thread is fifo 10 as the write returns" \
	"$(kssched get "$T")" "fifo 10 0"
check_eq "apply: and allowed CPU 2 only" "$(cpus_allowed "$T")" 2
check "apply: vCPU on CPU 2, fifo" wait_for 10 seen_past "$n" 2 fifo
sleep 1
check_eq "apply: no exit ever logged FIFO off CPU 2" "$(fifo_off_past "$n" 2)" 0
for f in cpus sched_policy sched_priority; do
	echo "# apply: $f = $(cat "$D/$f")"
done

# A vCPU's own settings beside the VM's.
check_eq "apply: vcpu.0 overrides" \
	"$(kswrite "$D/apply" "vcpu.0.cpus=3 vcpu.0.sched_policy=normal vcpu.0.nice=4")" OK
check_eq "apply: vcpus/0/cpus" "$(cat "$D/vcpus/0/cpus")" 3
check_eq "apply: vcpus/0/nice" "$(cat "$D/vcpus/0/nice")" 4
check_eq "apply: the thread is normal, nice 4" "$(kssched get "$T")" "normal 0 4"
check_eq "apply: on CPU 3 only" "$(cpus_allowed "$T")" 3
check_eq "apply: the VM's own cpus kept" "$(cat "$D/cpus")" 2

# Bad input: the errno, no file changed, the thread as it was.
FILES="cpus emulator_cpus sched_policy sched_priority nice emulator_sched_policy
emulator_sched_priority emulator_nice halt_poll_ns irq_cpus numa_node
numa_mode vcpus/0/cpus vcpus/0/sched_policy vcpus/0/sched_priority
vcpus/0/nice"
settings() {
	# shellcheck disable=SC2086 # FILES is a list of names on purpose
	(cd "$D" && grep -H '' $FILES 2>/dev/null)
	echo "thread=$(kssched get "$T") $(cpus_allowed "$T")"
}
before=$(settings)
bad=0 n=0
while read -r want input; do
	# (A write of nothing never reaches sysfs: a blank stands for it.)
	[ "$input" = '" "' ] && input=" "
	got=$(kswrite "$D/apply" "$input")
	n=$((n + 1))
	[ "$got" = "$want" ] ||
		{ echo "# apply: \"$input\": got $got, want $want"; bad=1; }
	[ "$(settings)" = "$before" ] ||
		{ echo "# apply: \"$input\" changed: $(settings | tr '\n' ' ')"; bad=1; }
done <<'LIST'
EINVAL " "
EINVAL cpus
EINVAL =1
EINVAL cpus=1 bogus=2
EINVAL CPUS=1
EINVAL cpus=1 cpus=2
EINVAL vcpu.0.emulator_cpus=1
EINVAL vcpu.00.cpus=1
EINVAL vcpu.0.nice=1 vcpu.0.nice=2
ENODEV vcpu.5.cpus=1
ENODEV cpus=1 vcpu.1.nice=0
EINVAL cpus=1 sched_policy=deadline
EINVAL sched_policy=FIFO cpus=1
ERANGE cpus=1 nice=20
ERANGE cpus=1 sched_priority=100
ERANGE cpus=1 emulator_cpus=4096
EINVAL cpus=0-1 halt_poll_ns=-1
ERANGE cpus=0 halt_poll_ns=4294967296
EINVAL irq_cpus=nowhere cpus=0
ERANGE numa_node=7 cpus=0
EINVAL numa_mode=loose cpus=0
ERANGE nice=0 vcpu.0.cpus=64
LIST
check "apply: $n bad writes rejected with their errno, nothing changed" [ $bad = 0 ]
# Over a page: sysfs would hand the store its first 4096 bytes as if they
# were all, so the whole write is refused.
long=$(awk 'BEGIN { for (i = 0; i < 600; i++) printf "vcpu.0.nice=%d ", i % 20 }')
check_eq "apply: ${#long} bytes in one write" "$(kswrite "$D/apply" "$long")" E2BIG
check_eq "apply: and nothing changed" "$(settings)" "$before"

check "ksvmm exits 0" stop_vmm $VMM_PID
check_eq "apply: the VM gone, its directory too" "$(vm_dirs $VMM_PID)" ""
