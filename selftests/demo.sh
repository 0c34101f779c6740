#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the emulated KVM host: load kvmsched, start sample
# VMs in each vCPU creation pattern and a real QEMU, show the tree, and show
# where each vCPU really ran according to the kvm:kvm_entry trace event.
. "$KSDIR/tests/lib.sh"

echo "== emulated KVM host: Linux $(uname -r), $(nproc) CPUs"
insmod "$KSDIR/kvmsched.ko" && echo "== kvmsched loaded"
echo "capabilities: $(cat "$KS/capabilities")"

start_vmm /tmp/a.ready -p self -v 2 && a=$VMM_PID
start_vmm /tmp/b.ready -p main -v 2 -g hlt && b=$VMM_PID
start_qemu 2
wait_for 60 qemu_tids_match "$QEMU_PID"
echo "== VMMs: ksvmm $a (QEMU-style threads), ksvmm $b (Firecracker-style)," \
	"qemu-system-x86_64 $QEMU_PID"

echo
echo "== the tree: $KS"
for f in $(find "$KS" -type f | sort); do
	printf '%-60s %s\n' "${f#"$KS"/}" "$(cat "$f" 2>&1)"
done

echo
echo "== where each vCPU ran over 3 s (kvm:kvm_entry events per host CPU)"
trace_entries_start
sleep 3
trace_entries_stop >/tmp/entries
for d in "$KS"/vms/*; do
	for v in "$d"/vcpus/*; do
		tid=$(cat "$v/tid")
		hist=$(awk -v t="$tid" '$1 == t { n[$2]++ }
			END { for (c in n) printf "cpu%s:%d ", c, n[c] }' \
			/tmp/entries)
		printf '%-28s vcpu %-3s tid %-6s %s\n' \
			"${d##*/} ($(cat "$d/comm"))" "${v##*/}" "$tid" \
			"${hist:-no entries}"
	done
done

kill "$a" "$b" "$QEMU_PID"
wait
echo
echo "== VMs stopped; vms/ now: $(ls "$KS/vms" | wc -l) entries"
rmmod kvmsched && echo "== kvmsched unloaded"
