// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsched_kunit.ko: the KUnit suites for kvmsched's pure policy code,
 * loadable on any kernel with CONFIG_KUNIT. The code under test is linked
 * in from the same sources as kvmsched.ko.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for kvmsched policy logic");
