#!/usr/bin/env bash
# Prepares (once) a Debian build root for the newest Debian kernels and prints
# its directory on stdout. The host (Debian 12) cannot build for 7.x: their
# headers need a newer gcc and libc than bookworm has. So each kernel gets a
# minimal chroot of the suite that ships it, with its headers and the build
# tools inside; the host's apt sources are never touched.
#
#   newest.sh trixie   trixie + trixie-backports' newest kernel: headers in
#                      the root, and the image and modules unpacked beside
#                      it for the guest suite to boot
#   newest.sh sid      sid's newest kernel: headers only (compile tests)
#
# stdout: one line, <dir>, holding
#   <dir>/root          the chroot (headers at /usr/src/linux-headers-<kver>)
#   <dir>/kver          the kernel release string
#   <dir>/kernel/       (trixie) the image at usr/lib/modules/<kver>/vmlinuz
#                       and the modules, depmod'ed
# stderr: progress. Exit status non-zero on any failure.
#
# Cache: ${KVMSCHED_CACHE:-/var/cache/kvmsched}/newest/<suite>-<key>, <key>
# the first 16 hex digits of sha256(this script): a root is made once and
# kept until this recipe changes (like the installed 6.1 and 6.12 kernels,
# it is not upgraded behind a run's back). Made in <dir>.tmp, renamed on
# success, serialised with flock; older keys of the suite are removed.
set -euo pipefail

SUITE=${1:-}
SELF=$(readlink -f "${BASH_SOURCE[0]}")
CACHE=${KVMSCHED_CACHE:-/var/cache/kvmsched}/newest
MIRROR=http://deb.debian.org/debian
# What kvmsched's build, sparse and the test modules need in the root.
ROOT_PKGS=gcc,make,perl,libc6-dev,sparse,ca-certificates,xz-utils,zstd,kmod

log() { printf 'kernel/newest.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case $SUITE in
trixie) KSUITE=trixie-backports SOURCES="trixie trixie-backports" ;;
sid) KSUITE=sid SOURCES="sid" ;;
*) echo "usage: $0 trixie|sid" >&2; exit 2 ;;
esac

KEY=$(sha256sum "$SELF" | cut -c1-16)
DIR=$CACHE/$SUITE-$KEY

if [[ -e $DIR/.done ]]; then
	echo "$DIR"
	exit 0
fi
[[ $EUID -eq 0 ]] || die "must run as root to make $DIR"
command -v debootstrap >/dev/null || die "debootstrap missing (selftests/lib/deps.sh installs it)"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock-$SUITE"
flock 9
if [[ -e $DIR/.done ]]; then
	echo "$DIR"
	exit 0
fi

# Runs a command in the root with /proc, /dev and /sys mounted in a private
# mount namespace: nothing stays mounted when it ends, even on failure.
in_root() {
	local root=$1
	shift
	unshare -m -- /bin/sh -c '
		r=$1; shift
		mount --make-rprivate /
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount --rbind /sys "$r/sys"
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive INITRD=No "$@"' sh "$root" "$@"
}

TMP=$DIR.tmp
rm -rf "$TMP"
mkdir -p "$TMP"
start=$EPOCHSECONDS
log "debootstrap $SUITE into $TMP/root"
# Expired Release files (sid on some mirrors) must not stop the build.
debootstrap --variant=minbase --include="$ROOT_PKGS" "$SUITE" "$TMP/root" "$MIRROR" \
	>"$TMP/debootstrap.log" 2>&1 || { tail -n 20 "$TMP/debootstrap.log" >&2; die "debootstrap $SUITE failed"; }

: >"$TMP/root/etc/apt/sources.list"
for s in $SOURCES; do
	echo "deb [check-valid-until=no] $MIRROR $s main" >>"$TMP/root/etc/apt/sources.list"
done
in_root "$TMP/root" apt-get -q update >&2 || die "apt-get update in the $SUITE root failed"

# The concrete headers package the suite's meta package points to: the
# newest kernel of that suite.
hdr=$(in_root "$TMP/root" apt-cache depends -t "$KSUITE" linux-headers-amd64 |
	awk '$1 == "Depends:" && $2 ~ /^linux-headers-[0-9]/ { print $2; exit }')
[[ -n $hdr ]] || die "no linux-headers-amd64 in $KSUITE"
KVER=${hdr#linux-headers-}
log "installing $hdr in the root"
in_root "$TMP/root" apt-get -q install -y --no-install-recommends -t "$KSUITE" "$hdr" >&2 ||
	die "installing $hdr failed"
[[ -f $TMP/root/usr/src/linux-headers-$KVER/Makefile ]] || die "no headers at /usr/src/linux-headers-$KVER"
echo "$KVER" >"$TMP/kver"

if [[ $SUITE == trixie ]]; then
	# 7.x splits the image: linux-binary (vmlinuz), linux-modules and
	# linux-base (System.map, config). Unpacked, never installed: no
	# initramfs tool runs, and the image is only ever booted by QEMU.
	log "fetching the $KVER image and modules"
	mkdir -p "$TMP/root/tmp/debs" "$TMP/kernel"
	in_root "$TMP/root" /bin/sh -c "cd /tmp/debs && apt-get -q download -t $KSUITE \
		linux-binary-$KVER linux-modules-$KVER linux-base-$KVER" >&2 || die "apt-get download failed"
	for deb in "$TMP"/root/tmp/debs/*.deb; do
		dpkg -x "$deb" "$TMP/kernel"
	done
	rm -rf "$TMP/root/tmp/debs"
	[[ -f $TMP/kernel/usr/lib/modules/$KVER/vmlinuz ]] || die "no vmlinuz in the $KVER packages"
	depmod -b "$TMP/kernel/usr" "$KVER" || die "depmod for $KVER failed"
fi
in_root "$TMP/root" apt-get clean

touch "$TMP/.done"
mv "$TMP" "$DIR"
find "$CACHE" -mindepth 1 -maxdepth 1 -name "$SUITE-*" ! -name "$SUITE-$KEY" -exec rm -rf {} +
log "$DIR ready ($KVER) in $((EPOCHSECONDS - start)) s"
echo "$DIR"
