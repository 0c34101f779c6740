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
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else nok "$desc"; fi
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (got '$2', want '$3')"; fi
}

# wait_for SECONDS CMD...: polls CMD every 100 ms.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		usleep 100000
		n=$((n - 1))
	done
	return 1
}

ks_loaded() { [ -d "$KS" ]; }

# Every capability with kvm.ko loaded, and ks_caps: the capabilities line
# without "slice", which only kernels with EEVDF custom slices (6.12+) list.
KS_ALL_CAPS="vm_destroy vcpu_create stats halt_poll vcpu_run affinity sched rt_guard irq"
ks_caps() { sed 's/ slice / /; s/ slice$//' "$KS/capabilities"; }
ks_load() { ks_loaded || insmod "$KSDIR/kvmsched.ko"; }
ks_unload() { ! ks_loaded || rmmod kvmsched; }

# start_vmm READY ARGS...: starts ksvmm in the background, sets VMM_PID,
# and waits until every vCPU has run (the ready file exists).
start_vmm() {
	local ready=$1
	shift
	rm -f "$ready"
	ksvmm -r "$ready" "$@" >"$ready.out" 2>&1 &
	VMM_PID=$!
	wait_for 60 test -f "$ready"
}

# start_vmm_early READY N ARGS...: starts ksvmm in the background, sets
# VMM_PID, and waits until N vCPU dirs are listed, before they run when ARGS
# delay the guest (-p main -d MS).
start_vmm_early() {
	local ready=$1 n=$2
	shift 2
	rm -f "$ready"
	ksvmm -r "$ready" "$@" >"$ready.out" 2>&1 &
	VMM_PID=$!
	wait_for 10 vcpus_listed $VMM_PID "$n"
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
	local d
	for d in $(vm_dirs "$1"); do
		[ "$(ls "$d/vcpus" | wc -l)" -eq "$2" ] || return 1
	done
	[ -n "$(vm_dirs "$1")" ]
}

# tree_matches_ready READY PID: for every "vm I fd F vcpu ID tid T" line
# ksvmm wrote, exactly one VM dir of PID has vcpus/ID/tid == T, and T is a
# thread of PID. Prints the mismatches.
tree_matches_ready() {
	local bad=0 k i f fd v id t tid hits d
	while read -r k i f fd v id t tid _; do
		[ "$k" = vm ] || continue
		hits=0
		for d in $(vm_dirs "$2"); do
			[ "$(cat "$d/vcpus/$id/tid" 2>/dev/null)" = "$tid" ] &&
				hits=$((hits + 1))
		done
		if [ "$hits" -ne 1 ] || [ ! -d "/proc/$2/task/$tid" ]; then
			echo "# vcpu $id tid $tid: $hits dirs match"
			bad=1
		fi
	done <"$1"
	return $bad
}

# kvm_modules_builtin: true on a kernel with KVM built in (nothing to unload).
kvm_modules_builtin() { ! grep -q '^kvm ' /proc/modules; }

# QEMU as a real VMM inside the emulated host: no devices; SeaBIOS runs
# and halts, which is all the vCPUs need. debug-threads=on (as libvirt
# passes) is what names the vCPU threads "CPU n/KVM".
start_qemu() {
	qemu-system-x86_64 -accel kvm -M pc -smp "$1" -m 64 -nodefaults \
		-name kvmsched-test,debug-threads=on \
		-display none -no-user-config >/tmp/qemu.out 2>&1 &
	QEMU_PID=$!
}

# qemu_tids_match PID: each "CPU n/KVM" thread of QEMU PID is the tid of
# vcpus/n in its (single) VM dir.
qemu_tids_match() {
	local d t c n seen=0
	d=$(vm_dirs "$1")
	[ -n "$d" ] || return 1
	for t in /proc/"$1"/task/*; do
		c=$(cat "$t/comm" 2>/dev/null)
		case "$c" in
		"CPU "*/KVM) ;;
		*) continue ;;
		esac
		n=${c#CPU }
		n=${n%/KVM}
		[ "$(cat "$d/vcpus/$n/tid" 2>/dev/null)" = "${t##*/}" ] ||
			return 1
		seen=$((seen + 1))
	done
	[ "$seen" -gt 0 ]
}

