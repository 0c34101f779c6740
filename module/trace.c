// SPDX-License-Identifier: GPL-2.0
/* The one place kvmsched's tracepoints are defined (trace.h). */
#define CREATE_TRACE_POINTS
#include "trace.h"
