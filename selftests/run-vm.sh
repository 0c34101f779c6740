#!/bin/bash
# Builds kvmsched for one test kernel, boots that kernel under QEMU (TCG with
# nested SVM: real KVM inside the guest) with the tests in an initramfs, and
# judges the run from the guest's result port, never from QEMU's exit code.
#
#   run-vm.sh --kernel deb61|deb612|debug|newest [--demo | --icount | --numa]
#
# --icount boots a one-CPU host under -icount shift=0 (its clock counts
# instructions) and runs only the tests marked for it (the KVM_RUN cost
# benchmark); its outputs and TAP lines are named <kernel>-icount.
# --numa boots an eight-CPU host of two nodes (and a memory-only third)
# and runs only the NUMA tests; named <kernel>-numa.
#
# Prints TAP lines "ok - <kernel>: ..." / "not ok - <kernel>: ...", then
# "# <kernel>: N passed, N failed, N skipped"; exits 1 if anything failed.
# Outputs land in <repo>/build/<kernel>/ (console.log, result.log, build.log...).
#
# Environment: KS_TESTS (e.g. "10,80": run only tests 10-*.sh, 80-*.sh), KS_SMP (4), KS_MEM (2048 MiB), KS_BOOT_TIMEOUT (1500 s),
# KS_STALL_TIMEOUT (600 s without a byte from the guest), KS_CMDLINE_EXTRA, KS_QEMU_EXTRA (split on spaces), KVMSCHED_CACHE
# (/var/cache/kvmsched: cached base initramfs).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
shopt -s inherit_errexit nullglob

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")

# Kernel messages that mean a bug, whatever the tests said. WARNING: and BUG:
# only open a message (after the timestamp): "Speculative Return Stack
# Overflow: WARNING: ..." is a boot notice, not a WARN().
L='(^|\] )'
SPLATS="${L}WARNING:|${L}BUG:|kernel BUG at|Oops|general protection fault|Call Trace"
SPLATS+='|Kernel panic|RIP: 0010:' # RIP lines name the faulting function
SPLATS+='|circular locking|possible recursive locking|inconsistent lock state'
SPLATS+='|sleeping function called from invalid context|suspected memory leak'
SPLATS+='|DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator|lockdep is turned off'
SPLATS+='|kobject.*(has no release|does not have a release|is not initialized|initialized object)'
SPLATS+='|refcount_t:|UBSAN:|KASAN:'

KID="" NAME="" DEMO=0 ICOUNT=0 NUMA=0
PASSED=0 FAILED=0 SKIPPED=0

usage() {
	echo "usage: $0 --kernel deb61|deb612|debug|newest [--demo | --icount | --numa]" >&2
	exit 2
}

parse_args() {
	while (($#)); do
		case $1 in
		--kernel) KID=${2:-}; shift 2 || usage ;;
		--demo) DEMO=1; shift ;;
		--icount) ICOUNT=1; shift ;;
		--numa) NUMA=1; shift ;;
		*) usage ;;
		esac
	done
	[[ $KID =~ ^(deb61|deb612|debug|newest)$ ]] && ((DEMO + ICOUNT + NUMA < 2)) || usage
	NAME=$KID
	((ICOUNT == 0)) || NAME=$KID-icount
	((NUMA == 0)) || NAME=$KID-numa
}

# One TAP line, counted. "# SKIP" counts as skipped whether ok or not ok.
tap() {
	echo "$1"
	case $1 in
	*"# SKIP"*) SKIPPED=$((SKIPPED + 1)) ;;
	"not ok "*) FAILED=$((FAILED + 1)) ;;
	"ok "*) PASSED=$((PASSED + 1)) ;;
	esac
}
ok() { tap "ok - $NAME: $*"; }
not_ok() { tap "not ok - $NAME: $*"; }
# Turns stdin into TAP comments.
comment() { sed 's/^/# /'; }

finish() {
	echo "# $NAME: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	((FAILED == 0)) || exit 1
	exit 0
}

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

resolve_kernel() {
	local log=$OUT/kernel-build.log
	[[ $KID != debug ]] || echo "# debug: finding or building the debug kernel (log: $log)"
	ks_kernel_resolve "$KID" "$HERE/kernel/build.sh" "$log" && return 0
	if [[ $KID == debug ]]; then
		not_ok "debug kernel build"
		tail -n 40 "$log" | comment
	else
		not_ok "kernel $KID installed"
	fi
	finish
}

