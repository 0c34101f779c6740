/* SPDX-License-Identifier: GPL-2.0 */
/* Discovery: the KVM hooks that feed the registry. */
#ifndef KS_DISCOVERY_H
#define KS_DISCOVERY_H

#include <linux/types.h>

int ks_discovery_init(void);
void ks_discovery_exit(void);
ssize_t ks_discovery_caps_show(char *buf);

#endif /* KS_DISCOVERY_H */
