// SPDX-License-Identifier: GPL-2.0
/*
 * pinagent - a userspace vCPU pinning agent, the baseline kvmsched is
 * measured against (selftests/bench/affinity.sh).
 *
 * Hosts pin vCPU threads today from userspace, after the fact: libvirt once
 * the threads exist, tuned and node agents by polling thread lists.  This is
 * that recipe at its most diligent: every -i milliseconds it lists
 * /proc/PID/task and gives every thread but the main one (tid != pid) the
 * target cpulist with sched_setaffinity, unless sched_getaffinity says it
 * has it already.  A thread seen for the first time and moved counts as a
 * pin; a known thread found elsewhere (someone ran taskset) as a repair.
 * Whatever the thread runs between its creation, or the drift, and the next
 * pass runs on the wrong CPUs; the benchmark counts those guest entries.
 *
 * At SIGTERM or SIGINT it prints "pins N repairs N cpu_us N", cpu_us being
 * its own user + system CPU time: what the polling costs.
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -static -pthread -o pinagent pinagent.c
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/types.h>

#define ONLINE_CPUS	"/sys/devices/system/cpu/online"

/* A thread seen by some pass; dropped when a pass no longer sees it. */
struct thread {
	pid_t tid;
	unsigned long seen;	/* number of the last pass that listed it */
	bool warned;		/* a sched_setaffinity failure was reported */
};

static pid_t opt_pid;
static long opt_interval_ms = 10;
static const char *opt_cpus, *opt_ready;

static cpu_set_t target;
static struct thread *threads;
static size_t nr_threads, max_threads;
static unsigned long pins, repairs;
static atomic_bool term_requested;

static void on_term(int sig)
{
	(void)sig;
	atomic_store(&term_requested, true);
}

/* Parses "N", "N-M", comma-separated, into set; -1 if malformed. */
static int parse_cpulist(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	while (*s && *s != '\n') {
		unsigned long a, b;
		char *end;

		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			s = end + 1;
			if (!isdigit((unsigned char)*s))
				return -1;
			b = strtoul(s, &end, 10);
		}
		if (errno)
			return -1;
		if (a > b || b >= CPU_SETSIZE)
			return -1;
		for (; a <= b; a++)
			CPU_SET(a, set);
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return CPU_COUNT(set) ? 0 : -1;
}

/*
 * The kernel never keeps an offline CPU in a mask: comparing threads with
 * a target that has one would repair them on every pass.
 */
static void restrict_to_online(void)
{
	char buf[4096];
	cpu_set_t online;
	FILE *f;

	f = fopen(ONLINE_CPUS, "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && !parse_cpulist(buf, &online))
		CPU_AND(&target, &target, &online);
	fclose(f);
	if (!CPU_COUNT(&target)) {
		fprintf(stderr, "pinagent: no CPU of %s is online\n", opt_cpus);
		exit(1);
	}
}

/* The entry of tid; a new one (pass 0) if it was never seen. */
static struct thread *thread_get(pid_t tid)
{
	struct thread *t;
	size_t i;

	for (i = 0; i < nr_threads; i++)
		if (threads[i].tid == tid)
			return &threads[i];
	if (nr_threads == max_threads) {
		max_threads = max_threads ? 2 * max_threads : 64;
		threads = realloc(threads, max_threads * sizeof(*threads));
		if (!threads) {
			fprintf(stderr, "pinagent: out of memory\n");
			exit(1);
		}
	}
	t = &threads[nr_threads++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return t;
}

/* Forgets the threads the last pass did not list (a tid may be reused). */
static void threads_prune(unsigned long pass)
{
	size_t i = 0;

	while (i < nr_threads) {
		if (threads[i].seen != pass)
			threads[i] = threads[--nr_threads];
		else
			i++;
	}
}

static void check_thread(pid_t tid, unsigned long pass)
{
	struct thread *t = thread_get(tid);
	bool new = !t->seen;
	cpu_set_t cur;

	t->seen = pass;
	CPU_ZERO(&cur);
	if (sched_getaffinity(tid, sizeof(cur), &cur) < 0)
		return;		/* exited since the listing */
	if (CPU_EQUAL(&cur, &target))
		return;
	if (sched_setaffinity(tid, sizeof(target), &target) < 0) {
		if (errno != ESRCH && !t->warned) {
			fprintf(stderr, "pinagent: sched_setaffinity(%d): %m\n",
				(int)tid);
			t->warned = true;
		}
		return;
	}
	if (new)
		pins++;
	else
		repairs++;
}

/* One pass over the threads of opt_pid; -1 once the process is gone. */
static int pass_once(unsigned long pass)
{
	char path[64];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)opt_pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		char *end;
		long tid;

		tid = strtol(de->d_name, &end, 10);
		if (end == de->d_name || *end || tid <= 0 || tid == opt_pid)
			continue;
		check_thread((pid_t)tid, pass);
	}
	closedir(dir);
	threads_prune(pass);
	return 0;
}

static void touch(const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "pinagent: creating %s: %m\n", file);
		exit(1);
	}
	close(fd);
}

static unsigned long long cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ULL +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void timespec_add_ms(struct timespec *ts, long ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool timespec_before(const struct timespec *a,
			    const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pinagent -p PID -c CPULIST [-i INTERVAL_MS] [-r READYFILE]\n"
		"  every INTERVAL_MS (default 10) pin each thread of PID but its main\n"
		"  thread to CPULIST; -r: create READYFILE after the first pass.\n"
		"  At SIGTERM/SIGINT prints \"pins N repairs N cpu_us N\".\n");
	exit(1);
}

static long num_arg(int opt, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(optarg, &end, 10);
	if (errno || end == optarg || *end || v < min || v > max) {
		fprintf(stderr, "pinagent: -%c: expected a number in [%ld, %ld]\n",
			opt, min, max);
		exit(1);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "p:c:i:r:")) != -1) {
		switch (opt) {
		case 'p':
			opt_pid = (pid_t)num_arg(opt, 1, INT_MAX);
			break;
		case 'c':
			opt_cpus = optarg;
			break;
		case 'i':
			opt_interval_ms = num_arg(opt, 1, 3600 * 1000);
			break;
		case 'r':
			opt_ready = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !opt_pid || !opt_cpus)
		usage();
	if (parse_cpulist(opt_cpus, &target) < 0) {
		fprintf(stderr, "pinagent: -c %s: not a cpulist below %d\n",
			opt_cpus, CPU_SETSIZE);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct timespec next, now;
	unsigned long pass;

	parse_args(argc, argv);
	restrict_to_online();

	/* No SA_RESTART: the signal must cut the sleep short. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	clock_gettime(CLOCK_MONOTONIC, &next);
	/* Pass numbers start at 1: 0 marks a thread never seen. */
	for (pass = 1; !atomic_load(&term_requested); pass++) {
		if (pass_once(pass) < 0) {
			fprintf(stderr, "pinagent: process %d is gone\n",
				(int)opt_pid);
			break;
		}
		if (pass == 1 && opt_ready)
			touch(opt_ready);
		/*
		 * A fixed period from pass start to pass start, as a timer;
		 * a pass that overran it is followed by a full period.
		 */
		timespec_add_ms(&next, opt_interval_ms);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timespec_before(&next, &now)) {
			next = now;
			timespec_add_ms(&next, opt_interval_ms);
		}
		while (!atomic_load(&term_requested) &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
	}
	printf("pins %lu repairs %lu cpu_us %llu\n", pins, repairs, cpu_us());
	free(threads);
	return 0;
}
