#!/usr/bin/env bash
# Build (once) the kvmsched DEBUG test kernel from Debian's linux-source-6.12
# and print the path of its build directory on stdout.
#
#   KBUILD=$(bash selftests/kernel/build.sh)
#   $KBUILD/arch/x86/boot/bzImage        boot it under QEMU
#   make -C "$KBUILD" M=/path/to/module modules
#
# stdout: exactly one line, the absolute build directory, on success.
# stderr: progress. Exit status non-zero on any failure.
#
# Cache: ${KVMSCHED_CACHE:-/var/cache/kvmsched}/kernel/<key>/ where <key> is
# the first 16 hex digits of sha256(linux-source-6.12 package version,
# debug.config, this script). <key>/.done marks a finished build; builds go
# to <key>.tmp and are renamed only on success; older keys are removed after
# a successful build. Builds are serialised with flock on kernel/.lock.
#
# If linux-source-6.12 or the build tools are missing, they are installed
# (as root) from bookworm-backports / bookworm.
set -euo pipefail

PKG=linux-source-6.12
TARBALL=/usr/src/linux-source-6.12.tar.xz
BUILD_DEPS=(bc flex bison libelf-dev libssl-dev dwarves xz-utils gcc make libc6-dev)

SELF=$(readlink -f "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
FRAG=$HERE/debug.config

log() { printf 'kernel/build.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pkg_installed() {
	[[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

# ---------------------------------------------------------------------------
# Installation (cold path only).

debian_mirror() {
	# First URIs: of a deb822 stanza serving bookworm, else a one-line entry.
	local uri=""
	if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
		uri=$(awk '
			/^[[:space:]]*$/ { if (u != "" && s ~ /(^|[[:space:]])bookworm([[:space:]]|$)/) { print u; exit } u = ""; s = ""; next }
			tolower($1) == "uris:"   { u = $2 }
			tolower($1) == "suites:" { $1 = ""; s = $0 }
			END { if (u != "" && s ~ /(^|[[:space:]])bookworm([[:space:]]|$)/) print u }
		' /etc/apt/sources.list.d/debian.sources | head -n1)
	fi
	if [[ -z $uri && -r /etc/apt/sources.list ]]; then
		uri=$(awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list | head -n1)
	fi
	echo "${uri:-http://deb.debian.org/debian}"
}

ensure_packages() {
	local missing=() p
	pkg_installed "$PKG" || missing+=("$PKG")
	for p in "${BUILD_DEPS[@]}"; do
		pkg_installed "$p" || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0

	[[ $(id -u) -eq 0 ]] || die "missing packages (${missing[*]}); run as root to install them"
	export DEBIAN_FRONTEND=noninteractive
	if ! pkg_installed "$PKG"; then
		if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ ; then
			local mirror
			mirror=$(debian_mirror)
			log "adding bookworm-backports ($mirror) to /etc/apt/sources.list.d/kvmsched-backports.list"
			echo "deb $mirror bookworm-backports main" >>/etc/apt/sources.list.d/kvmsched-backports.list
		fi
	fi
	log "installing: ${missing[*]}"
	apt-get update >&2
	if ! pkg_installed "$PKG"; then
		apt-get install -y -t bookworm-backports "$PKG" >&2
	fi
	missing=()
	for p in "${BUILD_DEPS[@]}"; do
		pkg_installed "$p" || missing+=("$p")
	done
	if ((${#missing[@]})); then
		apt-get install -y "${missing[@]}" >&2
	fi
	pkg_installed "$PKG" || die "$PKG still not installed"
}

# ---------------------------------------------------------------------------
# Cache key and warm path.

[[ -r $FRAG ]] || die "missing $FRAG"
command -v dpkg-query >/dev/null || die "dpkg-query not found (Debian host expected)"

if ! pkg_installed "$PKG"; then
	ensure_packages
fi
VERSION=$(dpkg-query -W -f='${Version}' "$PKG")
[[ -n $VERSION ]] || die "cannot read the version of $PKG"

KEY=$({ printf '%s\n' "$VERSION"; cat "$FRAG"; cat "$SELF"; } | sha256sum | cut -c1-16)
CACHE=${KVMSCHED_CACHE:-/var/cache/kvmsched}/kernel
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd -P)
KBUILD=$CACHE/$KEY

if [[ -e $KBUILD/.done ]]; then
	echo "$KBUILD"
	exit 0
fi

# ---------------------------------------------------------------------------
# Cold path: serialise with any concurrent build.

exec 9>"$CACHE/.lock"
log "cache miss for key $KEY; taking the build lock $CACHE/.lock"
flock 9
if [[ -e $KBUILD/.done ]]; then   # someone else built it meanwhile
	echo "$KBUILD"
	exit 0
fi

ensure_packages
[[ -r $TARBALL ]] || die "$TARBALL not found although $PKG is installed"

TMP=$KBUILD.tmp
START=$SECONDS
log "building key $KEY ($PKG $VERSION) in $TMP"
rm -rf "$TMP" "$KBUILD"
mkdir -p "$TMP"

log "unpacking $TARBALL"
tar -xJf "$TARBALL" -C "$TMP" --strip-components=1
[[ -f $TMP/Makefile && -x $TMP/scripts/kconfig/merge_config.sh ]] || die "unexpected tarball layout"
cp "$FRAG" "$TMP/kvmsched-debug.config"

cd "$TMP"
log "configuring: tinyconfig + debug.config + olddefconfig"
# (merge_config.sh lists every override; keep that in a file unless it fails)
make tinyconfig >kvmsched-config.log 2>&1 &&
	scripts/kconfig/merge_config.sh -m .config "$FRAG" >>kvmsched-config.log 2>&1 &&
	make olddefconfig >>kvmsched-config.log 2>&1 ||
	{ cat kvmsched-config.log >&2; die "configuration failed"; }

# Every line of the fragment must survive olddefconfig verbatim: an unmet
# "depends on" silently turns an option off, which is the classic trap.
bad=0
while IFS= read -r line; do
	line=${line%%[[:space:]]}
	if [[ $line =~ ^CONFIG_[A-Za-z0-9_]+=.+$ ]]; then
		if ! grep -qxF -- "$line" .config; then
			got=$(grep -E "^(# )?${line%%=*}[= ]" .config || echo "absent")
			log "config dropped: want '$line', got '$got'"
			bad=1
		fi
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		sym=${BASH_REMATCH[1]}
		if grep -qE "^${sym}=" .config; then
			log "config forced on: want '$sym' unset, got '$(grep -E "^${sym}=" .config)'"
			bad=1
		fi
	fi
done <"$FRAG"
((bad == 0)) || die "the final .config does not honour debug.config (see above)"
log "config verified: all $(grep -cE '^CONFIG_|^# CONFIG_.* is not set$' "$FRAG") fragment lines honoured"

JOBS=$(nproc)
log "make -j$JOBS all (takes ~10-25 min on 2 cores; log: $TMP/kvmsched-build.log)"
# Full kbuild output goes to the log; stderr gets warnings/errors and a
# progress line every 300 lines.
if ! make -j"$JOBS" all 2>&1 | tee kvmsched-build.log |
	awk '/[Ww]arning:|[Ee]rror:|\*\*\*/ || NR % 300 == 0 { print "  make: " $0; fflush() }' >&2; then
	log "build failed; last lines of the log:"
	tail -n 40 kvmsched-build.log >&2
	die "make all failed"
fi

for f in arch/x86/boot/bzImage vmlinux Module.symvers .config scripts/mod/modpost include/generated/autoconf.h; do
	[[ -e $f ]] || die "build finished but $f is missing"
done

ELAPSED=$((SECONDS - START))
printf '%s\n' "$VERSION" >.kvmsched-source-version
printf '%dm%02ds\n' $((ELAPSED / 60)) $((ELAPSED % 60)) >.kvmsched-build-time
touch .done
cd /
mv "$TMP" "$KBUILD"

# Drop every other key (and stale .tmp dirs): we hold the lock.
for d in "$CACHE"/*; do
	[[ -d $d && $d != "$KBUILD" ]] || continue
	log "removing old build $d"
	rm -rf "$d"
done

log "done: $(make -s -C "$KBUILD" kernelrelease 2>/dev/null) built in $((ELAPSED / 60))m$((ELAPSED % 60))s wall"
echo "$KBUILD"
