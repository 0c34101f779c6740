# shellcheck shell=bash
# The base initramfs of a test kernel: busybox, the kernel's KVM modules and a
# working QEMU (a real VMM for the tests). It depends only on the kernel and on
# the installed packages, so it is built once and cached; run-vm.sh appends the
# per-run overlay (init, kvmsched.ko, tests) to it.
# The cache key hashes this file: any change here rebuilds the base.

# Guest modules, loaded in this order (with their dependencies first): TCG
# offers SVM only, so kvm_amd; configfs is a module on Debian and kvmsched may
# use it; VFIO passes the emulated edu devices through to test VMs (the
# interrupt-steering tests).
KS_GUEST_KMODS=(kvm_amd configfs vfio_pci vfio_iommu_type1)

# Host files copied as they are: QEMU's firmware, option ROMs and modules.
KS_QEMU_DATA=(/usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu /usr/lib/x86_64-linux-gnu/qemu)
KS_QEMU=/usr/bin/qemu-system-x86_64

# irqbalance as Debian ships it, for the steering tests: the package is
# fetched into the cache (never installed on the host, where its service
# would start) and its binary staged with the libraries ldd lists.
ks_irqbalance_version() {
	apt-cache policy irqbalance 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

ks_stage_irqbalance() {
	local tree=$1 ver dir tmp lib
	ver=$(ks_irqbalance_version)
	if [[ -z $ver ]]; then
		echo "initramfs: no irqbalance package: its test is skipped" >&2
		return 0
	fi
	dir=${KVMSCHED_CACHE:-/var/cache/kvmsched}/irqbalance/$ver
	if [[ ! -x $dir/usr/sbin/irqbalance ]]; then
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "irqbalance=$ver" >/dev/null) &&
			rm -rf "$dir" && mkdir -p "$(dirname "$dir")" &&
			dpkg -x "$tmp"/irqbalance_*.deb "$dir" || { rm -rf "$tmp"; return 1; }
		rm -rf "$tmp"
	fi
	mkdir -p "$tree/usr/sbin"
	cp "$dir/usr/sbin/irqbalance" "$tree/usr/sbin/irqbalance"
	for lib in $(ldd "$dir/usr/sbin/irqbalance" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		ks_stage_file "$tree" "$lib"
	done
}

# The root a kernel's module dir hangs from: "" for /lib/modules/<kver>,
# else the directory of an unpacked kernel (its lib/modules/<kver>).
ks_kmod_base() {
	local kver=$1 kmoddir=$2
	echo "${kmoddir%/lib/modules/"$kver"}"
}

# Module files to load, in order: modprobe's dependency resolution against the
# target kernel's modules.dep (prints "insmod <path>" or "builtin <name>").
ks_kmod_files() {
	local kver=$1 base mod
	base=$(ks_kmod_base "$kver" "$2")
	for mod in "${KS_GUEST_KMODS[@]}"; do
		modprobe -d "${base:-/}" -S "$kver" --show-depends "$mod"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# Cache key: kernel version, module files, package versions, this file.
ks_base_key() {
	local kver=$1 kmoddir=$2
	{
		echo "$kver"
		[[ -z $kmoddir ]] || ks_kmod_files "$kver" "$kmoddir" | xargs -r stat -L -c '%n %s %Y'
		dpkg-query -W qemu-system-x86 busybox-static
		ks_irqbalance_version
		cat "${BASH_SOURCE[0]}"
	} | sha256sum | cut -c1-16
}

# Copies a host file to the same path in the tree, following symlinks (the
# guest gets a plain file under the name the loader or QEMU looks for).
ks_stage_file() {
	local tree=$1 file=$2
	mkdir -p "$tree$(dirname "$file")"
	cp -L "$file" "$tree$file"
}

# Debian 12 is merged-/usr: /bin, /lib... are symlinks. Mirror the host's
# layout so every path ldd prints resolves the same way in the guest.
ks_stage_layout() {
	local tree=$1 d
	mkdir -p "$tree"/{usr/bin,usr/sbin,usr/lib,usr/lib64,dev,proc,sys,tmp,run,root,kvmsched}
	for d in bin sbin lib lib64; do
		if [[ -L /$d ]]; then
			ln -s "$(readlink "/$d")" "$tree/$d"
		else
			mkdir -p "$tree/$d"
		fi
	done
	# The kernel opens /dev/console for init before anything mounts devtmpfs.
	mknod -m 600 "$tree/dev/console" c 5 1
}

ks_stage_busybox() {
	local tree=$1 applet
	ks_stage_file "$tree" /bin/busybox
	while read -r applet; do
		[[ -e $tree/$applet || -L $tree/$applet ]] || ln -s /bin/busybox "$tree/$applet"
	done < <(/bin/busybox --list-full)
}

# QEMU, every library ldd lists (the loader included) and its data dirs.
ks_stage_qemu() {
	local tree=$1 libs lib dir
	ks_stage_file "$tree" "$KS_QEMU"
	libs=$(ldd "$KS_QEMU" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
	for lib in $libs; do
		ks_stage_file "$tree" "$lib"
	done
	for dir in "${KS_QEMU_DATA[@]}"; do
		[[ -d $dir ]] || continue
		mkdir -p "$tree$(dirname "$dir")"
		cp -a "$dir" "$tree$dir"
	done
}

# The KVM modules, decompressed (busybox insmod may not read .ko.xz), and
# /kvmsched/kmods.order with their in-guest paths in load order.
ks_stage_kmods() {
	local tree=$1 kver=$2 kmoddir=$3 file dest base
	: >"$tree/kvmsched/kmods.order"
	[[ -n $kmoddir ]] || return 0
	base=$(ks_kmod_base "$kver" "$kmoddir")
	while read -r file; do
		dest=${file#"$base"}
		dest=${dest%.xz}
		mkdir -p "$tree$(dirname "$dest")"
		case $file in
		*.ko.xz) xz -dc "$file" >"$tree$dest" ;;
		*.ko) cp "$file" "$tree$dest" ;;
		*) echo "initramfs: cannot handle module $file" >&2; return 1 ;;
		esac
		echo "$dest" >>"$tree/kvmsched/kmods.order"
	done < <(ks_kmod_files "$kver" "$kmoddir")
	[[ -s $tree/kvmsched/kmods.order ]] || { echo "initramfs: no KVM modules for $kver" >&2; return 1; }
}

# Writes the tree as an uncompressed newc cpio: nothing to decompress in the
# slow emulated guest, and archives concatenate (base + overlay).
ks_cpio() {
	local tree=$1 out=$2
	(cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out"
}

# ks_base_initramfs <kernel-id> <kver> <kmoddir> <scratch dir>: sets
# KS_BASE_CPIO to the cached base cpio, building it first if needed.
ks_base_initramfs() {
	local id=$1 kver=$2 kmoddir=$3 tree=$4/base-tree cache key tmp
	cache=${KVMSCHED_CACHE:-/var/cache/kvmsched}/initramfs
	key=$(ks_base_key "$kver" "$kmoddir")
	KS_BASE_CPIO=$cache/$id-$key.cpio
	[[ ! -f $KS_BASE_CPIO ]] || return 0

	echo "# $id: building base initramfs $KS_BASE_CPIO"
	mkdir -p "$cache"
	rm -rf "$tree"
	ks_stage_layout "$tree"
	ks_stage_busybox "$tree"
	ks_stage_qemu "$tree"
	ks_stage_irqbalance "$tree"
	ks_stage_kmods "$tree" "$kver" "$kmoddir"
	# Build under a temporary name: a run stopped half-way leaves no bad cache.
	tmp=$(mktemp "$cache/.$id-XXXXXX")
	ks_cpio "$tree" "$tmp" || { rm -f "$tmp"; return 1; }
	chmod 644 "$tmp"
	rm -rf "$tree"
	# Older bases of this kernel id are dead weight (about 60 MB each).
	find "$cache" -maxdepth 1 -name "$id-*.cpio" -delete
	mv -f "$tmp" "$KS_BASE_CPIO"
}
