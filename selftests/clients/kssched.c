// SPDX-License-Identifier: GPL-2.0
/*
 * kssched - scheduling probes for the kvmsched tests.
 *
 *  get TID                    prints "POLICY PRIO NICE" of thread TID, from
 *                             sched_getattr; POLICY is normal, fifo, rr,
 *                             batch, idle or deadline
 *  set TID POLICY PRIO NICE   sched_setattr; prints OK or the errno name
 *                             ("EPERM", ...), as kswrite does
 *  refresh-lat -d SECONDS [-i INTERVAL_MS] [-c COUNTER]
 *                             whether per-CPU kernel workers get to run:
 *                             times writes to /proc/sys/vm/stat_refresh,
 *                             INTERVAL_MS (default 20) apart, for SECONDS;
 *                             with COUNTER (a file holding a number, such
 *                             as a vCPU's rt_demotions), also how much it
 *                             grew during one write at most
 *  hog CPU SECONDS            busy-loops on CPU for SECONDS, in the class it
 *                             inherits (normal, unless its caller's is not)
 *
 * A stat_refresh write returns once a work item ran on every online CPU, so
 * it stalls as long as any CPU's kworker is starved, for good if the CPU is
 * never given up.  refresh-lat prints
 *   refresh n N p50_us X p99_us Y max_us Z stuck S grew G
 * where a write still unfinished GRACE_MS after SECONDS (S = 1) counts with
 * the time it took so far, and G is the most COUNTER grew between the start
 * and the end of one write (0 without -c).  The writes are made by a child process, as the
 * writer cannot be killed while it waits: a thread would keep the process
 * from being reaped, and whoever waits for kssched, until the CPU is freed.
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -static -pthread -I../../include -o kssched kssched.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <linux/types.h>

#include "kvmsched_names.h"

#define STAT_REFRESH	"/proc/sys/vm/stat_refresh"
#define GRACE_MS	100	/* a write just started is not stuck yet */

/* glibc declares this from 2.41 on; before, it is the kernel's alone. */
#ifndef SCHED_ATTR_SIZE_VER0
struct sched_attr {
	__u32 size;
	__u32 sched_policy;
	__u64 sched_flags;
	__s32 sched_nice;
	__u32 sched_priority;
	__u64 sched_runtime;
	__u64 sched_deadline;
	__u64 sched_period;
};
#endif

static long long *lat;		/* refresh-lat samples, in ns */
static size_t nr_lat, max_lat;

static void usage(void)
{
	fprintf(stderr,
		"usage: kssched get TID\n"
		"       kssched set TID normal|fifo|rr|batch|idle|deadline PRIO NICE\n"
		"       kssched refresh-lat -d SECONDS [-i INTERVAL_MS] [-c COUNTER]\n"
		"       kssched hog CPU SECONDS\n");
	exit(2);
}

static long num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "kssched: %s: expected a number in [%ld, %ld]\n",
			s, min, max);
		exit(2);
	}
	return v;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmd_get(int argc, char **argv)
{
	struct sched_attr attr;
	const char *name;
	int tid;

	if (argc != 3)
		usage();
	tid = num(argv[2], 0, INT_MAX);
	memset(&attr, 0, sizeof(attr));
	if (syscall(SYS_sched_getattr, tid, &attr, sizeof(attr), 0) < 0) {
		fprintf(stderr, "kssched: sched_getattr %d: %s\n", tid,
			ks_errname(errno));
		return 1;
	}
	name = ks_policy_name(attr.sched_policy);
	/* A policy newer than kvmsched_names.h knows (sched_ext) shows as its number. */
	if (name)
		printf("%s", name);
	else
		printf("%u", attr.sched_policy);
	printf(" %u %d\n", attr.sched_priority, attr.sched_nice);
	return 0;
}

static int cmd_set(int argc, char **argv)
{
	struct sched_attr attr;
	int tid, policy;

	if (argc != 6)
		usage();
	tid = num(argv[2], 0, INT_MAX);
	policy = ks_policy_parse(argv[3]);
	if (policy < 0)
		usage();
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.sched_policy = policy;
	/* Out-of-range values are the kernel's to reject. */
	attr.sched_priority = num(argv[4], 0, UINT_MAX);
	attr.sched_nice = num(argv[5], INT_MIN, INT_MAX);
	if (syscall(SYS_sched_setattr, tid, &attr, 0) < 0) {
		puts(ks_errname(errno));
		return 1;
	}
	puts("OK");
	return 0;
}

/*
 * The child: for each write, sends its start time and then its end time,
 * or -errno if it failed, to the parent.  Once the parent is gone, the
 * next send kills it with SIGPIPE.
 */
