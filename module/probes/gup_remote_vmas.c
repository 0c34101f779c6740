// SPDX-License-Identifier: GPL-2.0
/* get_user_pages_remote() with a vmas argument (before 6.5). */
#include <linux/mm.h>

long ks_probe(struct mm_struct *mm);
long ks_probe(struct mm_struct *mm)
{
	return get_user_pages_remote(mm, 0, 1, 0, NULL, NULL, NULL);
}
