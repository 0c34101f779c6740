// SPDX-License-Identifier: GPL-2.0
/* 6.2+: a kset's uevent callback takes a const kobject. */
#include <linux/kobject.h>

int ks_probe_uevent(const struct kobject *kobj, struct kobj_uevent_env *env);

/* An error where the types differ: -Werror=incompatible-pointer-types. */
const struct kset_uevent_ops ks_probe_ops = {
	.uevent = ks_probe_uevent,
};
