# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest-side tests (busybox sh). Each test prints TAP lines
# "ok - ..." / "not ok - ..."; the harness numbers and counts them.

KS=${KS:-/sys/kernel/kvmsched}
KSDIR=${KSDIR:-/kvmsched}
PATH=$KSDIR/bin:$PATH

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
skip() { echo "ok - $* # SKIP"; }

# check DESC CMD...: one TAP line for the outcome of CMD.
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else nok "$_d"; fi
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (got '$2', want '$3')"; fi
}

# wait_for SECONDS CMD...: polls CMD every 100 ms.
wait_for() {
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	return 1
}

ks_loaded() { [ -d "$KS" ]; }
ks_load() { ks_loaded || insmod "$KSDIR/kvmsched.ko"; }
ks_unload() { ! ks_loaded || rmmod kvmsched; }

# start_vmm READY ARGS...: starts ksvmm in the background, sets VMM_PID,
# and waits until every vCPU has run (the ready file exists).
start_vmm() {
	_r=$1
	shift
	rm -f "$_r"
	ksvmm -r "$_r" "$@" >"$_r.out" 2>&1 &
	VMM_PID=$!
	wait_for 60 test -f "$_r"
}

# stop_vmm PID: SIGTERM, then the exit status of ksvmm (0: every vCPU ran,
# no KVM error).
stop_vmm() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}

# vm_dirs PID: the VM directories of process PID.
vm_dirs() { ls -d "$KS/vms/$1"-* 2>/dev/null; }
nr_vm_dirs() { vm_dirs "$1" | wc -l; }
has_vm_dirs() { [ "$(nr_vm_dirs "$1")" -eq "$2" ]; }
no_vm_dirs() { [ "$(nr_vm_dirs "$1")" -eq 0 ]; }

# vcpus_listed PID N: every VM of PID shows N vCPU dirs.
vcpus_listed() {
	for _d in $(vm_dirs "$1"); do
		[ "$(ls "$_d/vcpus" | wc -l)" -eq "$2" ] || return 1
	done
	[ -n "$(vm_dirs "$1")" ]
}

# tree_matches_ready READY PID: for every "vm I fd F vcpu ID tid T" line
# ksvmm wrote, exactly one VM dir of PID has vcpus/ID/tid == T, and T is a
# thread of PID. Prints the mismatches.
tree_matches_ready() {
	_bad=0
	while read -r _k _i _f _fd _v _id _t _tid; do
		[ "$_k" = vm ] || continue
		_hits=0
		for _d in $(vm_dirs "$2"); do
			[ "$(cat "$_d/vcpus/$_id/tid" 2>/dev/null)" = "$_tid" ] &&
				_hits=$((_hits + 1))
		done
		if [ "$_hits" -ne 1 ] || [ ! -d "/proc/$2/task/$_tid" ]; then
			echo "# vcpu $_id tid $_tid: $_hits dirs match"
			_bad=1
		fi
	done <"$1"
	return $_bad
}

# kvm_modules_builtin: true on a kernel with KVM built in (nothing to unload).
kvm_modules_builtin() { ! grep -q '^kvm ' /proc/modules; }

# QEMU as a real VMM inside the emulated host: no firmware output, no
# devices; SeaBIOS runs and halts, which is all the vCPUs need to exist.
start_qemu() {
	qemu-system-x86_64 -accel kvm -M pc -smp "$1" -m 64 -nodefaults \
		-display none -no-user-config >/tmp/qemu.out 2>&1 &
	QEMU_PID=$!
}

# qemu_tids_match PID: each "CPU n/KVM" thread of QEMU PID is the tid of
# vcpus/n in its (single) VM dir.
qemu_tids_match() {
	_d=$(vm_dirs "$1")
	[ -n "$_d" ] || return 1
	_seen=0
	for _t in /proc/"$1"/task/*; do
		_c=$(cat "$_t/comm" 2>/dev/null)
		case "$_c" in
		"CPU "*/KVM) ;;
		*) continue ;;
		esac
		_n=${_c#CPU }
		_n=${_n%/KVM}
		[ "$(cat "$_d/vcpus/$_n/tid" 2>/dev/null)" = "${_t##*/}" ] ||
			return 1
		_seen=$((_seen + 1))
	done
	[ "$_seen" -gt 0 ]
}

# nr_qemu_vcpu_threads PID
nr_qemu_vcpu_threads() { cat /proc/"$1"/task/*/comm 2>/dev/null | grep -c '^CPU .*/KVM$'; }
qemu_vcpus_up() { [ "$(nr_qemu_vcpu_threads "$1")" -eq "$2" ]; }
vms_empty() { [ -z "$(ls "$KS/vms")" ]; }
