#!/bin/bash
# DKMS tier of "make check": the tree installs through DKMS (dkms.conf) for
# each Debian kernel, as a host admin would, and is removed again. Prints TAP.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
OUT=$REPO/build/dkms
FAILED=0

ok() { echo "ok - dkms: $*"; }
not_ok() { echo "not ok - dkms: $*"; FAILED=1; }

conf() { sed -n "s/^$1=\"\\(.*\\)\"/\\1/p" "$REPO/dkms.conf"; }

main() {
	local name ver src kid log
	# shellcheck source=lib/deps.sh
	source "$HERE/lib/deps.sh"	# and with it lib/kernels.sh
	name=$(conf PACKAGE_NAME)
	ver=$(conf PACKAGE_VERSION)
	src=/usr/src/$name-$ver
	mkdir -p "$OUT"
	log=$OUT/dkms.log
	: >"$log"

	# A leftover from an interrupted run would make "add" fail.
	dkms remove "$name/$ver" --all >>"$log" 2>&1 || true
	rm -rf "$src"
	mkdir -p "$src"
	cp -r "$REPO/dkms.conf" "$REPO/Kbuild" "$REPO/Makefile" "$REPO/module" \
		"$REPO/include" "$src/"
	if dkms add "$name/$ver" >>"$log" 2>&1; then
		ok "add $name/$ver"
	else
		not_ok "add $name/$ver"
	fi
	for kid in deb61 deb612; do
		ks_kernel_resolve "$kid" "$HERE/kernel/build.sh" "$log" ||
			{ not_ok "kernel $kid installed"; continue; }
		if dkms install "$name/$ver" -k "$KS_KVER" >>"$log" 2>&1 &&
			modinfo -k "$KS_KVER" -F version "$name" 2>>"$log" | grep -qx "$ver"; then
			ok "install for $KS_KVER (modinfo finds version $ver)"
		else
			not_ok "install for $KS_KVER"
			tail -n 20 "$log" | sed 's/^/# /'
		fi
	done
	if dkms remove "$name/$ver" --all >>"$log" 2>&1 && rm -rf "$src" &&
		! find /lib/modules -name "$name.ko*" | grep -q .; then
		ok "remove leaves no module behind"
	else
		not_ok "remove leaves no module behind"
	fi
	((FAILED == 0))
}

main "$@"
