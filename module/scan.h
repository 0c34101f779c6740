/* SPDX-License-Identifier: GPL-2.0 */
/* Finding VMs that existed before the hooks were armed. */
#ifndef KS_SCAN_H
#define KS_SCAN_H

#include <linux/types.h>

/* Returns whether it published a VM. */
bool ks_scan_existing(void);

#endif /* KS_SCAN_H */