# qemu_vcpu_tids PID: the tids of QEMU PID's "CPU n/KVM" threads.
qemu_vcpu_tids() {
	local t
	for t in /proc/"$1"/task/*; do
		case "$(cat "$t/comm")" in "CPU "*/KVM) echo "${t##*/}" ;; esac
	done
}

# qemu_emulator_mask_is PID LIST: every other thread of QEMU PID has
# affinity LIST.
qemu_emulator_mask_is() {
	local t
	for t in /proc/"$1"/task/*; do
		case "$(cat "$t/comm")" in "CPU "*/KVM) continue ;; esac
		[ "$(cpus_allowed "${t##*/}")" = "$2" ] || return 1
	done
}

# stop_pids PIDS: SIGTERM to each, then waits for it.
stop_pids() {
	local p
	for p in $1; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

# nr_qemu_vcpu_threads PID
nr_qemu_vcpu_threads() { cat /proc/"$1"/task/*/comm 2>/dev/null | grep -c '^CPU .*/KVM$'; }
qemu_vcpus_up() { [ "$(nr_qemu_vcpu_threads "$1")" -eq "$2" ]; }
vms_empty() { [ -z "$(ls "$KS/vms")" ]; }

# The kvm:kvm_entry trace event records the CPU of every guest entry: an
# independent witness of where vCPUs really ran.
TRACEFS=/sys/kernel/tracing
# trace_kvm_start EVENT: records kvm:EVENT from now on, alone.
trace_kvm_start() {
	echo 0 >"$TRACEFS/tracing_on"
	# Big enough that a few seconds of events never overwrite the first.
	echo 16384 >"$TRACEFS/buffer_size_kb"
	echo >"$TRACEFS/trace"
	echo 1 >"$TRACEFS/events/kvm/$1/enable"
	echo 1 >"$TRACEFS/tracing_on"
}
trace_entries_start() { trace_kvm_start kvm_entry; }

# trace_kvm_stop EVENT: stops recording; prints "<tid> <cpu>" per kvm:EVENT
# recorded. One awk pass over "<comm>-<tid> [<cpu>]" (a comm may hold
# blanks): four times faster than sed with back-references. The CPU's
# leading zeros go first: busybox awk reads "010" as octal.
trace_kvm_stop() {
	echo 0 >"$TRACEFS/tracing_on"
	echo 0 >"$TRACEFS/events/kvm/$1/enable"
	awk -v ev=" $1: " 'index($0, ev) && match($0, /-[0-9]+ +\[[0-9]+\]/) {
		s = substr($0, RSTART + 1, RLENGTH - 2)
		c = substr(s, index(s, "[") + 1)
		sub(/^0+/, "", c)
		print s + 0, c + 0 }' "$TRACEFS/trace"
}
# trace_entries_stop: "<tid> <cpu>" per recorded guest entry.
trace_entries_stop() { trace_kvm_stop kvm_entry; }

# trace_overruns: events lost since the last trace_entries_start (a count
# taken from a lossy trace proves nothing).
trace_overruns() {
	cat "$TRACEFS"/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }'
}

# ready_tids READY [ID]: the tids in a ksvmm ready file (of vCPU ID only).
ready_tids() {
	awk -v id="${2:-}" '$1 == "vm" && (id == "" || $6 == id) { print $8 }' "$1"
}

# entries_summary TRACE "TIDS" "CPUS": "<entries> <entries on other CPUs>"
# for the kvm_entry events of TIDS in a trace_entries_stop output.
entries_summary() {
	awk -v tids="$2" -v cpus="$3" '
	BEGIN { split(tids, t); for (i in t) T[t[i]] = 1
		split(cpus, c); for (i in c) C[c[i]] = 1 }
	($1 in T) { n++; if (!($2 in C)) bad++ }
	END { print n + 0, bad + 0 }' "$1"
}

# check_entries DESC TRACE "TIDS" "CPUS": guest entries were recorded, and
# none on a CPU outside CPUS.
check_entries() {
	local sum n bad
	sum=$(entries_summary "$2" "$3" "$4")
	n=${sum% *}
	bad=${sum#* }
	check "$1: guest entries recorded ($n)" [ "$n" -gt 0 ]
	check_eq "$1: entries outside CPUs $4 (of $n)" "$bad" 0
}

# in_list WORD LIST...: WORD is one of LIST (and not empty).
in_list() {
	local w=$1
	shift
	[ -n "$w" ] && case " $* " in *" $w "*) true ;; *) false ;; esac
}

