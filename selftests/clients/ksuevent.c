// SPDX-License-Identifier: GPL-2.0
/*
 * ksuevent PREFIX - listens to the kernel's uevents (NETLINK_KOBJECT_UEVENT,
 * as udevd does) and prints one line per event whose DEVPATH starts with
 * PREFIX: "ACTION DEVPATH VAR=value ..." with the KVMSCHED_* variables.
 * Prints "ready" once bound, so a test starts the VMMs after that; runs
 * until killed. Lines are flushed one by one.
 */
#define _GNU_SOURCE
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,		/* the kernel's broadcast group */
	};
	static char buf[16384];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: ksuevent DEVPATH-PREFIX\n");
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("ksuevent: netlink");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		const char *action = "", *devpath = "";
		char vars[4096] = "";
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		char *p;

		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* "action@devpath\0KEY=value\0...": the header, then the env. */
		for (p = buf + strlen(buf) + 1; p < buf + n; p += strlen(p) + 1) {
			if (!strncmp(p, "ACTION=", 7))
				action = p + 7;
			else if (!strncmp(p, "DEVPATH=", 8))
				devpath = p + 8;
			else if (!strncmp(p, "KVMSCHED_", 9) &&
				 strlen(vars) + strlen(p) + 2 < sizeof(vars)) {
				strcat(vars, " ");
				strcat(vars, p);
			}
		}
		if (strncmp(devpath, argv[1], strlen(argv[1])))
			continue;
		printf("%s %s%s\n", action, devpath, vars);
		fflush(stdout);
	}
}
