#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The KVM_RUN cost benchmark (selftests/bench/kvmrun.sh): instructions per
# round trip without kvmsched, loaded, and with a policy. Only in the
# -icount boot (run-vm.sh --icount), which runs this test alone.
# timeout: 900
# only-when-named
. "$KSDIR/tests/lib.sh"

# exec: a timeout's SIGTERM must reach the benchmark, which cleans up.
exec sh "$KSDIR/bench/kvmrun.sh"