# cpus_allowed TID: the thread's affinity as a cpulist.
cpus_allowed() { awk '/^Cpus_allowed_list:/ { print $2 }' /proc/"$1"/status 2>/dev/null; }
mask_is() { [ "$(cpus_allowed "$1")" = "$2" ]; }

# try_bad FILE GOOD LIST [WATCH]: writes each "<errno> <input>" line of the
# file LIST to FILE, set to GOOD first. Each write must fail with its errno
# and leave FILE reading GOOD, and WATCH (another file) as it was. A test
# that must change the host for some lines defines bad_before, called with
# the errno before each write, and bad_after, called once at the end.
try_bad() {
	local file=$1 good=$2 list=$3 watch=${4:-} want input got bad=0 n=0 was=
	kswrite "$file" "$good" >/dev/null
	[ -z "$watch" ] || was=$(cat "$watch")
	while read -r want input; do
		! type bad_before >/dev/null 2>&1 || bad_before "$want"
		got=$(kswrite "$file" "$input")
		n=$((n + 1))
		if [ "$got" != "$want" ]; then
			echo "# $file: \"$input\": got $got, want $want"
			bad=1
		fi
		if [ "$(cat "$file")" != "$good" ]; then
			echo "# $file: \"$input\" changed it to $(cat "$file")"
			bad=1
		fi
	done <"$list"
	! type bad_after >/dev/null 2>&1 || bad_after
	check "$file: $n bad inputs rejected with their errno, nothing changed" \
		[ $bad = 0 ]
	[ -z "$watch" ] || check_eq "$file: ${watch##*/} unchanged" \
		"$(cat "$watch")" "$was"
}

# proc_cpu_ns PID: the CPU time of every thread of PID (schedstat), in ns.
proc_cpu_ns() {
	local n=0 f
	for f in /proc/"$1"/task/*/schedstat; do
		n=$((n + $(cut -d' ' -f1 "$f")))
	done
	echo $n
}

# kvm_debugfs PID FILE: KVM's debugfs sum FILE of the (first) VM of PID.
kvm_debugfs() { cat "$(ls -d /sys/kernel/debug/kvm/"$1"-* | head -n 1)/$2"; }
# qemu_halting PID: a QEMU's SeaBIOS, with no boot disk, is past its boot
# device search and waits in HLT for its timer: KVM counts halt exits
# (debugfs) several times a second.
qemu_halting() {
	local h
	h=$(kvm_debugfs "$1" halt_exits)
	usleep 500000
	[ "$(kvm_debugfs "$1" halt_exits)" -ge $((h + 3)) ]
}

# The clock, to 10 ms (busybox date has no %N).
uptime_ns() { awk '{ printf "%.0f\n", $1 * 1e9 }' /proc/uptime; }

# --- Passed-through devices and their host IRQs (the edu test device).

# The PCI addresses of the emulated edu devices (1234:11e8), one a line.
edu_devices() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] &&
			echo "${d##*/}"
	done
}

