#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The affinity benchmark: kvmsched against today's userspace recipe, side by
# side in one boot of the emulated KVM host (4 CPUs).
#
# The host is laid out as hosts with dedicated vCPU CPUs are: CPUs 0-1 are
# housekeeping (this script, the agent, the VMM's launcher and main thread),
# the vCPUs may use CPUs $ALLOWED only. The script confines itself to 0-1
# first, so the VMM starts with that mask, as it would from a launcher or
# service confined to housekeeping CPUs, and every thread it creates
# inherits it until something enforces the policy. (Started unconfined, the
# two busy vCPU threads were simply put on the idle CPUs 2-3 by the
# scheduler, and (a) measured nothing in either column.)
#
# One VM, ksvmm in the QEMU/Firecracker "self" pattern (each vCPU thread
# creates its vCPU) with 2 vCPUs running the io guest, which returns to
# userspace on every iteration. Two columns, one after the other:
#   agent     kvmsched not loaded; pinagent -i 10 (selftests/clients) started
#             right after the VMM, as a host hook would, polling every 10 ms;
#   kvmsched  the module loaded and the policy declared by a rule before the
#             VMM exists: rules/bench, match "comm ksvmm", cpus $ALLOWED.
# For each, the kvm:kvm_entry trace event (where each guest entry really
# happened) gives
#   (a) the entries on disallowed CPUs from the VM's start until ~2 s after
#       every vCPU ran (tracing starts before the VMM does);
#   (b) the same over ~2 s after a rogue "taskset -p 0x1" on a running vCPU
#       thread;
# and (c) figures for the cost of enforcing, over a fixed ~5 s window.
#
# Only kvmsched's (a) and (b) are asserted: no entry on a disallowed CPU.
# The agent's figures and every cost figure are reported, never asserted:
# under TCG they are too noisy for a threshold. The table goes out as "# "
# lines, the checks as TAP lines; init relays both to the result port.
. "$KSDIR/tests/lib.sh"
# shellcheck disable=SC2154 # <column>_* variables are set with eval

B="bench affinity"
ALLOWED=2-3
HOUSEKEEPING=0x3	# CPUs 0-1, the complement of ALLOWED on 4 CPUs
TRACE_KB=8192		# per-CPU trace buffer: ~2 s of entries fit
RULE=bench
START_S=2
ROGUE_S=2
WINDOW_S=5
READY=/tmp/bench.ready
EXITS=/sys/kernel/debug/kvm/exits

VMM_PID="" AGENT_PID="" WAS_LOADED=0 OVERWRITE="" BUFFER_KB=""

cleanup_column() {
	[ -z "$AGENT_PID" ] || { kill -TERM "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID"; }
	[ -z "$VMM_PID" ] || { kill -TERM "$VMM_PID" 2>/dev/null; wait "$VMM_PID"; }
	AGENT_PID="" VMM_PID=""
}

# Everything this script may leave behind: the VMM, an agent, the rule, the
# module if it was not loaded at the start, tracing. Also on SIGTERM (the
# test's timeout).
cleanup() {
	cleanup_column
	echo 0 >"$TRACEFS/tracing_on" 2>/dev/null
	echo 0 >"$TRACEFS/events/kvm/kvm_entry/enable" 2>/dev/null
	echo >"$TRACEFS/trace" 2>/dev/null
	[ -z "$OVERWRITE" ] || echo "$OVERWRITE" >"$TRACEFS/options/overwrite"
	[ -z "$BUFFER_KB" ] || echo "$BUFFER_KB" >"$TRACEFS/buffer_size_kb"
	OVERWRITE="" BUFFER_KB=""
	if [ -d "$KS/rules/$RULE" ]; then
		echo "$RULE" >"$KS/rules/remove" ||
			nok "$B: rule $RULE removed at the end"
	fi
	if [ "$WAS_LOADED" = 0 ] && ks_loaded; then
		ks_unload || nok "$B: kvmsched unloaded at the end"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# launch_vmm: starts the VMM without waiting for it (start_vmm waits for
# its ready file; the agent must start with the VMM, not after it). -e: the
# VMM sends itself no signals, so every EINTR from KVM_RUN (KVM_EXIT_INTR)
# it counts is the enforcer's doing; -e also makes the first one fatal.
launch_vmm() {
	rm -f "$READY"
	ksvmm -e -r "$READY" -p self -v 2 -g io >"$READY.out" 2>&1 &
	VMM_PID=$!
}

# vcpu_tids: the vCPU threads of the VMM, from its ready file.
vcpu_tids() { awk '$1 == "vm" { printf "%s ", $8 }' "$READY"; }

# count_entries TIDS <entries: "disallowed all" for the entries of TIDS.
count_entries() {
	awk -v tids="$1" -v allowed="$ALLOWED" '
	BEGIN {
		n = split(tids, t, " ")
		for (i = 1; i <= n; i++)
			mine[t[i]] = 1
		n = split(allowed, r, ",")
		for (i = 1; i <= n; i++) {
			if (split(r[i], ab, "-") == 1)
				ab[2] = ab[1]
			for (c = ab[1] + 0; c <= ab[2] + 0; c++)
				ok[c] = 1
		}
	}
	$1 in mine { all++; if (!(($2 + 0) in ok)) bad++ }
	END { printf "%d %d\n", bad, all }'
}

# trace_lost: events the ring buffer had no room for since the last clear.
# Overwrite is off while the bench runs, so what is lost is the end of a
# window, never its start.
trace_lost() {
	cat "$TRACEFS"/per_cpu/cpu*/stats 2>/dev/null |
		awk '/^dropped events:/ { n += $3 } /^overrun:/ { n += $2 }
			END { print n + 0 }'
}

# per_cpu TIDS <entries: "cpuN:count ..." for the entries of TIDS.
per_cpu() {
	awk -v tids="$1" 'BEGIN { n = split(tids, t, " ")
			for (i = 1; i <= n; i++) mine[t[i]] = 1 }
		$1 in mine { e[$2]++ }
		END { for (c = 0; c < 4096; c++)
			if (c in e) { printf "%scpu%d:%d", sep, c, e[c]; sep = " " } }'
}

