#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Installs what the kvmsched tests need on Debian 12: the tools, the Debian 12
# kernel (6.1) and the bookworm-backports kernel (6.12), each image + headers.
# The newest kernels (7.x) need newer build tools than Debian 12 has: their
# build roots are made by selftests/kernel/newest.sh (with debootstrap, from
# here) when a tier first asks for them.
# Run it as root, or source it (run-vm.sh does): either way it checks and, only
# if something is missing, installs. The check reads dpkg's database and /boot
# and never touches apt: about 0.2 s when everything is there.

KS_DEPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=kernels.sh
source "$KS_DEPS_DIR/kernels.sh"

KS_DEPS_PKGS=(
	qemu-system-x86 busybox-static cpio kmod xz-utils
	gcc make libc6-dev bc flex bison libelf-dev libssl-dev dwarves
	rsync sparse dkms debootstrap dpkg-dev debhelper dh-dkms
)
# From bookworm-backports: the source of the debug kernel and of checkpatch.pl.
KS_DEPS_BP_PKGS=(linux-source-6.12)
KS_DEPS_BACKPORTS_LIST=/etc/apt/sources.list.d/kvmsched-backports.list

# Fills KS_DEPS_MISSING (tool packages) and KS_DEPS_MISSING_KERNELS (6.1,
# 6.12) without subshells: this runs on every test run, where forks are the cost.
ks_deps_check() {
	local -A installed=()
	local status name p series
	while read -r status name; do
		[[ $status != ii ]] || installed[$name]=1
	done < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
		"${KS_DEPS_PKGS[@]}" "${KS_DEPS_BP_PKGS[@]}" 2>/dev/null)
	KS_DEPS_MISSING=() KS_DEPS_MISSING_BP=()
	for p in "${KS_DEPS_PKGS[@]}"; do
		[[ -n ${installed[$p]-} ]] || KS_DEPS_MISSING+=("$p")
	done
	for p in "${KS_DEPS_BP_PKGS[@]}"; do
		[[ -n ${installed[$p]-} ]] || KS_DEPS_MISSING_BP+=("$p")
	done
	KS_DEPS_MISSING_KERNELS=()
	for series in 6.1 6.12; do
		ks_debian_kver "$series" >/dev/null || KS_DEPS_MISSING_KERNELS+=("$series")
	done
}

ks_deps_has_backports() {
	grep -Eqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
		grep -Eqs '^Suites:.*bookworm-backports' /etc/apt/sources.list.d/*.sources
}

# The mirror the system already uses for the bookworm suite, so backports comes
# from the same place (a proxy or snapshot mirror keeps working).
ks_deps_mirror() {
	local uri
	uri=$(awk '
		/^[ \t]*$/ { if (suite && uri) { print uri; exit } suite = 0; uri = ""; next }
		$1 == "URIs:" { uri = $2 }
		$1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
		END { if (suite && uri) print uri }
	' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[[ -n $uri ]] || uri=$(awk '
		$1 == "deb" { sub(/^deb[ \t]+(\[[^]]*\][ \t]+)?/, ""); if ($2 == "bookworm") { print $1; exit } }
	' /etc/apt/sources.list 2>/dev/null)
	[[ -n $uri ]] || { echo "deps: no bookworm mirror in /etc/apt/sources.list{,.d/debian.sources}" >&2; return 1; }
	printf '%s\n' "$uri"
}

# The concrete package a meta package (linux-image-amd64, linux-headers-amd64)
# points to in a suite: "stable" = the newest version outside backports (so
# bookworm-security counts), "backports" = the bookworm-backports version.
ks_deps_kernel_pkg() {
	local meta=$1 suite=$2 ver
	ver=$(apt-cache madison "$meta" | awk -F'|' -v want="$suite" '
		{ bpo = ($3 ~ /bookworm-backports\//) }
		(want == "backports" && bpo) || (want == "stable" && !bpo) { gsub(/ /, "", $2); print $2; exit }')
	[[ -n $ver ]] || { echo "deps: no $suite version of $meta" >&2; return 1; }
	apt-cache depends "$meta=$ver" | awk '$1 == "Depends:" && $2 ~ /^linux-(image|headers)-[0-9]/ { print $2; exit }'
}

# apt's chatter goes to stderr: run-vm.sh's stdout is its TAP stream.
ks_deps_apt_install() {
	apt-get install -y --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >&2
}

# Installs the concrete image + headers packages, never the meta packages:
# whichever kernel the meta package follows on this machine stays as it is.
ks_deps_install_kernel() {
	local series=$1 suite img hdr
	case $series in
	6.1) suite=stable ;;
	6.12) suite=backports ;;
	esac
	img=$(ks_deps_kernel_pkg linux-image-amd64 "$suite")
	hdr=$(ks_deps_kernel_pkg linux-headers-amd64 "$suite")
	[[ -n $img && -n $hdr ]] || { echo "deps: cannot resolve the $series kernel packages" >&2; return 1; }
	if [[ $suite == backports ]]; then
		ks_deps_apt_install -t bookworm-backports "$img" "$hdr"
	else
		ks_deps_apt_install "$img" "$hdr"
	fi
}

ks_deps_ensure() {
	local series
	ks_deps_check
	((${#KS_DEPS_MISSING[@]} + ${#KS_DEPS_MISSING_BP[@]} + ${#KS_DEPS_MISSING_KERNELS[@]})) || return 0

	echo "deps: missing: ${KS_DEPS_MISSING[*]} ${KS_DEPS_MISSING_BP[*]} ${KS_DEPS_MISSING_KERNELS[*]/#/kernel-}" >&2
	[[ $EUID -eq 0 ]] || { echo "deps: must run as root to install them" >&2; return 1; }
	export DEBIAN_FRONTEND=noninteractive
	if ! ks_deps_has_backports; then
		echo "deb $(ks_deps_mirror) bookworm-backports main" >"$KS_DEPS_BACKPORTS_LIST"
	fi
	apt-get update >&2
	((${#KS_DEPS_MISSING[@]} == 0)) || ks_deps_apt_install "${KS_DEPS_MISSING[@]}"
	((${#KS_DEPS_MISSING_BP[@]} == 0)) ||
		ks_deps_apt_install -t bookworm-backports "${KS_DEPS_MISSING_BP[@]}"
	for series in "${KS_DEPS_MISSING_KERNELS[@]}"; do
		ks_deps_install_kernel "$series"
	done
	ks_deps_check
	((${#KS_DEPS_MISSING[@]} + ${#KS_DEPS_MISSING_BP[@]} + ${#KS_DEPS_MISSING_KERNELS[@]} == 0)) || {
		echo "deps: still missing: ${KS_DEPS_MISSING[*]} ${KS_DEPS_MISSING_BP[*]} ${KS_DEPS_MISSING_KERNELS[*]/#/kernel-}" >&2
		return 1
	}
}

[[ ${BASH_SOURCE[0]} != "$0" ]] || set -euo pipefail
ks_deps_ensure
