#!/bin/bash
# Lint tier of "make check": checkpatch.pl --strict (from Debian's
# linux-source-6.12, cached by package version) on every kernel source file
# and tool, and sparse (make C=2 W=1) against each Debian kernel's headers:
# 6.1, 6.12, and the newest two (trixie-backports, sid) in their build roots
# (selftests/kernel/newest.sh). Prints TAP.
#
# Documented checkpatch exceptions (the --ignore lists below), each with its
# reason:
#   module/trace.h: OPEN_ENDED_LINE, PARENTHESIS_ALIGNMENT. A trace header
#     is macro arguments laid out as in the kernel's include/trace/events/
#     (TP_PROTO, TP_STRUCT__entry( ... ) one per line), which checkpatch
#     reads as a function call; every in-tree trace header gets the same.
#   tools/kvmschedctl/kvmschedctl.c: PREFER_DEFINED_ATTRIBUTE_MACRO. A
#     userspace tool has no compiler_attributes.h: it defines the __printf
#     it uses, from the attribute checkpatch would have it avoid.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
shopt -s inherit_errexit nullglob

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
OUT=$REPO/build/lint
CACHE=${KVMSCHED_CACHE:-/var/cache/kvmsched}
IGNORE=""
# Per file, added to IGNORE (see the list above).
declare -A IGNORE_FILE=([module/trace.h]=OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT
	[tools/kvmschedctl/kvmschedctl.c]=PREFER_DEFINED_ATTRIBUTE_MACRO)
FAILED=0

ok() { echo "ok - lint: $*"; }
not_ok() { echo "not ok - lint: $*"; FAILED=1; }

# checkpatch.pl and the data files it reads, out of the source tarball.
checkpatch_path() {
	local ver dir tmp
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	dir=$CACHE/checkpatch/$ver
	if [[ ! -x $dir/checkpatch.pl ]]; then
		tmp=$(mktemp -d "$CACHE/checkpatch/.tmp.XXXXXX")
		tar -xf /usr/src/linux-source-6.12.tar.xz -C "$tmp" \
			--strip-components=2 --wildcards \
			'linux-source-6.12/scripts/checkpatch.pl' \
			'linux-source-6.12/scripts/spelling.txt' \
			'linux-source-6.12/scripts/const_structs.checkpatch'
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	echo "$dir/checkpatch.pl"
}

run_checkpatch() {
	local cp f out ign
	mkdir -p "$CACHE/checkpatch"
	cp=$(checkpatch_path)
	cd "$REPO"
	for f in module/*.[ch] module/probes/*.c include/*.h tools/*/*.c; do
		ign=$IGNORE${IGNORE_FILE[$f]:+${IGNORE:+,}${IGNORE_FILE[$f]}}
		if out=$("$cp" --strict --no-tree --terse --show-types \
			${ign:+--ignore "$ign"} -f "$f" 2>&1) &&
			! grep -qE ': (ERROR|WARNING|CHECK):' <<<"$out"; then
			ok "checkpatch --strict $f"
		else
			not_ok "checkpatch --strict $f"
			grep -E ': (ERROR|WARNING|CHECK):' <<<"$out" | sed 's/^/# /'
		fi
	done
}

# A fresh copy per kernel, so that every file is checked, not only changed ones.
run_sparse() {
	local kid=$1 dir=$OUT/sparse-$1 log
	rm -rf "$dir"
	mkdir -p "$dir"
	rsync -a "$REPO/Kbuild" "$REPO/module" "$REPO/include" "$dir/"
	log=$OUT/sparse-$kid.log
	if ks_kmake "$dir" C=2 W=1 -j"$(nproc)" modules >"$log" 2>&1 &&
		! grep -E 'warning:|error:' "$log" >/dev/null; then
		ok "sparse (make C=2) against $kid headers"
	else
		not_ok "sparse (make C=2) against $kid headers"
		grep -E 'warning:|error:' "$log" | sed 's/^/# /' || tail -n 20 "$log" | sed 's/^/# /'
	fi
}

main() {
	# shellcheck source=lib/deps.sh
	source "$HERE/lib/deps.sh"	# and with it lib/kernels.sh
	mkdir -p "$OUT"
	run_checkpatch
	# sid's kernel is only compiled: here, W=1 and sparse at once.
	for kid in deb61 deb612 newest sid; do
		ks_kernel_resolve "$kid" "$HERE/kernel/build.sh" "$OUT/kernel.log" ||
			{ not_ok "kernel $kid installed"; continue; }
		run_sparse "$kid"
	done
	((FAILED == 0))
}

main "$@"
