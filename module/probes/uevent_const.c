// SPDX-License-Identifier: GPL-2.0
/* 6.2+: a kset's uevent callback takes a const kobject. */
#include <linux/kobject.h>

int ks_probe(const struct kobject *kobj, struct kobj_uevent_env *env);

_Static_assert(__builtin_types_compatible_p(
		       typeof(((struct kset_uevent_ops *)0)->uevent),
		       typeof(&ks_probe)),
	       "uevent takes a const kobject");
