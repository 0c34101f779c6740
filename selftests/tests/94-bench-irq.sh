#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The interrupt-steering benchmark (selftests/bench/irq.sh): asserts where
# the interrupts fire with follow, reports the rest.
# timeout: 300
# kernels: newest
. "$KSDIR/tests/lib.sh"

# exec: a timeout's SIGTERM must reach the benchmark, which cleans up.
exec sh "$KSDIR/bench/irq.sh"