/* The number in @cfd (-1 for none), or -2 if it cannot be read. */
static long long counter(int cfd)
{
	char buf[32];
	ssize_t n;

	if (cfd < 0)
		return -1;
	n = pread(cfd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -2;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* What the writer sends for each write's start, then for its end. */
struct refresh_mark {
	long long ns;		/* CLOCK_MONOTONIC; -errno if the write failed */
	long long count;	/* counter() */
};

static void refresh_writer(int fd, int cfd, int out, long interval_ms)
{
	struct timespec gap = {
		.tv_sec = interval_ms / 1000,
		.tv_nsec = interval_ms % 1000 * 1000000,
	};
	struct refresh_mark m;

	for (;;) {
		m.count = counter(cfd);
		m.ns = now_ns();
		if (write(out, &m, sizeof(m)) != sizeof(m))
			_exit(1);
		m.ns = write(fd, "1", 1) == 1 ? now_ns() : -errno;
		m.count = counter(cfd);
		if (write(out, &m, sizeof(m)) != sizeof(m))
			_exit(1);
		nanosleep(&gap, NULL);
	}
}

static void add_sample(long long ns)
{
	if (nr_lat == max_lat) {
		max_lat = max_lat ? 2 * max_lat : 1024;
		lat = realloc(lat, max_lat * sizeof(*lat));
		if (!lat) {
			fprintf(stderr, "kssched: out of memory\n");
			exit(1);
		}
	}
	lat[nr_lat++] = ns;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile P of the N > 0 sorted samples S. */
static long long percentile(const long long *s, size_t n, unsigned int p)
{
	return s[(n * p + 99) / 100 - 1];
}

static int cmd_refresh_lat(int argc, char **argv)
{
	long long end, limit, t, grew = 0;
	struct pollfd pfd = { .events = POLLIN };
	int opt, fd, cfd = -1, pipefd[2], i, stuck = 0;
	long secs = -1, interval_ms = 20;
	struct refresh_mark start, m;
	bool in_flight = false;
	pid_t child;

	while ((opt = getopt(argc - 1, argv + 1, "d:i:c:")) != -1) {
		if (opt == 'd') {
			secs = num(optarg, 1, 86400);
		} else if (opt == 'i') {
			interval_ms = num(optarg, 0, INT_MAX);
		} else if (opt == 'c') {
			cfd = open(optarg, O_RDONLY);
			if (cfd < 0 || counter(cfd) < 0) {
				fprintf(stderr, "kssched: %s: cannot read a number\n",
					optarg);
				return 1;
			}
		} else {
			usage();
		}
	}
	if (secs < 0 || optind != argc - 1)
		usage();
	fd = open(STAT_REFRESH, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "kssched: %s: %s\n", STAT_REFRESH,
			ks_errname(errno));
		return 1;
	}
	if (pipe(pipefd) < 0) {
		fprintf(stderr, "kssched: pipe: %s\n", ks_errname(errno));
		return 1;
	}
	child = fork();
	if (child < 0) {
		fprintf(stderr, "kssched: fork: %s\n", ks_errname(errno));
		return 1;
	}
	if (!child) {
		/* Hold no copy of our caller's stdout, which it may read to EOF. */
		for (i = 0; i < 3; i++)
			if (i != fd && i != cfd && i != pipefd[1])
				close(i);
		close(pipefd[0]);
		refresh_writer(fd, cfd, pipefd[1], interval_ms);
	}
	close(pipefd[1]);
	pfd.fd = pipefd[0];
	end = now_ns() + secs * 1000000000LL;
	for (;;) {
		limit = end + (in_flight ? GRACE_MS * 1000000LL : 0);
		t = now_ns();
		if (t >= limit)
			break;
		if (poll(&pfd, 1, (limit - t + 999999) / 1000000) <= 0)
			continue;
		if (read(pipefd[0], &m, sizeof(m)) != sizeof(m)) {
			fprintf(stderr, "kssched: the writer process died\n");
			return 1;
		}
		if (!in_flight) {
			start = m;
			in_flight = true;
			continue;
		}
		if (m.ns < 0) {
			fprintf(stderr, "kssched: write %s: %s\n", STAT_REFRESH,
				ks_errname(-m.ns));
			return 1;
		}
		if (m.count == -2) {
			fprintf(stderr, "kssched: the counter became unreadable\n");
			return 1;
		}
		in_flight = false;
		add_sample(m.ns - start.ns);
		if (m.count - start.count > grew)
			grew = m.count - start.count;
	}
	/* Ends a writer between writes now, a stuck one when it returns. */
	kill(child, SIGKILL);
	if (in_flight) {
		add_sample(now_ns() - start.ns);
		if (counter(cfd) - start.count > grew)
			grew = counter(cfd) - start.count;
		stuck = 1;
	}
	/* None if the writer did not even start one (was not scheduled). */
	if (!nr_lat) {
		puts("refresh n 0 p50_us 0 p99_us 0 max_us 0 stuck 0 grew 0");
		return 0;
	}
	qsort(lat, nr_lat, sizeof(*lat), cmp_ll);
	printf("refresh n %zu p50_us %lld p99_us %lld max_us %lld stuck %d grew %lld\n",
	       nr_lat, percentile(lat, nr_lat, 50) / 1000,
	       percentile(lat, nr_lat, 99) / 1000, lat[nr_lat - 1] / 1000,
	       stuck, grew);
	return 0;
}

static int cmd_hog(int argc, char **argv)
{
	long long end;
	cpu_set_t set;
	int cpu;

	if (argc != 4)
		usage();
	cpu = num(argv[2], 0, CPU_SETSIZE - 1);
	end = now_ns() + num(argv[3], 0, INT_MAX) * 1000000000LL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		fprintf(stderr, "kssched: sched_setaffinity %d: %s\n", cpu,
			ks_errname(errno));
		return 1;
	}
	while (now_ns() < end)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "get"))
		return cmd_get(argc, argv);
	if (!strcmp(argv[1], "set"))
		return cmd_set(argc, argv);
	if (!strcmp(argv[1], "refresh-lat"))
		return cmd_refresh_lat(argc, argv);
	if (!strcmp(argv[1], "hog"))
		return cmd_hog(argc, argv);
	usage();
	return 2;
}
