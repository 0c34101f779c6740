#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kvmschedctl against a live host: each command, its --json, and its
# errors with their exit status (1 usage, 2 not loaded, 3 not root, 4 no
# such VM or rule, 5 rejected). What "set" did is judged by the vCPU
# threads themselves (/proc/<tid>/status, sched_getscheduler), not by the
# tree it wrote.
# timeout: 200
# kernels: newest
. "$KSDIR/tests/lib.sh"

# ctl EXPECTED_STATUS DESC ARGS...: runs kvmschedctl, output in /tmp/ctl.out.
ctl() {
	local want=$1 desc=$2 rc=0
	shift 2
	kvmschedctl "$@" >/tmp/ctl.out 2>&1 || rc=$?
	sed 's/^/#   /' /tmp/ctl.out | head -n 12
	check_eq "kvmschedctl $desc: exit status" "$rc" "$want"
}
has() { grep -q -- "$1" /tmp/ctl.out; }

ks_unload
ctl 2 "status, not loaded" status
check "not loaded: says so" has "not loaded"
ks_load
ctl 0 "--help" --help
ctl 1 "no command"
ctl 1 "unknown command" frobnicate
ctl 0 "status" status
check "status: ABI version 1" grep -q "^abi version *1$" /tmp/ctl.out
ctl 0 "--json status" --json status
check "--json status: schema 1, abi_version 1" \
	grep -q '^{"schema":1,"abi_version":1,' /tmp/ctl.out

start_vmm /tmp/ctl.ready -v 2 -g io || nok "ksvmm started"
P=$VMM_PID
D=$(vm_dirs $P)
NAME=${D##*/}
ctl 0 "list" list
check "list: the VM's line" grep -q "^$NAME  *$P  *ksvmm  *2 " /tmp/ctl.out
ctl 0 "--json list" --json list
check "--json list: the VM" grep -q "\"name\":\"$NAME\",\"pid\":$P," /tmp/ctl.out
ctl 0 "show by pid" show $P
check "show: the VM's header" grep -q "^VM $NAME: pid $P, comm ksvmm, 2 vCPUs" /tmp/ctl.out
check "show: vCPU 1's line, its thread" \
	grep -q "^1  *$(cat "$D/vcpus/1/tid") " /tmp/ctl.out
ctl 0 "show by directory" show "$NAME"
ctl 0 "show by comm" show ksvmm
ctl 4 "show, no such VM" show 999999
ctl 0 "--json show" --json show $P
check "--json show: the VM and its vCPUs" \
	grep -q "\"vcpus\":\[{\"id\":0," /tmp/ctl.out

# set: one apply, judged by the threads.
T0=$(cat "$D/vcpus/0/tid")
T1=$(cat "$D/vcpus/1/tid")
ctl 0 "set" set $P cpus=2 sched_policy=batch nice=3 vcpu.1.cpus=3
check_eq "set: vCPU 0's thread on CPU 2" "$(cpus_allowed "$T0")" 2
check_eq "set: vCPU 1's thread on CPU 3" "$(cpus_allowed "$T1")" 3
check_eq "set: vCPU 0's thread batch, nice 3" "$(kssched get "$T0")" "batch 0 3"
before="$(cat "$D/cpus") $(cat "$D/nice") $(kssched get "$T0")"
ctl 5 "set, a bad value" set $P cpus=1 nice=99
check "bad value: ERANGE and the setting named" has "ERANGE: vms/$NAME/apply: nice"
ctl 5 "set, no such file" set $P cpus=1 speed=9
check "no such file: EINVAL, named" has "EINVAL: .*speed"
ctl 5 "set, no such vCPU" set $P vcpu.7.cpus=1
check "no such vCPU: ENODEV" has "ENODEV"
ctl 1 "set, not key=value" set $P cpus
ctl 1 "set, nothing" set $P
check_eq "rejected sets changed nothing" \
	"$(cat "$D/cpus") $(cat "$D/nice") $(kssched get "$T0")" "$before"

# rules: added whole or not at all.
ctl 0 "rule add" rule add r1 "match=comm ksvmm" cpus=1 nice=2
ctl 0 "rule list" rule list
check "rule list: r1 and its match" grep -q "^r1  *comm ksvmm " /tmp/ctl.out
ctl 0 "rule show" rule show r1
check "rule show: its cpus" grep -q "^  cpus  *1$" /tmp/ctl.out
ctl 0 "--json rule list" --json rule list
check "--json rule list: r1" grep -q '"rules":\[{"name":"r1",' /tmp/ctl.out
ctl 5 "rule add, a bad setting" rule add r2 "match=comm x" nice=99
check "rule add, a bad setting: the rule not left behind" \
	[ ! -e "$KS/rules/r2" ]
ctl 0 "rule remove" rule remove r1
ctl 4 "rule remove, no such rule" rule remove r1
ctl 4 "rule show, no such rule" rule show r1

# top: two refreshes of rates from the counters.
ctl 0 "top --batch" top --batch --interval 1 --iterations 2
check_eq "top: a header per refresh" "$(grep -c '^VM  *PID' /tmp/ctl.out)" 2
exits=$(awk -v n="$NAME" '$1 == n { e = $8 } END { print e + 0 }' /tmp/ctl.out)
check "top: the io guest's exits/s ($exits) above 0" [ "$exits" -gt 0 ]
ctl 0 "--json top" --json top --interval 1 --iterations 1
check "--json top: exits_per_s" grep -q "\"name\":\"$NAME\",.*\"exits_per_s\":" /tmp/ctl.out
ctl 1 "top, a bad sort" top --sort speed

# Not root.
mkdir -p /etc
grep -q '^nobody:' /etc/passwd 2>/dev/null ||
	echo "nobody:x:65534:65534:nobody:/:/bin/sh" >>/etc/passwd
rc=0
su nobody -s /bin/sh -c "PATH=$PATH kvmschedctl status" >/tmp/ctl.out 2>&1 || rc=$?
check_eq "kvmschedctl as nobody: exit status" "$rc" 3
check "as nobody: says root is needed" has "must be run as root"

check "ksvmm exits 0" stop_vmm $P
ctl 4 "set, the VM gone" set "$NAME" cpus=1
