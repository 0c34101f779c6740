#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The KUnit suites of the policy code (kvmsched_kunit.ko), on kernels with
# KUnit. Each case (each parameter of a parameterised case) is one TAP line.
. "$KSDIR/tests/lib.sh"

if [ ! -f "$KSDIR/kvmsched_kunit.ko" ]; then
	skip "KUnit: this kernel has no CONFIG_KUNIT"
	exit 0
fi
check "kvmsched_kunit.ko loads (runs the suites)" \
	insmod "$KSDIR/kvmsched_kunit.ko"

# KTAP from debugfs: the suite's line at indent 0, its cases at 4, the
# parameters of a case at 8, printed before the case's own line.
ktap_to_tap() {
	awk -v suite="$1" '
	/^ *(not )?ok [0-9]+ / {
		ind = match($0, /[^ ]/) - 1
		line = substr($0, ind + 1)
		res = line ~ /^not ok/ ? "not ok" : "ok"
		sub(/^(not )?ok [0-9]+ /, "", line)
		if (ind >= 8) {
			pres[++np] = res
			pname[np] = line
		} else if (ind >= 4) {
			if (np == 0)
				print res " - " suite ": " line
			for (i = 1; i <= np; i++)
				print pres[i] " - " suite ": " line ": " pname[i]
			np = 0
		}
	}' "$2"
}

n=0
for d in /sys/kernel/debug/kunit/kvmsched_*; do
	[ -f "$d/results" ] || continue
	ktap_to_tap "${d##*/}" "$d/results"
	n=$((n + 1))
done
check "KUnit suites found ($n)" [ "$n" -gt 0 ]
rmmod kvmsched_kunit