# vfio_bind BDF: the device driven by vfio-pci (as libvirt's managed mode
# does), its IOMMU group's node present.
vfio_bind() {
	local d=/sys/bus/pci/devices/$1
	[ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" != vfio-pci ] || return 0
	[ ! -e "$d/driver" ] || echo "$1" >"$d/driver/unbind"
	echo vfio-pci >"$d/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	[ -e "/dev/vfio/$(basename "$(readlink "$d/iommu_group")")" ]
}

# vfio_start NAME FD ARGS...: starts ksvfio in the background with its
# commands on FIFO /tmp/NAME.in, held open on descriptor FD (3-9), and
# its replies in /tmp/NAME.out; sets VFIO_PID and waits until every vCPU
# is in the guest.
vfio_start() {
	local name=$1 fd=$2
	shift 2
	rm -f "/tmp/$name.in" "/tmp/$name.out" "/tmp/$name.ready"
	mkfifo "/tmp/$name.in"
	ksvfio -r "/tmp/$name.ready" "$@" <"/tmp/$name.in" >"/tmp/$name.out" 2>&1 &
	VFIO_PID=$!
	eval "exec $fd>/tmp/$name.in"
	wait_for 60 test -f "/tmp/$name.ready"
}

# vfio_cmd NAME FD COMMAND: sends COMMAND, waits for its one reply line,
# prints it; fails unless the reply starts with "ok".
# reads FILE VALUE: FILE holds VALUE now (a condition for wait_for).
reads() { [ "$(cat "$1")" = "$2" ]; }

lines_past() { [ "$(wc -l <"$1")" -gt "$2" ]; }
vfio_cmd() {
	local name=$1 fd=$2 n
	shift 2
	n=$(wc -l <"/tmp/$name.out")
	echo "$*" >&"$fd"
	wait_for 30 lines_past "/tmp/$name.out" "$n" || return 1
	sed -n "$((n + 1))p" "/tmp/$name.out"
	sed -n "$((n + 1))p" "/tmp/$name.out" | grep -q '^ok '
}

# vfio_stop NAME FD PID: quits ksvfio, which must exit 0.
vfio_stop() {
	echo quit >&"$2"
	eval "exec $2>&-"
	wait "$3"
}

# irq_of BDF: the host IRQ of the device's first MSI vector (VFIO's).
irq_of() {
	awk -v n="vfio-msi[0]($1)" '$NF == n { sub(":", "", $1); print $1 }' /proc/interrupts
}

# in_cpulist CPULIST LIST: every CPU of the first is in the second.
in_cpulist() {
	awk -v a="$1" -v b="$2" 'function expand(l, set,   n, i, p, r, c) {
		n = split(l, p, ",")
		for (i = 1; i <= n; i++) {
			if (split(p[i], r, "-") == 1) r[2] = r[1]
			for (c = r[1]; c <= r[2]; c++) set[c] = 1
		}
	}
	BEGIN { expand(a, x); expand(b, y); for (c in x) if (!(c in y)) exit 1 }'
}

# irq_on IRQ CPULIST: the IRQ's mask is CPULIST and it fires within it.
irq_on() {
	[ "$(cat "/proc/irq/$1/smp_affinity_list")" = "$2" ] &&
		in_cpulist "$(cat "/proc/irq/$1/effective_affinity_list")" "$2"
}

# irq_counts IRQ: "cpu:count" for each online CPU (/proc/interrupts has a
# column per online CPU).
irq_counts() {
	awk -v irq="$1:" 'NR == 1 { for (i = 1; i <= NF; i++) cpu[i] = substr($i, 4); n = NF; next }
		$1 == irq { s = ""; for (i = 1; i <= n; i++) s = s " " cpu[i] ":" $(i + 1); print substr(s, 2) }' /proc/interrupts
}

# irq_delta BEFORE AFTER CPULIST: "in N out M": the interrupts between two
# irq_counts on the CPUs of CPULIST and on the others online in both.
irq_delta() {
	awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN {
		n = split(a, x, " ")
		for (i = 1; i <= n; i++) { split(x[i], p, ":"); was[p[1]] = p[2] }
		m = split(l, parts, ",")
		for (i = 1; i <= m; i++) {
			if (split(parts[i], r, "-") == 1) r[2] = r[1]
			for (c = r[1]; c <= r[2]; c++) want[c] = 1
		}
		n = split(b, y, " ")
		for (i = 1; i <= n; i++) {
			split(y[i], p, ":")
			if (!(p[1] in was)) continue
			if (p[1] in want) hit += p[2] - was[p[1]]; else miss += p[2] - was[p[1]]
		}
		printf "in %d out %d\n", hit, miss }'
}
