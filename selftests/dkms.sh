#!/bin/bash
# DKMS tier of "make check": the Debian packages, as a host admin gets
# them. dpkg-buildpackage builds kvmsched-dkms and kvmschedctl from a copy
# of the checkout; installing kvmsched-dkms has DKMS build the module for
# every installed kernel with headers (Debian's 6.1 and 6.12); kvmschedctl
# runs; purging both leaves nothing behind. Prints TAP.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
shopt -s inherit_errexit nullglob

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
OUT=$REPO/build/dkms
FAILED=0

ok() { echo "ok - dkms: $*"; }
not_ok() { echo "not ok - dkms: $*"; FAILED=1; }
check() {
	local desc=$1
	shift
	if "$@" >>"$LOG" 2>&1; then ok "$desc"; else not_ok "$desc"; tail -n 20 "$LOG" | sed 's/^/# /'; fi
}

conf() { sed -n "s/^$1=\"\\(.*\\)\"/\\1/p" "$REPO/dkms.conf"; }

# What the packages put on the host: must all be gone after the purge.
leftovers() {
	find /usr/src /usr/sbin /usr/share/man/man8 /usr/share/doc /usr/share \
		/var/lib/dkms /lib/modules -maxdepth 4 \( -name "kvmsched*" -o -name "kvmschedctl*" \) 2>/dev/null
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' kvmsched-dkms kvmschedctl 2>/dev/null |
		grep -v '^un ' || true
}

purge() { dpkg --purge kvmschedctl kvmsched-dkms >>"$LOG" 2>&1; }

main() {
	local name ver kid pkgs deb
	# shellcheck source=lib/deps.sh
	source "$HERE/lib/deps.sh"	# and with it lib/kernels.sh
	name=$(conf PACKAGE_NAME)
	ver=$(conf PACKAGE_VERSION)
	rm -rf "$OUT"
	mkdir -p "$OUT/src"
	LOG=$OUT/dkms.log
	: >"$LOG"
	# A leftover from an interrupted run would make the install an upgrade.
	purge || true

	check "dkms.conf's version $ver is the package's" \
		test "$(cd "$REPO" && dpkg-parsechangelog -SVersion)" = "$ver"
	rsync -a --exclude /build --exclude /.git "$REPO/" "$OUT/src/$name/"
	check "dpkg-buildpackage -b builds both packages" \
		bash -c "cd '$OUT/src/$name' && dpkg-buildpackage -us -uc -b"
	pkgs=("$OUT"/src/kvmsched-dkms_"$ver"_all.deb "$OUT"/src/kvmschedctl_"$ver"_*.deb)
	[[ ${#pkgs[@]} == 2 ]] || { not_ok "two packages built (${#pkgs[@]})"; return 1; }
	for deb in "${pkgs[@]}"; do
		echo "# $(basename "$deb"): $(dpkg-deb -c "$deb" | wc -l) entries"
	done

	check "dpkg -i kvmsched-dkms kvmschedctl" dpkg -i "${pkgs[@]}"
	for kid in deb61 deb612; do
		ks_kernel_resolve "$kid" "$HERE/kernel/build.sh" "$LOG" ||
			{ not_ok "kernel $kid installed"; continue; }
		check "DKMS built and installed it for $KS_KVER" \
			bash -c "dkms status -m '$name' -v '$ver' -k '$KS_KVER' | grep -q ': installed'"
		check "modinfo -k $KS_KVER finds version $ver" \
			bash -c "modinfo -k '$KS_KVER' -F version '$name' | grep -qx '$ver'"
	done
	check "kvmschedctl --help" kvmschedctl --help
	check "kvmschedctl's man page" test -f /usr/share/man/man8/kvmschedctl.8.gz
	check "the irqbalance policy script and the libvirt hook" \
		test -x /usr/share/kvmsched/irqbalance/kvmsched-policy -a \
		-x /usr/share/kvmsched/libvirt/qemu
	check "kvmschedctl status without the module: exit 2" \
		bash -c "KVMSCHED_ROOT=/nonexistent kvmschedctl status; test \$? = 2"

	check "dpkg --purge both" purge
	if [[ -z $(leftovers) ]]; then
		ok "purge leaves nothing behind"
	else
		not_ok "purge leaves nothing behind"
		leftovers | sed 's/^/# /'
	fi
	((FAILED == 0))
}

main "$@"