# A full build in a fresh copy: an incremental one would hide the warnings of
# files that did not change.
build_module() {
	local items=() f rc=0 warnings
	if [[ ! -f $REPO/Kbuild ]]; then
		not_ok "build W=1 clean"
		echo "# no Kbuild in $REPO: no module to test yet"
		finish
	fi
	rm -rf "$OUT/src"
	mkdir -p "$OUT/src"
	for f in Kbuild Makefile module include; do
		[[ ! -e $REPO/$f ]] || items+=("$REPO/$f")
	done
	rsync -a "${items[@]}" "$OUT/src/"
	ks_kmake "$OUT/src" W=1 -j"$(nproc)" modules >"$OUT/build.log" 2>&1 || rc=$?
	# Case-insensitive: modpost says "WARNING:" (undefined symbols, sections).
	warnings=$(grep -i 'warning:' "$OUT/build.log" || true)
	[[ $rc -ne 0 || -f $OUT/src/kvmsched.ko ]] || { echo "no kvmsched.ko built" >>"$OUT/build.log"; rc=1; }
	# The test-only modules (selftests/kmods), held to the same standard.
	if [[ $rc -eq 0 ]]; then
		rm -rf "$OUT/kmods"
		cp -a "$HERE/kmods" "$OUT/kmods"
		ks_kmake "$OUT/kmods" W=1 -j"$(nproc)" modules >>"$OUT/build.log" 2>&1 || rc=$?
		warnings=$(grep -i 'warning:' "$OUT/build.log" || true)
	fi
	if [[ $rc -eq 0 && -z $warnings ]]; then
		ok "build W=1 clean"
		return
	fi
	not_ok "build W=1 clean"
	[[ -z $warnings ]] || comment <<<"$warnings"
	if [[ $rc -ne 0 ]]; then
		grep -v -i 'warning:' "$OUT/build.log" | tail -n 30 | comment
		finish
	fi
}

