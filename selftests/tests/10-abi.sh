#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Walks the ABI documents in sysfs-abi/: every documented path exists with
# its documented mode, and every file in the tree is documented.
. "$KSDIR/tests/lib.sh"

ks_load
start_vmm /tmp/abi.ready -v 2 -p main || nok "ksvmm started"
wait_for 10 vcpus_listed "$VMM_PID" 2
echo abi >"$KS/rules/add"

# "<what> <mode> <pattern> [<capability>]" for every What: entry
# (Description starts "Mode 0nnn", or "Mode 0nnn, with capability
# <token>"); the pattern is the path with a * for each <name>. Processes
# are few: one for each of stat, the reads and the reverse walk, not one
# per entry (each costs a tenth of a second on the debug kernel).
awk '/^What:/ { what[n++] = $2 }
     /^Description:/ && n {
	mode = "undocumented"
	cap = ""
	if (match($0, /Mode 0[0-7][0-7][0-7]/))
		mode = substr($0, RSTART + 5, 4)
	if (match($0, /with capability [a-z_]+/))
		cap = substr($0, RSTART + 16, RLENGTH - 16)
	for (i = 0; i < n; i++) {
		pat = what[i]
		gsub(/<[a-z]*>/, "*", pat)
		sub(/\/$/, "", pat)
		print what[i], mode, pat, cap
	}
	n = 0 }' "$KSDIR"/abi/* >/tmp/abi.list

check "ABI documents list entries" test -s /tmp/abi.list
caps=" $(cat "$KS/capabilities") "
# A VM's IRQ directories exist only with a device passed through: 87-irq
# walks them.
irqs=$(ls -d "$KS"/vms/*/irqs/*/ 2>/dev/null)
: >/tmp/abi.found
while read -r what mode pattern cap; do
	case $what in
	*"/irqs/<irq>"*) [ -n "$irqs" ] || continue ;;
	esac
	found=
	for path in $pattern; do
		[ -e "$path" ] && { found=$path; break; }
	done
	case "${cap:+x}$caps" in
	" "* | *" $cap "*) [ -n "$found" ] || nok "$what: exists" ;;
	*) [ -z "$found" ] || nok "$what: absent without capability $cap" ;;
	esac
	[ -z "$found" ] || echo "$what $mode $found" >>/tmp/abi.found
done </tmp/abi.list

# Each entry's mode, and every readable file read whole (getline fails on
# a read error).
# shellcheck disable=SC2046 # sysfs names hold no blanks
stat -c '%n %a %F' $(cut -d' ' -f3 /tmp/abi.found) >/tmp/abi.modes
awk 'NR == FNR { mode[$1] = "0" $2; reg[$1] = $3 == "regular"; next }
     { m = mode[$3]
       if (m == $2) print "ok - " $1 ": mode"
       else print "not ok - " $1 ": mode (got \x27" m "\x27, want \x27" $2 "\x27)"
       if ($2 == "0200" || !reg[$3]) next
       if ((getline line <$3) >= 0) print "ok - " $1 ": readable"
       else print "not ok - " $1 ": readable"
       close($3) }' /tmp/abi.modes /tmp/abi.found

# The other direction: nothing in the tree is undocumented. Each pattern
# becomes an anchored regex, * matching within one path component.
undoc=$(find "$KS" | awk 'NR == FNR { p = $3; gsub(/\./, "\\.", p)
		gsub(/\*/, "[^/]*", p); re[n++] = "^" p "$"; next }
	{ for (i = 0; i < n; i++) if ($0 ~ re[i]) next; print "# undocumented: " $0 }' \
	/tmp/abi.list -)
[ -z "$undoc" ] || echo "$undoc"
check "every file in the tree is documented" test -z "$undoc"

check_eq "version is 1" "$(cat "$KS/version")" 1
# slice only where the scheduler has custom slices (6.12+); the walk above
# checked that its files exist exactly when it is listed.
check_eq "capabilities with kvm loaded" "$(ks_caps)" "$KS_ALL_CAPS"
echo abi >"$KS/rules/remove"
check "ksvmm exited cleanly" stop_vmm "$VMM_PID"