# stop_trace NAME: the entries of the VMM's vCPUs since trace_entries_start,
# as "disallowed all lost" in the variable NAME, and where they happened in
# NAME_cpus.
stop_trace() {
	local c l h
	trace_entries_stop >/tmp/bench.entries
	l=$(trace_lost)
	c=$(count_entries "$(vcpu_tids)" </tmp/bench.entries)
	h=$(per_cpu "$(vcpu_tids)" </tmp/bench.entries)
	eval "$1=\"\$c \$l\" $1_cpus=\"\$h\""
}

# CPU time of a process in ms: utime + stime, /proc/PID/stat fields 14 and
# 15, in USER_HZ ticks (100 on every architecture that matters here; the
# comm field is "(ksvmm)", no spaces).
proc_cpu_ms() { awk '{ print ($14 + $15) * 10 }' "/proc/$1/stat"; }
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
kvm_exits() { cat "$EXITS" 2>/dev/null || echo -; }

# The cost window, identical for both columns. Sets <col>_win to
# "window_ms vmm_cpu_ms guest_exits".
cost_window() {
	local t0 t1 c0 c1 e0 e1 ex
	t0=$(uptime_ms) c0=$(proc_cpu_ms "$VMM_PID") e0=$(kvm_exits)
	sleep "$WINDOW_S"
	t1=$(uptime_ms) c1=$(proc_cpu_ms "$VMM_PID") e1=$(kvm_exits)
	ex=-
	[ "$e0" = - ] || [ "$e1" = - ] || ex=$((e1 - e0))
	eval "$1_win=\"$((t1 - t0)) $((c1 - c0)) $ex\""
}

# rogue COL: a foreign sched_setaffinity on a running vCPU thread, then
# ROGUE_S seconds of entries. Sets <col>_rogue and <col>_mask (the rogue
# thread's CPUs at the end).
rogue() {
	local tid
	tid=$(vcpu_tids | cut -d' ' -f1)
	trace_entries_start
	if ! taskset -p 0x1 "$tid" >/dev/null; then
		nok "$B: $1: taskset -p 0x1 $tid"
	fi
	sleep "$ROGUE_S"
	stop_trace "$1_rogue"
	eval "$1_mask=$(awk '/^Cpus_allowed_list:/ { print $2 }' \
		"/proc/$tid/status" 2>/dev/null)"
}

# start COL: starts tracing, the VMM (and whatever the column starts with
# it), and ends START_S seconds after every vCPU ran. Sets <col>_start.
# Returns 1 if the VMM never got ready.
start() {
	local col=$1
	trace_entries_start
	launch_vmm
	if [ "$col" = agent ]; then
		pinagent -p "$VMM_PID" -c "$ALLOWED" -i 10 >/tmp/bench.agent1 2>&1 &
		AGENT_PID=$!
	fi
	if ! wait_for 60 test -f "$READY"; then
		nok "$B: $col: ksvmm ready"
		trace_entries_stop >/dev/null
		cleanup_column
		sed 's/^/# /' "$READY.out"
		return 1
	fi
	sleep "$START_S"
	stop_trace "${col}_start"
}

