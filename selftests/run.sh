#!/bin/bash
# The "make check" entry: installs what the tiers need, runs the test tiers
# in streams side by side, keeps the whole output in build/check.log, and
# ends with one line "N passed, N failed, N skipped" summed over the tiers.
# Exits non-zero if anything failed.
#
# A stream runs its tiers one after the other (a failing tier does not stop
# the next); streams run at once. Each guest runs under single-threaded TCG,
# one host core each, so two streams fill the two cores CI has. A tier's
# output goes to build/tier-<name>.log while it runs and is printed whole
# once every stream is done, in the order of tiers(), so outputs never mix;
# one line per tier says when it starts and ends.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
LOG=$REPO/build/check.log

# Every tier: "<name> <command...>". A tier's command prints TAP lines
# ("ok ..." / "not ok ...", "# SKIP" marks a skip) and exits non-zero on
# failure. KUnit runs inside the debug tier (the only kernel with KUnit).
tier_cmd() {
	case $1 in
	lint) echo bash "$HERE/lint.sh" ;;
	dkms) echo bash "$HERE/dkms.sh" ;;
	deb61 | debug | newest) echo bash "$HERE/run-vm.sh" --kernel "$1" ;;
	# Debian's 6.12 runs what the debug kernel (a 6.12 of its own config)
	# cannot show: kvm.ko as a module, Debian's irqbalance and QEMU, the
	# ABI and the statistics under Debian's config (README).
	deb612) echo env KS_TESTS=10,20,28,30,40,70,88,89 bash "$HERE/run-vm.sh" --kernel deb612 ;;
	icount61 | icount612) echo bash "$HERE/run-vm.sh" --kernel "deb${1#icount}" --icount ;;
	# The NUMA tests; the NUMA benchmark (93) runs by hand, with --numa.
	numa61) echo env KS_TESTS=86 bash "$HERE/run-vm.sh" --kernel deb61 --numa ;;
	numa612) echo bash "$HERE/run-vm.sh" --kernel deb612 --numa ;;
	newest-icount | newest-numa) echo bash "$HERE/run-vm.sh" --kernel newest "--${1#newest-}" ;;
	*) return 1 ;;
	esac
}

# The streams, one per line, balanced by their measured warm times (README,
# "Which kernels run what"). The debug tier is the long pole (its kernel
# takes 6-21 min to build cold, its guest about 15 min to run) and deb61
# follows it; the other stream has lint (which prepares the newest
# kernels' build roots when cold), dkms, the newest kernel's tiers, deb612
# and numa61. icount61, icount612 and numa612 are not in make check: the
# KVM_RUN benchmark runs on the newest kernel, and 6.12 takes the same
# paths as the newest kernel there (README).
STREAMS=(
	"lint dkms newest newest-icount deb612 numa61"
	"debug deb61"
)

PASSED=0 FAILED=0 SKIPPED=0

say() { echo "$*" | tee -a "$LOG"; }

# Runs one tier into its log; its time goes to build/tier-<name>.time.
run_tier() {
	local name=$1 out=$REPO/build/tier-$1.log start rc=0 cmd
	read -ra cmd <<<"$(tier_cmd "$name")"
	start=$EPOCHSECONDS
	echo "# tier $name: started"
	{
		echo "# tier $name: ${cmd[*]}"
		"${cmd[@]}" 2>&1 || rc=$?
		echo "# tier $name: exit status $rc"
	} >"$out"
	echo "$((EPOCHSECONDS - start))" >"$REPO/build/tier-$name.time"
	echo "# tier $name: finished in $((EPOCHSECONDS - start))s"
}

run_stream() {
	local name
	for name in $1; do
		run_tier "$name"
	done
}

# Adds up one finished tier's TAP lines. A tier that failed without saying
# which test failed counts as one failure of its own.
count_tier() {
	local name=$1 out=$REPO/build/tier-$1.log rc p f s
	rc=$(sed -n 's/^# tier [^:]*: exit status \([0-9]*\)$/\1/p' "$out" | tail -n 1)
	read -r p f s < <(awk '/^(not )?ok / { if (/# SKIP/) s++; else if (/^not ok /) f++; else p++ }
		END { print p + 0, f + 0, s + 0 }' "$out")
	if [[ ${rc:-1} != 0 && $f == 0 ]]; then
		echo "not ok - $name: tier exited ${rc:-without a status}" >>"$out"
		f=1
	fi
	PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + s))
}

main() {
	local s name pids=() order=() start=$EPOCHSECONDS
	mkdir -p "$REPO/build"
	: >"$LOG"
	# Once, before the streams: two installers at once would fight over apt.
	if ! bash "$HERE/lib/deps.sh" >>"$LOG" 2>&1; then
		say "not ok - deps: installing what the tests need failed (see $LOG)"
		say "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	say "# deps ready in $((EPOCHSECONDS - start))s"
	for s in "${STREAMS[@]}"; do
		run_stream "$s" | tee -a "$LOG" &
		pids+=($!)
		# shellcheck disable=SC2206 # tier names are single words
		order+=($s)
	done
	wait "${pids[@]}" || true
	for name in "${order[@]}"; do
		count_tier "$name"
		cat "$REPO/build/tier-$name.log" >>"$LOG"
		cat "$REPO/build/tier-$name.log"
	done
	for name in "${order[@]}"; do
		say "# timing: $name $(cat "$REPO/build/tier-$name.time" 2>/dev/null || echo '?')s"
	done
	say "# timing: total $((EPOCHSECONDS - start))s (wall clock, tiers side by side)"
	say "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	((FAILED == 0))
}

main "$@"
