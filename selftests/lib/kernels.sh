# shellcheck shell=bash
# Kernel ids of the test tiers and how to find their pieces.
#
#   deb61   newest installed Debian 12 kernel 6.1.x (-amd64 flavour)
#   deb612  newest installed bookworm-backports kernel 6.12.x
#   debug   the kernel tree printed by selftests/kernel/build.sh (KVM built in)
#   newest  trixie-backports' newest kernel (7.3.x today), from the build root
#           printed by selftests/kernel/newest.sh trixie
#   sid     sid's newest kernel (7.2.x today): headers only, compile tests
#
# ks_kernel_resolve <id> sets:
#   KS_KVER     kernel release string (uname -r of the guest)
#   KS_KIMAGE   the image QEMU boots (-kernel)
#   KS_KDIR     kernel build dir for out-of-tree modules (make -C)
#   KS_KMODDIR  /lib/modules/<ver> holding its KVM modules, empty when KVM is built in
#   KS_KROOT    the chroot whose tools build for it (KS_KDIR is inside), or empty
# Sourced by deps.sh and run-vm.sh; the caller owns the shell options.

KS_DEPS_KERNELS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Newest installed Debian kernel of a series (6.1, 6.12) that has its image,
# its modules and its headers. The regex leaves out the cloud and rt flavours,
# which lack drivers the guest needs or change the scheduler.
ks_debian_kver() {
	local series=$1 img ver found=()
	local re="^${series//./\\.}\\.[0-9]+(-[0-9]+)?(\\+[a-z0-9]+)?-amd64\$"
	for img in /boot/vmlinuz-"$series".*-amd64; do
		ver=${img#/boot/vmlinuz-}
		[[ $ver =~ $re ]] || continue
		[[ -f /lib/modules/$ver/modules.dep && -f /usr/src/linux-headers-$ver/Makefile ]] || continue
		found+=("$ver")
	done
	((${#found[@]})) || return 1
	printf '%s\n' "${found[@]}" | sort -V | tail -n 1
}

ks_kernel_series() {
	case $1 in
	deb61) echo 6.1 ;;
	deb612) echo 6.12 ;;
	*) return 1 ;;
	esac
}

# Builds (or finds cached) the debug kernel; its build output goes to $2.
# Prints the build dir. Fails if the builder is missing or fails.
ks_debug_kernel_dir() {
	local builder=$1 log=$2 out dir
	[[ -f $builder ]] || { echo "no $builder yet" >"$log"; return 1; }
	out=$(bash "$builder" 2>"$log") || return 1
	dir=${out##*$'\n'}
	[[ -f $dir/arch/x86/boot/bzImage ]] || { echo "builder printed '$dir': no arch/x86/boot/bzImage there" >>"$log"; return 1; }
	printf '%s\n' "$dir"
}

# ks_kernel_resolve <id> [<debug builder> <debug build log>]
# shellcheck disable=SC2034 # the KS_K* variables are this function's output
ks_kernel_resolve() {
	local id=$1 series dir
	KS_KROOT=""
	case $id in
	deb61 | deb612)
		series=$(ks_kernel_series "$id")
		KS_KVER=$(ks_debian_kver "$series") || {
			echo "no installed $series kernel with modules and headers (run selftests/lib/deps.sh)" >&2
			return 1
		}
		KS_KIMAGE=/boot/vmlinuz-$KS_KVER
		KS_KDIR=/lib/modules/$KS_KVER/build
		KS_KMODDIR=/lib/modules/$KS_KVER
		;;
	debug)
		dir=$(ks_debug_kernel_dir "$2" "$3") || return 1
		KS_KVER=$(cat "$dir/include/config/kernel.release")
		KS_KIMAGE=$dir/arch/x86/boot/bzImage
		KS_KDIR=$dir
		KS_KMODDIR=""
		;;
	newest | sid)
		dir=$(bash "$KS_DEPS_KERNELS_DIR/../kernel/newest.sh" "${id/newest/trixie}") || return 1
		KS_KVER=$(cat "$dir/kver")
		KS_KROOT=$dir/root
		KS_KDIR=/usr/src/linux-headers-$KS_KVER
		KS_KIMAGE="" KS_KMODDIR=""
		if [[ $id == newest ]]; then
			KS_KIMAGE=$dir/kernel/usr/lib/modules/$KS_KVER/vmlinuz
			KS_KMODDIR=$dir/kernel/usr/lib/modules/$KS_KVER
		fi
		;;
	*)
		echo "unknown kernel id '$id' (deb61, deb612, debug, newest, sid)" >&2
		return 1
		;;
	esac
}

# ks_kmake <module dir> <make args...>: make -C "$KS_KDIR" M=<module dir> with
# the kernel's own tools. For a kernel built in a chroot, the module dir is
# bound at the same path inside it, with /proc (7.x objtool reads it) and
# /dev, in a private mount namespace that ends with the build.
ks_kmake() {
	local dir=$1
	shift
	if [[ -z ${KS_KROOT-} ]]; then
		make -C "$KS_KDIR" M="$dir" "$@"
		return
	fi
	unshare -m -- /bin/sh -c '
		r=$1 d=$2; shift 2
		mount --make-rprivate /
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mkdir -p "$r$d"
		mount --bind "$d" "$r$d"
		exec chroot "$r" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root "$@"' \
		sh "$KS_KROOT" "$dir" make -C "$KS_KDIR" M="$dir" "$@"
}
