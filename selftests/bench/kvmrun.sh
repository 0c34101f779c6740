#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What kvmsched adds to a KVM_RUN round trip, in instructions. The emulated
# host runs under QEMU -icount shift=0 with one CPU (run-vm.sh --icount):
# its clock advances one nanosecond per instruction executed, so a time is
# an instruction count, exact and the same whatever else the machine runs.
#
# One VM, ksvmm with one vCPU running the io guest, every iteration a port
# write that exits to userspace: the worst case, a round trip through
# KVM_RUN each time. ksvmm times N round trips between its first and its
# last exit. Three columns, in turn, ROUNDS times, in one boot:
#   none    kvmsched not loaded;
#   loaded  loaded, no policy;
#   policy  a rule giving the VM cpus 0 and nice 0 (what the thread already
#           has: the cost of checking, not of repairing);
#   sampler loaded, diag_window_ms 1000: the diagnosis sampler reads every
#           VM's statistics each 100 ms, ten times its default rate (the
#           cost of stats/ and diag/ to a guest; KVM_RUN itself has no
#           statistics hook).
# Reported: the median instructions per round trip of each column, and
# the ratios loaded / none, policy / none and sampler / loaded. Asserted: only that every run
# completed its round trips.
. "$KSDIR/tests/lib.sh"

B="bench kvmrun"
N=50001
ROUNDS=3
RULE=bench

# trips COLUMN: one run; prints its instructions per round trip.
trips() {
	local out=/tmp/kvmrun.$1 ns
	ksvmm -v 1 -g io -n $N >"$out" 2>&1 ||
		nok "$B: $1: ksvmm failed: $(tail -n 1 "$out")"
	ns=$(awk '/round_trips_ns/ { print $NF }' "$out")
	check "$B: $1: $((N - 1)) round trips timed" [ -n "$ns" ]
	awk -v ns="${ns:-0}" -v n=$((N - 1)) 'BEGIN { printf "%.0f\n", ns / n }' \
		>>/tmp/kvmrun.$1.all
}

column() {
	case $1 in
	none)
		ks_unload
		;;
	loaded)
		ks_load
		;;
	sampler)
		ks_load
		echo 1000 >/sys/module/kvmsched/parameters/diag_window_ms
		;;
	policy)
		ks_load
		if [ ! -d "$KS/rules/$RULE" ]; then
			echo "$RULE" >"$KS/rules/add" &&
				echo "comm ksvmm" >"$KS/rules/$RULE/match" &&
				echo 0 >"$KS/rules/$RULE/cpus" &&
				echo 0 >"$KS/rules/$RULE/nice" ||
				nok "$B: rule $RULE declared"
		fi
		;;
	esac
	trips "$1"
	[ "$1" != sampler ] || echo 10000 >/sys/module/kvmsched/parameters/diag_window_ms
	if [ "$1" = policy ]; then
		check "$B: policy: the rule matched the VM" \
			[ "$(cat "$KS/rules/$RULE/matched_vms")" -ge 1 ]
		echo "$RULE" >"$KS/rules/remove"
	fi
}

median() { sort -n "/tmp/kvmrun.$1.all" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

if [ "$(nproc)" -ne 1 ] || ! grep -q 'kvmsched\.icount' /proc/cmdline; then
	skip "$B: needs the one-CPU -icount host (run-vm.sh --icount)"
	exit 0
fi
rm -f /tmp/kvmrun.*.all
r=0
while [ $r -lt $ROUNDS ]; do
	for c in none loaded policy sampler; do
		column $c
	done
	r=$((r + 1))
done
ks_unload
none=$(median none) loaded=$(median loaded) policy=$(median policy)
sampler=$(median sampler)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "# $B: instructions per KVM_RUN round trip (PIO exit to userspace), median of $ROUNDS runs of $((N - 1))"
echo "# $B: none | loaded | policy | sampler | loaded / none | policy / none | sampler / loaded"
echo "# $B: $none | $loaded | $policy | $sampler | $(ratio "$loaded" "$none") | $(ratio "$policy" "$none") | $(ratio "$sampler" "$loaded")"
for c in none loaded policy sampler; do
	echo "# $B: $c runs: $(tr '\n' ' ' </tmp/kvmrun.$c.all)"
done
