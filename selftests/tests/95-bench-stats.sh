#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The statistics and halt-polling benchmark (selftests/bench/stats.sh):
# reports, asserts only that each measurement ran.
# timeout: 600
# kernels: newest
. "$KSDIR/tests/lib.sh"

# exec: a timeout's SIGTERM must reach the benchmark, which cleans up.
exec sh "$KSDIR/bench/stats.sh"
