#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kvm.ko loaded after kvmsched, unloaded under it, and loaded again.
. "$KSDIR/tests/lib.sh"

if kvm_modules_builtin; then
	skip "kvm.ko reload: KVM is built into this kernel"
	exit 0
fi

kvm_unload() { rmmod kvm_amd && rmmod kvm; }
kvm_load() {
	while read -r ko; do
		name=$(basename "$ko" .ko | tr - _)
		grep -q "^$name " /proc/modules || insmod "$ko" || return 1
	done <"$KSDIR/kmods.order"
}

# vm_found ARGS: a VM started now shows up with its threads.
vm_found() {
	start_vmm /tmp/k.ready -v 2 "$@" &&
		wait_for 10 tree_matches_ready /tmp/k.ready "$VMM_PID"
	local rc=$?
	stop_vmm "$VMM_PID"
	return $rc
}

ks_unload
check "kvm unloads" kvm_unload
check "kvmsched loads without kvm" ks_load
check_eq "no capabilities without kvm" "$(cat "$KS/capabilities")" ""
check "kvm loads after kvmsched" kvm_load
check_eq "hooks armed when kvm arrives" "$(ks_caps)" "$KS_ALL_CAPS"
check "VM found after kvm arrived" vm_found -p self
check "kvm unloads under kvmsched" kvm_unload
check_eq "hooks disarmed when kvm goes" "$(cat "$KS/capabilities")" ""
check "kvm reloads" kvm_load
check_eq "hooks re-armed on reload" "$(ks_caps)" "$KS_ALL_CAPS"
check "VM found after kvm reload" vm_found -p main
check "kvmsched unloads" ks_unload
