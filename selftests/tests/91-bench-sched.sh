#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The scheduling benchmark (selftests/bench/sched.sh): weight accuracy,
# wake-up latency by class and the RT guard, in one boot.
# timeout: 300
# kernels: newest
. "$KSDIR/tests/lib.sh"

# exec: a timeout's SIGTERM must reach the benchmark, which cleans up.
exec sh "$KSDIR/bench/sched.sh"