# Static, so they run in the guest with no libraries. Rebuilt every run: a few
# seconds, and never a stale binary.
build_clients() {
	local src name failed=()
	rm -rf "${OUT:?}/bin"
	mkdir -p "$OUT/bin"
	: >"$OUT/clients.log"
	for src in "$HERE"/clients/*.c "$REPO"/tools/*/*.c; do
		name=$(basename "$src" .c)
		gcc -O2 -Wall -Wextra -Werror -static -pthread -I"$REPO/include" -o "$OUT/bin/$name" "$src" >>"$OUT/clients.log" 2>&1 ||
			failed+=("$name")
	done
	if ((${#failed[@]})); then
		not_ok "clients build: ${failed[*]}"
		comment <"$OUT/clients.log"
	fi
}

# The per-run part of the initramfs, appended to the cached base: the kernel
# unpacks concatenated archives in order.
build_initrd() {
	local tree=$OUT/overlay
	rm -rf "$tree"
	mkdir -p "$tree/kvmsched"
	install -m 755 "$HERE/init" "$tree/init"
	cp "$OUT/src/kvmsched.ko" "$tree/kvmsched/"
	# Built only against kernels with CONFIG_KUNIT (the debug kernel).
	[[ ! -f $OUT/src/kvmsched_kunit.ko ]] || cp "$OUT/src/kvmsched_kunit.ko" "$tree/kvmsched/"
	cp "$OUT"/kmods/*.ko "$tree/kvmsched/"
	cp -a "$OUT/bin" "$tree/kvmsched/bin"
	[[ ! -d $HERE/tests ]] || cp -a "$HERE/tests" "$tree/kvmsched/tests"
	[[ ! -d $HERE/bench ]] || cp -a "$HERE/bench" "$tree/kvmsched/bench"
	[[ ! -d $REPO/sysfs-abi ]] || cp -a "$REPO/sysfs-abi" "$tree/kvmsched/abi"
	[[ ! -d $REPO/examples ]] || cp -a "$REPO/examples" "$tree/kvmsched/examples"
	[[ ! -f $HERE/demo.sh ]] || cp "$HERE/demo.sh" "$tree/kvmsched/demo.sh"
	ks_cpio "$tree" "$OUT/overlay.cpio"
	cat "$KS_BASE_CPIO" "$OUT/overlay.cpio" >"$OUT/initrd.cpio"
}

# Stops QEMU when neither serial port got a byte for KS_STALL_TIMEOUT seconds:
# a frozen guest says nothing and would hold the run until the boot timeout.
# A healthy guest is never that quiet: init reports a test stuck for its
# timeout + 30 s (300 + 30) and starts each test with a line. Before the end,
# an NMI from the monitor makes the guest panic (unknown_nmi_panic) and print
# every CPU's backtrace (panic_print=0x40): a frozen guest still takes NMIs.
watch_stall() {
	local size last="" quiet=0
	while sleep 10; do
		size=$(cat "$OUT/console.log" "$OUT/result.log" 2>/dev/null | wc -c)
		if [[ $size != "$last" ]]; then
			last=$size quiet=0
			continue
		fi
		quiet=$((quiet + 10))
		if ((quiet >= ${KS_STALL_TIMEOUT:-600})); then
			echo "no output for ${quiet}s (NMI sent: backtraces in the console)" >"$OUT/stalled"
			# Read-write open: never blocks, even if QEMU is gone.
			echo nmi 1<>"$OUT/monitor.in"
			sleep 60
			kill -TERM "$(cat "$OUT/qemu.pid")"
			return
		fi
	done
}

# ttyS0 = console, ttyS1 = result port; -nodefaults so that no default serial,
# monitor, NIC or VGA is added. For --demo the result port (the story) is
# followed on the terminal while the guest runs.
# oops=panic: a kernel that goes on after an Oops tends to wedge minutes later,
# the first (telling) trace buried under thousands of lines.
# thread=single: multi-threaded TCG runs stale code across the kernel's
# text_poke_bp() patching (ftrace, kprobes, static keys), which showed as
# "Oops: int3" and calls to address 0 at patch sites; one vCPU thread at a
# time is exact.
boot() {
	local append console extra=() watcher
	append="console=ttyS0 loglevel=7 panic=-1 panic_on_warn=1 oops=panic slab_nomerge"
	append+=" unknown_nmi_panic panic_print=0x40"
	append+=" kvmsched.kernel=$KID"
	((DEMO == 0)) || append+=" kvmsched.demo"
	((ICOUNT == 0)) || append+=" kvmsched.icount kvmsched.tests=92"
	((NUMA == 0)) || append+=" kvmsched.tests=86,93"
	[[ -z ${KS_TESTS:-} ]] || append+=" kvmsched.tests=$KS_TESTS"
	append+=" ${KS_CMDLINE_EXTRA:-}"
	console="file,id=con,path=$OUT/console.log"
	read -ra extra <<<"${KS_QEMU_EXTRA:-}"
	local smp=${KS_SMP:-4}
	if ((ICOUNT)); then
		smp=1
		extra+=(-icount shift=0)
	fi
	# Two nodes of four CPUs and half the memory each, and a third node
	# with memory only (a node that can home no VM).
	if ((NUMA)); then
		smp=8,sockets=2,cores=4
		extra+=(-object "memory-backend-ram,id=m0,size=$((${KS_MEM:-2048} / 2))M"
			-numa node,nodeid=0,cpus=0-3,memdev=m0
			-object "memory-backend-ram,id=m1,size=$((${KS_MEM:-2048} / 2 - 256))M"
			-numa node,nodeid=1,cpus=4-7,memdev=m1
			-object memory-backend-ram,id=m2,size=256M
			-numa node,nodeid=2,memdev=m2)
	fi
	# An IOMMU with interrupt remapping and two edu devices (one MSI each)
	# to pass through with VFIO: the host IRQs of the steering tests.
	if ((ICOUNT + NUMA == 0)); then
		append+=" intel_iommu=on"
		extra+=(-device intel-iommu,intremap=on -device edu -device edu)
	fi
	rm -f "$OUT"/{console.log,result.log,qemu.pid,stalled,monitor.in,monitor.out}
	# The HMP monitor on a FIFO pair (QEMU's pipe chardev), for watch_stall.
	mkfifo "$OUT/monitor.in" "$OUT/monitor.out"
	# Its own stdout: a sleep it leaves behind must not hold a caller's pipe.
	watch_stall >/dev/null 2>&1 &
	watcher=$!
	if ((DEMO)); then
		: >"$OUT/result.log"
		{
			tail -n +1 -F "$OUT/result.log" 2>/dev/null &
			echo $! >"$OUT/tail.pid"
			wait
		} | tr -d '\r' |
			awk '/^# dmesg-begin$/ { exit } /^ok - \/dev\/kvm present$/ { next }
				{ print; fflush() }' >&3 &
	fi
	QEMU_RC=0
	timeout --foreground -k 10 "${KS_BOOT_TIMEOUT:-1500}" \
		qemu-system-x86_64 -nodefaults -M q35 -accel tcg,thread=single -cpu EPYC-Rome,+svm \
		-smp "$smp" -m "${KS_MEM:-2048}" -display none -no-reboot \
		-kernel "$KS_KIMAGE" -initrd "$OUT/initrd.cpio" \
		-chardev "$console" -serial chardev:con -serial "file:$OUT/result.log" \
		-chardev "pipe,id=mon,path=$OUT/monitor" -mon chardev=mon,mode=readline \
		-pidfile "$OUT/qemu.pid" -append "$append" "${extra[@]}" 2>"$OUT/qemu.log" || QEMU_RC=$?
	kill "$watcher" 2>/dev/null || true
	wait "$watcher" || true
	if ((DEMO)); then
		kill "$(cat "$OUT/tail.pid")" 2>/dev/null || true
		wait
	fi
}

verdict() {
	local results dmesg line found
	results=$(tr -d '\r' <"$OUT/result.log" 2>/dev/null || true)
	# TAP lines and their "# " comments (a kmemleak report), less the dmesg.
	while IFS= read -r line; do
		case $line in
		"#"*) echo "$line" ;;
		*) tap "$(sed -E "s/^(not )?ok - /\\1ok - $NAME: /" <<<"$line")" ;;
		esac
	done < <(awk '/^# dmesg-begin$/ { d = 1 } /^# (dmesg-end|kvmsched-done)$/ { d = 0; next }
		!d && /^((not )?ok |# )/ { print }' <<<"$results")

	if grep -qx '# kvmsched-done' <<<"$results"; then
		ok "guest completed"
	else
		not_ok "guest completed"
		[[ $QEMU_RC -ne 124 ]] || echo "# killed after ${KS_BOOT_TIMEOUT:-1500}s"
		[[ ! -f $OUT/stalled ]] || echo "# killed: $(cat "$OUT/stalled")"
		echo "# qemu exit status $QEMU_RC; last console lines:"
		tr -d '\r' <"$OUT/console.log" 2>/dev/null | tail -n 60 | comment
		grep -v "TCG doesn't support requested feature" "$OUT/qemu.log" | comment || true
	fi

	dmesg=$(awk '/^# dmesg-end$/ { d = 0 } d { print } /^# dmesg-begin$/ { d = 1 }' <<<"$results")
	[[ -n $dmesg ]] || dmesg=$(tr -d '\r' <"$OUT/console.log" 2>/dev/null || true)
	found=$(grep -E "$SPLATS" <<<"$dmesg" || true)
	if [[ -z $found ]]; then
		ok "no kernel splats"
	else
		not_ok "no kernel splats"
		# The first ones tell the story; a crash loop can match thousands.
		head -n 40 <<<"$found" | comment
		echo "# ($(wc -l <<<"$found") matching lines; full log: $OUT/result.log, $OUT/console.log)"
	fi
}

main() {
	local t
	parse_args "$@"
	# The demo's terminal gets the story; the rest (apt, builds, the
	# verdict) goes to build/demo.log.
	if ((DEMO)); then
		mkdir -p "$REPO/build"
		exec 3>&1 >"$REPO/build/demo.log" 2>&1
		echo "kvmsched demo: preparing and booting an emulated KVM host" \
			"(a minute or more; log: build/demo.log)" >&3
	fi
	# shellcheck source=lib/deps.sh
	source "$HERE/lib/deps.sh"
	# shellcheck source=lib/initramfs.sh
	source "$HERE/lib/initramfs.sh"
	OUT=$REPO/build/$NAME
	mkdir -p "$OUT"

	t=$EPOCHREALTIME
	resolve_kernel
	echo "# $NAME: kernel $KS_KVER ($KS_KIMAGE) $(since "$t")"
	t=$EPOCHREALTIME
	build_module
	build_clients
	echo "# $NAME: module and clients built $(since "$t")"
	t=$EPOCHREALTIME
	ks_base_initramfs "$KID" "$KS_KVER" "$KS_KMODDIR" "$OUT"
	build_initrd
	echo "# $NAME: initramfs $(du -m "$OUT/initrd.cpio" | cut -f1) MiB $(since "$t")"
	t=$EPOCHREALTIME
	boot
	echo "# $NAME: boot $(since "$t") (qemu exit status $QEMU_RC)"
	verdict
	if ((DEMO)); then
		echo >&3
		grep -E '^(not )?ok - .*(guest completed|no kernel splats)' \
			"$REPO/build/demo.log" | sed 's/^/demo: /' >&3
		echo "demo: the whole log is build/demo.log, the guest's console" \
			"build/$NAME/console.log" >&3
	fi
	finish
}

main "$@"
