#!/bin/bash
# The "make check" entry: runs every test tier, one after the other (a failing
# tier does not stop the next), keeps the whole output in build/check.log, and
# ends with one line "N passed, N failed, N skipped" summed over the tiers.
# Exits non-zero if anything failed.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
LOG=$REPO/build/check.log

# The tiers, in order: "tier <name> <command...>". A tier's command prints TAP
# lines ("ok ..." / "not ok ...", "# SKIP" marks a skip) and exits non-zero on
# failure. KUnit runs inside the debug tier (the only kernel with KUnit).
tiers() {
	tier lint bash "$HERE/lint.sh"
	tier dkms bash "$HERE/dkms.sh"
	tier deb61 bash "$HERE/run-vm.sh" --kernel deb61
	tier deb612 bash "$HERE/run-vm.sh" --kernel deb612
	tier debug bash "$HERE/run-vm.sh" --kernel debug
}

PASSED=0 FAILED=0 SKIPPED=0
TIMINGS=()

# Runs one tier and adds up its TAP lines. A tier that fails without saying
# which test failed counts as one failure of its own.
tier() {
	local name=$1 out rc=0 start p f s
	shift
	out=$REPO/build/tier-$name.log
	: >"$out"
	start=$EPOCHSECONDS
	echo "# tier $name: $*" | tee -a "$LOG"
	"$@" 2>&1 | tee -a "$LOG" "$out" || rc=$?
	TIMINGS+=("$name $((EPOCHSECONDS - start))s")
	read -r p f s < <(awk '/^(not )?ok / { if (/# SKIP/) s++; else if (/^not ok /) f++; else p++ }
		END { print p + 0, f + 0, s + 0 }' "$out")
	if ((rc != 0 && f == 0)); then
		echo "not ok - $name: tier exited $rc" | tee -a "$LOG"
		f=1
	fi
	PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + s))
}

main() {
	local t
	mkdir -p "$REPO/build"
	: >"$LOG"
	tiers
	for t in "${TIMINGS[@]}"; do
		echo "# timing: $t" | tee -a "$LOG"
	done
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped" | tee -a "$LOG"
	((FAILED == 0))
}

main "$@"
