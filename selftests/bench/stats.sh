#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The statistics and halt-polling benchmark, in one boot of the emulated
# KVM host.
#
# (a) Halt polling. One VM (ksvfio -e, 1 vCPU on CPU 2, its VMM on CPU 1)
#     whose guest halts in KVM and is woken by its VMM's irqfd, under three
#     limits: halt_poll_ns 0, KVM's default (the module-wide
#     kvm.halt_poll_ns) and 5 ms. Two loads each: "storm", wake-ups every
#     300 us that cost the guest no exit (-q, as a virtio guest), where the
#     VM's host CPU is measured (its threads' schedstat, ms per s), and
#     "raise", wake-ups each waited for, where the VMM measures the time
#     from its eventfd write to the guest's handler (p50, p99).
# (b) The sampler's cost. 1, 10 and 100 idle VMs (ksvfio -e -q, halted),
#     diag_window_ms 1000 (a sample of every VM each 100 ms): the CPU time
#     of the sampler's work (ks_diag_fn), timed by ftrace's function_graph
#     tracer, per VM per second of the host. Linear in VMs means the cost
#     per VM stays flat.
# The KVM_RUN path with the sampler at its fastest is a column of the
# KVM_RUN benchmark (bench/kvmrun.sh, instructions under -icount).
. "$KSDIR/tests/lib.sh"

B="bench stats"
T=/sys/kernel/tracing
P=/sys/module/kvmsched/parameters/diag_window_ms
ks_load

# (a)
vfio_start hp 3 -e -n 1 || nok "$B: ksvfio -e started"
LAT_PID=$VFIO_PID
lat=$(vm_dirs $LAT_PID)
echo 2 >"$lat/cpus"
echo 1 >"$lat/emulator_cpus"
vfio_start hq 4 -e -q -n 1 || nok "$B: ksvfio -e -q started"
Q_PID=$VFIO_PID
q=$(vm_dirs $Q_PID)
echo 3 >"$q/cpus"
echo 1 >"$q/emulator_cpus"
echo "# $B: (a) halt_poll_ns | storm: VM CPU ms per s | polling ms per s | wake-ups per s | raise: p50 us | p99 us"
for limit in 0 default 5000000; do
	v=$limit
	[ "$limit" = default ] && v=
	echo "$v" >"$lat/halt_poll_ns"
	echo "$v" >"$q/halt_poll_ns"
	# The halt begun under the previous limit ends first.
	vfio_cmd hq 4 "storm 1 0" >/dev/null
	c0=$(proc_cpu_ns $Q_PID)
	p0=$(($(cat "$q/stats/halt_poll_success_ns") + $(cat "$q/stats/halt_poll_fail_ns")))
	t0=$(uptime_ns)
	r=$(vfio_cmd hq 4 "storm 5000 300") || nok "$B: (a) $limit: storm ($r)"
	t=$(($(uptime_ns) - t0))
	c=$((($(proc_cpu_ns $Q_PID) - c0) * 1000 / t))
	p=$((($(cat "$q/stats/halt_poll_success_ns") + $(cat "$q/stats/halt_poll_fail_ns") - p0) * 1000 / t))
	w=$(echo "$r" | awk -v t=$t '{ for (i = 1; i < NF; i++) if ($i == "counted") printf "%.0f", $(i + 1) * 1e9 / t }')
	vfio_cmd hp 3 "raise 1" >/dev/null
	r=$(vfio_cmd hp 3 "raise 500") || nok "$B: (a) $limit: raise ($r)"
	l=$(echo "$r" | sed 's/.*p50_us=\([^ ]*\) p99_us=\([^ ]*\).*/\1 | \2/')
	echo "# $B: (a) ${limit}$([ "$limit" = default ] && echo " ($(cat /sys/module/kvm/parameters/halt_poll_ns))") | $c | $p | $w | $l"
	check "$B: (a) $limit: both loads ran" [ -n "$w" -a -n "$l" ]
done
check "$B: (a) ksvfio exits 0" vfio_stop hp 3 $LAT_PID
check "$B: (a) ksvfio -q exits 0" vfio_stop hq 4 $Q_PID

# (b)
mkfifo /tmp/bench.idle
exec 5<>/tmp/bench.idle
PIDS=""
# start_idle FROM TO: idle VMs number FROM to TO.
start_idle() {
	local i
	for i in $(seq "$1" "$2"); do
		# Without descriptor 5: closing it must leave no writer.
		ksvfio -e -q -n 1 -r /tmp/idle$i.ready </tmp/bench.idle >/dev/null 2>&1 5>&- &
		PIDS="$PIDS $!"
	done
}
nr_ready() { ls /tmp/idle*.ready 2>/dev/null | wc -l; }
ready_is() { [ "$(nr_ready)" -eq "$1" ] && [ "$(ls "$KS/vms" | wc -l)" -eq "$1" ]; }
rm -f /tmp/idle*.ready
echo 1000 >$P
echo "# $B: (b) VMs | sampler runs | mean us per run | us per VM per s | per VM against 1 VM"
one=
have=0
for n in 1 10 100; do
	start_idle $((have + 1)) $n
	have=$n
	wait_for 120 ready_is $n || nok "$B: (b) $n idle VMs up"
	echo 0 >$T/tracing_on
	echo function_graph >$T/current_tracer
	echo 1 >$T/max_graph_depth
	echo ks_diag_fn >$T/set_graph_function
	echo >$T/trace
	t0=$(uptime_ns)
	echo 1 >$T/tracing_on
	sleep 5
	echo 0 >$T/tracing_on
	t=$(($(uptime_ns) - t0))
	res=$(awk -v t=$t -v n=$n '/ks_diag_fn/ {
		for (i = 1; i < NF; i++) if ($(i + 1) == "us") { s += $i; k++ }
	} END { if (k) printf "%d %.1f %.1f\n", k, s / k, s / n / (t / 1e9) }' $T/trace)
	set -- $res
	[ -n "$one" ] || one=${3:-0}
	echo "# $B: (b) $n | ${1:-0} | ${2:-?} | ${3:-?} | $(awk -v a=${3:-0} -v b=$one 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
	check "$B: (b) $n VMs: the sampler ran and was timed" [ "${1:-0}" -gt 0 ]
done
echo >$T/set_graph_function
echo nop >$T/current_tracer
echo 10000 >$P
exec 5>&-
# End of input: each ksvfio quits.
for p in $PIDS; do
	wait "$p" || nok "$B: (b) idle ksvfio $p exits 0"
done
rm -f /tmp/bench.idle /tmp/idle*.ready
