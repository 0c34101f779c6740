// SPDX-License-Identifier: GPL-2.0
/*
 * kswrite FILE DATA - one write(2) of DATA to FILE, then prints the outcome
 * as an errno name ("OK", "EINVAL", ...), so tests can check the exact
 * errno a sysfs file gives instead of a shell's translated message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
	int err;
	const char *name;
} names[] = {
	{ EINVAL, "EINVAL" }, { ERANGE, "ERANGE" }, { ENODEV, "ENODEV" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENOENT, "ENOENT" },
	{ ENOSPC, "ENOSPC" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EPERM, "EPERM" }, { EIO, "EIO" },
};

int main(int argc, char **argv)
{
	size_t len, i;
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
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].err == errno) {
			puts(names[i].name);
			return 1;
		}
	}
	printf("E%d\n", errno);
	return 1;
}
