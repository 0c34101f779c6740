#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The debug kernel's detectors are on, so that its clean runs mean
# something: lockdep, kmemleak and KFENCE, each seen from its own files.
# kernels: debug
. "$KSDIR/tests/lib.sh"

check "lockdep: on (/proc/lockdep_stats)" grep -q "lock-classes:" /proc/lockdep_stats
check "kmemleak: on (debugfs kmemleak)" test -w /sys/kernel/debug/kmemleak
check_eq "KFENCE: on (debugfs kfence/stats)" \
	"$(awk '$1 == "enabled:" { print $2 }' /sys/kernel/debug/kfence/stats 2>/dev/null)" 1
check_eq "KFENCE: a sample every 10 ms" \
	"$(cat /sys/module/kfence/parameters/sample_interval 2>/dev/null)" 10
echo "# KFENCE: $(tr '\n' ';' </sys/kernel/debug/kfence/stats 2>/dev/null)"
