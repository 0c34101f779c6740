// SPDX-License-Identifier: GPL-2.0
/*
 * kswrite FILE DATA - one write(2) of DATA to FILE, then prints the outcome
 * as an errno name ("OK", "EINVAL", ...), so tests can check the exact
 * errno a sysfs file gives instead of a shell's translated message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kvmsched_names.h"

int main(int argc, char **argv)
{
	size_t len;
	ssize_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: kswrite FILE DATA\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "kswrite: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	len = strlen(argv[2]);
	n = write(fd, argv[2], len);
	if (n == (ssize_t)len) {
		puts("OK");
		return 0;
	}
	if (n >= 0) {
		printf("SHORT %zd\n", n);
		return 1;
	}
	puts(ks_errname(errno));
	return 1;
}
