#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The affinity benchmark (selftests/bench/affinity.sh): kvmsched against a
# userspace pinning agent, in one boot; asserts that kvmsched lets no guest
# entry happen on a disallowed CPU, and reports the rest.
# timeout: 300
# kernels: newest
. "$KSDIR/tests/lib.sh"

# exec: a timeout's SIGTERM must reach the benchmark, which cleans up.
exec sh "$KSDIR/bench/affinity.sh"