# stop_agent OUT: SIGTERM, then sets AGENT to the "pins N repairs N cpu_us
# N" line it printed in OUT. Not in a subshell: only the parent can wait.
stop_agent() {
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	AGENT_PID=""
	AGENT=$(grep '^pins ' "$1")
	if [ -z "$AGENT" ]; then
		AGENT="pins - repairs - cpu_us -"
		sed 's/^/# /' "$1"
	fi
}

# intr_count: the EINTRs the VMM's vCPUs got from KVM_RUN, from its output.
intr_count() {
	awk '$1 == "vm" && $9 == "intr" { n += $10 }
		/KVM_RUN failed: Interrupted/ { n++ } END { print n + 0 }' "$READY.out"
}

# end_vmm COLUMN: stops the VMM; sets COLUMN_intr.
end_vmm() {
	check "$B: $1: ksvmm exited cleanly" stop_vmm "$VMM_PID"
	eval "$1_intr=$(intr_count)"
	VMM_PID=""
	sed -n 's/^ksvmm: /# ksvmm: /p' "$READY.out"
}

column_agent() {
	start agent || return
	rogue agent
	# The agent that ran (a) and (b): its pins and repairs.
	stop_agent /tmp/bench.agent1
	agent_fixes=$(echo "$AGENT" | awk '{ print $2 " pins, " $4 " repairs" }')
	# (c): a fresh agent for the window alone; its first pass finds every
	# thread pinned, so it only polls, as it would for the VM's lifetime.
	rm -f /tmp/bench.agent.ready
	pinagent -p "$VMM_PID" -c "$ALLOWED" -i 10 -r /tmp/bench.agent.ready \
		>/tmp/bench.agent2 2>&1 &
	AGENT_PID=$!
	wait_for 10 test -f /tmp/bench.agent.ready
	cost_window agent
	stop_agent /tmp/bench.agent2
	agent_cpu_us=$(echo "$AGENT" | awk '{ print $6 }')
	end_vmm agent
}

