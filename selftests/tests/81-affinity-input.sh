#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad input to every policy file fails with the documented errno and
# changes nothing: 50 cpulists per cpulist file, then rule names and match
# lines.
# Not on the debug kernel (the time budget: README): KUnit tests its
# parsers there, and every other test writes the same files through the
# same locks.
# timeout: 300
# kernels: newest deb61
. "$KSDIR/tests/lib.sh"

if [ "$(nproc)" -lt 4 ]; then
	skip "affinity input: needs 4 CPUs"
	exit 0
fi
ks_load
start_vmm /tmp/in.ready -p main -v 1 -g hlt || nok "ksvmm started"
D=$(vm_dirs "$VMM_PID")
kswrite $KS/rules/add r >/dev/null

# "<errno> <input>" per line; the input is the rest of the line.
cat >/tmp/bad.list <<'LIST'
EINVAL abc
EINVAL x1
EINVAL 1x
EINVAL 0-
EINVAL -1
EINVAL 3-1
EINVAL 0x1
EINVAL 1.5
EINVAL 1;2
EINVAL 1:2
EINVAL 0-3:
EINVAL 0-3:2
EINVAL 0-3:2/
EINVAL 0-3:2/x
EINVAL 0-3:3/2
EINVAL 1--2
EINVAL -
EINVAL --
EINVAL x-1
EINVAL 0 - 1
EINVAL 1-2-3
EINVAL +1
EINVAL 1-2:
EINVAL none
EINVAL 0b11
EINVAL 0,a
EINVAL 2-1,0
EINVAL #
EINVAL 1/2
EINVAL ffff
ERANGE 4
ERANGE 5
ERANGE 64
ERANGE 4096
ERANGE 8191
ERANGE 8192
ERANGE 65535
ERANGE 0-4
ERANGE 0-99999
ERANGE 3,4
ERANGE 1,100
ERANGE 4-7
ERANGE 4294967296
ERANGE 18446744073709551616
ERANGE 99999999999999999999999
ENODEV 3
ENODEV 0-3
ENODEV 2,3
ENODEV 3-3
ENODEV 1,3
LIST
check_eq "50 bad cpulists listed" "$(wc -l </tmp/bad.list)" 50

# CPU 3 is offline for the ENODEV lines only.
bad_before() {
	if [ "$1" = ENODEV ] && [ "$(cat $C3)" = 1 ]; then
		echo 0 >$C3
	fi
}
bad_after() { echo 1 >$C3; }

C3=/sys/devices/system/cpu/cpu3/online
for f in $D/cpus $D/emulator_cpus $D/vcpus/0/cpus $KS/rules/r/cpus \
	 $KS/rules/r/emulator_cpus; do
	try_bad "$f" 1-2 /tmp/bad.list $D/vcpus/0/effective_cpus
	check_eq "$f: an empty line is accepted" "$(kswrite "$f" "")" OK
done
unset -f bad_before bad_after
check "a rejection is logged" \
	sh -c "dmesg | grep -q 'rejected \"abc\": not a cpulist'"

cat >/tmp/badmatch.list <<'LIST'
EINVAL pid
EINVAL pid x
EINVAL pid 1x
EINVAL pid 0x10
EINVAL uid 0
EINVAL PID 1
EINVAL comm
EINVAL cgroup relative/path
EINVAL cgroup
EINVAL name foo
ERANGE pid 0
ERANGE pid -1
ERANGE pid 4194305
ERANGE pid 99999999999
ERANGE comm 0123456789abcdef
ENODEV pid 4194304
ENODEV cgroup /no/such/cgroup
LIST
kswrite $KS/rules/r/match "pid $VMM_PID" >/dev/null
bad=0
while read -r want input; do
	got=$(kswrite $KS/rules/r/match "$input")
	[ "$got" = "$want" ] || { echo "# match \"$input\": got $got, want $want"; bad=1; }
	[ "$(cat $KS/rules/r/match)" = "pid $VMM_PID" ] || bad=1
done </tmp/badmatch.list
check "rules/r/match: 17 bad lines rejected, nothing changed" [ $bad = 0 ]

check_eq "rules/add: bad name" "$(kswrite $KS/rules/add .x)" EINVAL
check_eq "rules/add: name too long" \
	"$(kswrite $KS/rules/add 01234567890123456789012345678901)" EINVAL
check_eq "rules/add: existing rule" "$(kswrite $KS/rules/add r)" EEXIST
check_eq "rules/remove: no such rule" "$(kswrite $KS/rules/remove nope)" ENOENT
check_eq "rules/remove: existing rule" "$(kswrite $KS/rules/remove r)" OK
check "ksvmm exited cleanly" stop_vmm "$VMM_PID"
