/* SPDX-License-Identifier: GPL-2.0 */
/* What every parser of a sysfs write calls an empty line. */
#ifndef KS_BLANK_H
#define KS_BLANK_H

#include <linux/string.h>
#include <linux/types.h>

/* Only blanks and newlines: the write that clears a setting. */
static inline bool ks_blank(const char *buf)
{
	return !buf[strspn(buf, " \t\n")];
}

#endif /* KS_BLANK_H */