column_kvmsched() {
	local d r rules_ok=1
	{
		echo "$RULE" >"$KS/rules/add" &&
			echo "comm ksvmm" >"$KS/rules/$RULE/match" &&
			echo "$ALLOWED" >"$KS/rules/$RULE/cpus"
	} 2>/dev/null || rules_ok=0
	check "$B: kvmsched: rule $RULE declared (rules/add, match, cpus)" \
		test $rules_ok = 1
	start kvmsched || return
	d=$(vm_dirs "$VMM_PID" | head -n 1)
	check_eq "$B: kvmsched: the VM got rule $RULE" \
		"$(cat "$d/rule" 2>/dev/null)" "$RULE"
	check_eq "$B: kvmsched: the VM's cpus" "$(cat "$d/cpus" 2>/dev/null)" \
		"$ALLOWED"
	rogue kvmsched
	# Placement at birth is no repair: only (b) should count here.
	r=$(cat "$d"/vcpus/*/affinity_repairs 2>/dev/null |
		awk '{ n += $1 } END { print NR ? n : "-" }')
	kvmsched_fixes="$r affinity_repairs"
	cost_window kvmsched
	kvmsched_cpu_us=-
	end_vmm kvmsched
}

# frac "disallowed all lost": "D/A (P%)", "+L lost" if the buffer filled.
frac() {
	echo "$1" | awk '$1 == "" { print "-"; exit }
		{ printf "%d/%d (%.2f%%)", $1, $2, $2 ? 100 * $1 / $2 : 0
		  if ($3) printf " +%d lost", $3
		  printf "\n" }'
}

# assert_none COL-VALUE WHAT: the real assertion, no entry on CPUs 0-1.
assert_none() {
	local bad all
	bad=$(echo "$1" | cut -d' ' -f1)
	all=$(echo "$1" | cut -d' ' -f2)
	if [ -z "$1" ]; then
		nok "$B: kvmsched had 0 disallowed entries $2 (not measured)"
	elif [ "$all" -eq 0 ]; then
		nok "$B: kvmsched had 0 disallowed entries $2 (no guest entry traced)"
	elif [ "$bad" -eq 0 ]; then
		ok "$B: kvmsched had 0 disallowed entries $2"
	else
		nok "$B: kvmsched had 0 disallowed entries $2 (got $bad of $all)"
	fi
}

row() { printf '# %s: %-44s | %-30s | %s\n' "$B" "$1" "$2" "$3"; }

# per_exit "window_ms vmm_cpu_ms exits": ksvmm CPU us per guest exit.
per_exit() {
	echo "$1" | awk '$3 == "-" || $3 == 0 || $3 == "" { print "-"; next }
		{ printf "%.2f\n", $2 * 1000 / $3 }'
}

NCPUS=$(nproc)
if [ "$NCPUS" -lt 4 ]; then
	skip "$B: needs 4 CPUs, this host has $NCPUS"
	exit 0
fi
if [ ! -e "$TRACEFS/events/kvm/kvm_entry/enable" ]; then
	nok "$B: kvm:kvm_entry trace event available"
	exit 0
fi
if ! taskset -p "$HOUSEKEEPING" $$ >/dev/null; then
	nok "$B: bench confined to the housekeeping CPUs"
	exit 0
fi
# Reads "1408", or "7 (expanded: 1408)" before first use.
BUFFER_KB=$(sed 's/.*expanded: \([0-9]*\).*/\1/' "$TRACEFS/buffer_size_kb")
echo "$TRACE_KB" >"$TRACEFS/buffer_size_kb"
OVERWRITE=$(cat "$TRACEFS/options/overwrite")
echo 0 >"$TRACEFS/options/overwrite"
ks_loaded && WAS_LOADED=1

# Column 1: no kvmsched at all.
if ks_unload && ! ks_loaded; then
	column_agent
else
	nok "$B: agent: kvmsched unloaded for the agent column"
fi

# Column 2: kvmsched alone.
if ks_load && ks_loaded; then
	column_kvmsched
else
	nok "$B: kvmsched: module loaded"
fi

# (c) What each figure means, over the same ~5 s window in both columns
# (the VM running, no rogue write):
# - enforcer CPU: the agent's own user + system time, from getrusage() in
#   the agent. kvmsched has no process of its own: its work (a hook on each
#   KVM_RUN, a repair when needed) runs in the vCPU threads and is charged
#   to the VMM, so it shows in the next rows instead.
# - VMM CPU: utime + stime of the ksvmm process over the window, 10 ms
#   resolution. The vCPUs never idle, so this is mostly ~2 CPUs x window in
#   both columns; what kvmsched costs is in the rate below.
# - guest exits: KVM's exit counter (debugfs kvm/exits) over the window,
#   the work the VMM got done.
# - VMM CPU per guest exit: the price of one guest round trip, kvmsched's
#   watch included in its column; the ratio kvmsched / agent is its
#   overhead per round trip (1.00: none measurable). Under TCG it moved by
#   up to 25 % between runs with the same code: only a large ratio means
#   anything.
# kvmsched's periodic pass (reconcile_ms) runs in a kernel thread and is
# not counted, but it only works on emulator threads, and the rule sets no
# emulator_cpus.
agent_x=$(per_exit "$agent_win")
kvmsched_x=$(per_exit "$kvmsched_win")
ratio=$(echo "$agent_x $kvmsched_x" | awk '$1 + 0 > 0 && $2 != "-" {
	printf "%.2f", $2 / $1; exit } { print "-" }')

echo "# $B: ksvmm -p self -v 2 -g io started on CPUs 0-1, vCPUs allowed on $ALLOWED of $NCPUS"
row metric agent kvmsched
row "(a) disallowed/all entries, start..ready+${START_S}s" \
	"$(frac "$agent_start")" "$(frac "$kvmsched_start")"
row "(a) entries per CPU" "${agent_start_cpus:--}" "${kvmsched_start_cpus:--}"
row "(b) same, ${ROGUE_S}s after taskset -p 0x1 on a vCPU" \
	"$(frac "$agent_rogue")" "$(frac "$kvmsched_rogue")"
row "(b) entries per CPU" "${agent_rogue_cpus:--}" "${kvmsched_rogue_cpus:--}"
row "(b) rogue thread's CPUs after ${ROGUE_S}s" \
	"${agent_mask:--}" "${kvmsched_mask:--}"
row "fixes made during (a)+(b)" "${agent_fixes:--}" "${kvmsched_fixes:--}"
row "KVM_RUN EINTR (KVM_EXIT_INTR) seen by the VMM" "${agent_intr:--}" \
	"${kvmsched_intr:--}"
row "(c) window, ms" "$(echo "$agent_win" | cut -d' ' -f1)" \
	"$(echo "$kvmsched_win" | cut -d' ' -f1)"
row "(c) enforcer CPU in window, us" "${agent_cpu_us:--}" \
	"${kvmsched_cpu_us:--} (in VMM CPU)"
row "(c) VMM (ksvmm) CPU in window, ms" "$(echo "$agent_win" | cut -d' ' -f2)" \
	"$(echo "$kvmsched_win" | cut -d' ' -f2)"
row "(c) guest exits in window" "$(echo "$agent_win" | cut -d' ' -f3)" \
	"$(echo "$kvmsched_win" | cut -d' ' -f3)"
row "(c) VMM CPU per guest exit, us" "${agent_x:--}" \
	"${kvmsched_x:--} (x${ratio})"

assert_none "$kvmsched_start" "at start"
assert_none "$kvmsched_rogue" "after the rogue taskset"
