#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# QEMU, a real VMM, creating each vCPU in its own "CPU n/KVM" thread.
. "$KSDIR/tests/lib.sh"

ks_load
start_qemu 2
check "QEMU: one VM dir" wait_for 60 has_vm_dirs "$QEMU_PID" 1
check "QEMU: two vCPU dirs" wait_for 60 vcpus_listed "$QEMU_PID" 2
d=$(vm_dirs "$QEMU_PID")
check_eq "QEMU: comm" "$(cat "$d/comm" 2>/dev/null)" qemu-system-x86
check_eq "QEMU: nr_vcpus" "$(cat "$d/nr_vcpus" 2>/dev/null)" 2
check "QEMU: CPU n/KVM thread is the tid of vcpus/n" \
	wait_for 60 qemu_tids_match "$QEMU_PID"
kill "$QEMU_PID"
wait "$QEMU_PID"
check "QEMU: VM dir gone after exit" wait_for 20 no_vm_dirs "$QEMU_PID"
grep -v -e xsave -e '^$' /tmp/qemu.out | sed 's/^/# qemu: /'
