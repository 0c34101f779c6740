#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The NUMA benchmark (selftests/bench/numa.sh), on the two-node host of
# run-vm.sh --numa: asserts auto's placement, reports the rest.
# timeout: 400
# only-when-named
. "$KSDIR/tests/lib.sh"

# exec: a timeout's SIGTERM must reach the benchmark, which cleans up.
exec sh "$KSDIR/bench/numa.sh"
