#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Walks the ABI documents in sysfs-abi/: every documented path exists with
# its documented mode, and every file in the tree is documented.
. "$KSDIR/tests/lib.sh"

ks_load
start_vmm /tmp/abi.ready -v 2 -p main || nok "ksvmm started"
wait_for 10 vcpus_listed "$VMM_PID" 2
echo abi >"$KS/rules/add"

# "<path> <mode> [<capability>]" for every What: entry (Description starts
# "Mode 0nnn", or "Mode 0nnn, with capability <token>").
awk '/^What:/ { what[n++] = $2 }
     /^Description:/ && n {
	mode = "undocumented"
	cap = ""
	if (match($0, /Mode 0[0-7][0-7][0-7]/))
		mode = substr($0, RSTART + 5, 4)
	if (match($0, /with capability [a-z_]+/))
		cap = substr($0, RSTART + 16, RLENGTH - 16)
	for (i = 0; i < n; i++)
		print what[i], mode, cap
	n = 0 }' "$KSDIR"/abi/* >/tmp/abi.list

check "ABI documents list entries" test -s /tmp/abi.list
caps=" $(cat "$KS/capabilities") "
while read -r what mode cap; do
	# A VM's IRQ directories exist only with a device passed through:
	# 87-irq walks them.
	case $what in
	*"/irqs/<irq>"*) [ -n "$(ls -d "$KS"/vms/*/irqs/*/ 2>/dev/null)" ] || continue ;;
	esac
	pattern=$(echo "$what" | sed -e 's/<[a-z]*>/*/g' -e 's|/$||')
	found=0
	for path in $pattern; do
		[ -e "$path" ] || continue
		found=1
		got=$(stat -c %a "$path")
		check_eq "$what: mode" "0$got" "$mode"
		case "$mode" in
		0200) ;;
		*) [ ! -f "$path" ] || check "$what: readable" cat "$path" >/dev/null ;;
		esac
		break
	done
	case "${cap:+x}$caps" in
	" "* | *" $cap "*) [ $found = 1 ] || nok "$what: exists" ;;
	*) [ $found = 0 ] || nok "$what: absent without capability $cap" ;;
	esac
done </tmp/abi.list

# The other direction: nothing in the tree is undocumented. The patterns
# are made once: a sed per path and entry took minutes on the debug kernel.
sed -e 's/ .*//' -e 's/<[a-z]*>/*/g' -e 's|/$||' /tmp/abi.list >/tmp/abi.patterns
undoc=0
for path in $(find "$KS"); do
	doc=0
	while read -r pattern; do
		case "$path" in $pattern) doc=1; break ;; esac
	done </tmp/abi.patterns
	[ $doc = 1 ] || { echo "# undocumented: $path"; undoc=1; }
done
check "every file in the tree is documented" test $undoc = 0

check_eq "version is 1" "$(cat "$KS/version")" 1
# slice only where the scheduler has custom slices (6.12+); the walk above
# checked that its files exist exactly when it is listed.
check_eq "capabilities with kvm loaded" "$(ks_caps)" "$KS_ALL_CAPS"
echo abi >"$KS/rules/remove"
check "ksvmm exited cleanly" stop_vmm "$VMM_PID"
