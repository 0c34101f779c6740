// SPDX-License-Identifier: GPL-2.0
/*
 * kvmschedctl - the command line of kvmsched: reads /sys/kernel/kvmsched
 * and writes it, for admins (aligned columns) and agents (--json).
 *
 * Everything it knows comes from the tree: the settings of a VM are the
 * writable files of its directory, so a file added to the ABI shows up
 * here without a change. "set" is one write to vms/<vm>/apply (all or
 * none); when the kernel rejects it, the kernel's own line from /dev/kmsg
 * names the setting.
 *
 * Exit status: 0 done; 1 usage; 2 kvmsched not loaded; 3 permission
 * denied (not root); 4 no such VM or rule; 5 the kernel rejected a write
 * (the errno is printed); 6 any other error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kvmsched_names.h"

#define JSON_SCHEMA	1	/* bumped when a field changes meaning */
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define MAX_VMS		4096
#define VAL_MAX		4096

enum {
	EXIT_USAGE = 1,
	EXIT_NOT_LOADED,
	EXIT_PERM,
	EXIT_NOT_FOUND,
	EXIT_REJECTED,
	EXIT_ERROR,
};

static const char *root = "/sys/kernel/kvmsched";
static bool json;

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("kvmschedctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* A path into @buf, or exit: a truncated path would name another file. */
#define pathf(buf, ...) pathf_(buf, sizeof(buf), __VA_ARGS__)
static void __printf(3, 4) pathf_(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		die(EXIT_ERROR, "path too long: %s", buf);
}

/* The exit status an errno of a read or write of the tree calls for. */
static int errno_status(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return EXIT_PERM;
	case ENOENT:
		return EXIT_NOT_FOUND;
	case EINVAL:
	case ERANGE:
	case ENODEV:
	case EBUSY:
	case EEXIST:
	case ENOSPC:
		return EXIT_REJECTED;
	default:
		return EXIT_ERROR;
	}
}

/* @dir/@name into @buf, without its trailing newline; -errno. */
static int read_at(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	pathf(path, "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/*
 * A value for display: its contents, or "" when it cannot be read. The
 * buffers rotate: more of them than any one printf here takes values.
 */
#define VAL_BUFS	16
static const char *val(const char *dir, const char *name)
{
	static char bufs[VAL_BUFS][VAL_MAX];
	static int next;
	char *buf = bufs[next++ % VAL_BUFS];

	if (read_at(dir, name, buf, VAL_MAX))
		buf[0] = '\0';
	return buf;
}

static long long num(const char *dir, const char *name)
{
	return strtoll(val(dir, name), NULL, 10);
}

/* One write(2) of @s to @dir/@name; -errno. */
static int write_at(const char *dir, const char *name, const char *s)
{
	char path[PATH_MAX];
	size_t len = strlen(s);
	ssize_t n;
	int fd;

	pathf(path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		n = -errno;
	else if ((size_t)n != len)
		n = -EIO;	/* a cut write would not be all or none */
	close(fd);
	return n < 0 ? (int)n : 0;
}

static void check_loaded(void)
{
	struct stat st;

	if (stat(root, &st) || !S_ISDIR(st.st_mode))
		die(EXIT_NOT_LOADED, "%s: not found: kvmsched is not loaded (modprobe kvmsched)",
		    root);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in @dir (no dot entries), sorted; NULL-terminated. */
static char **list_dir(const char *dir, bool dirs_only)
{
	char **names = NULL;
	size_t n = 0, room = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return calloc(1, sizeof(char *));
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		if (dirs_only && d->d_type != DT_DIR)
			continue;
		if (n + 2 > room) {
			room = room ? room * 2 : 16;
			names = realloc(names, room * sizeof(*names));
			if (!names)
				die(EXIT_ERROR, "out of memory");
		}
		names[n] = strdup(d->d_name);
		if (!names[n++])
			die(EXIT_ERROR, "out of memory");
	}
	closedir(dp);
	if (!names)
		return calloc(1, sizeof(char *));
	qsort(names, n, sizeof(*names), cmp_str);
	names[n] = NULL;
	return names;
}

static void free_list(char **names)
{
	char **p;

	for (p = names; *p; p++)
		free(*p);
	free(names);
}

/* vCPU directory names sort as numbers. */
static int cmp_num(const void *a, const void *b)
{
	return atoi(*(char *const *)a) - atoi(*(char *const *)b);
}

static char **list_vcpus(const char *vmdir)
{
	char dir[PATH_MAX];
	char **ids;
	size_t n = 0;

	pathf(dir, "%s/vcpus", vmdir);
	ids = list_dir(dir, true);
	while (ids[n])
		n++;
	qsort(ids, n, sizeof(*ids), cmp_num);
	return ids;
}

/* Whether @dir/@name is a file anyone may write: a setting. */
static bool is_setting(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	pathf(path, "%s/%s", dir, name);
	return !stat(path, &st) && S_ISREG(st.st_mode) &&
	       (st.st_mode & 0200) && (st.st_mode & 0400);
}

/* --- JSON output: strings escaped, numbers as they read. */

/* The length of the valid UTF-8 sequence at @s, 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 :
	    s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string; a byte not in valid UTF-8 (a comm is any bytes) as \u00XX. */
static void json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	putchar('"');
	while (*p) {
		n = utf8_len(p);
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || !n)
			printf("\\u%04x", *p);
		else
			fwrite(p, 1, n, stdout);
		p += n ? n : 1;
	}
	putchar('"');
}

/* A value that reads as a decimal integer is a JSON number; empty, null. */
static void json_val(const char *s)
{
	const char *p = s;

	if (!*s) {
		fputs("null", stdout);
		return;
	}
	if (*p == '-')
		p++;
	if (*p && strspn(p, "0123456789") == strlen(p) &&
	    (p[0] != '0' || !p[1]))
		fputs(s, stdout);
	else
		json_str(s);
}

static void json_key(const char *k, bool *first)
{
	if (!*first)
		putchar(',');
	*first = false;
	json_str(k);
	putchar(':');
}

/* The files of @dir, each "name": value, for the names @pick accepts. */
typedef bool (*file_pick)(const char *dir, const char *name);

static void json_files(const char *dir, file_pick pick)
{
	char **names = list_dir(dir, false), **p;
	bool first = true;
	char path[PATH_MAX];
	struct stat st;

	putchar('{');
	for (p = names; *p; p++) {
		pathf(path, "%s/%s", dir, *p);
		if (stat(path, &st) || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & 0400) || (pick && !pick(dir, *p)))
			continue;
		json_key(*p, &first);
		json_val(val(dir, *p));
	}
	putchar('}');
	free_list(names);
}

/* --- Finding a VM: by directory name, pid or comm. */

static char *vm_dir(const char *name)
{
	static char dir[PATH_MAX];

	pathf(dir, "%s/vms/%s", root, name);
	return dir;
}

static const char *find_vm(const char *what)
{
	static char found[NAME_MAX + 1];
	char **vms, **p;
	int hits = 0;
	struct stat st;

	check_loaded();
	if (!strchr(what, '/') && !stat(vm_dir(what), &st)) {
		snprintf(found, sizeof(found), "%s", what);
		return found;
	}
	vms = list_dir(vm_dir(""), true);
	for (p = vms; *p; p++) {
		if (strcmp(val(vm_dir(*p), "pid"), what) &&
		    strcmp(val(vm_dir(*p), "comm"), what))
			continue;
		if (hits++)
			die(EXIT_NOT_FOUND,
			    "%s: more than one VM (%s, %s): name its directory",
			    what, found, *p);
		snprintf(found, sizeof(found), "%s", *p);
	}
	free_list(vms);
	if (!hits)
		die(EXIT_NOT_FOUND, "%s: no such VM (kvmschedctl list shows them)",
		    what);
	return found;
}

/* --- status */

static int cmd_status(void)
{
	char **vms, **rules;
	struct utsname u;
	int nvms = 0, nrules = 0;

	check_loaded();
	uname(&u);
	vms = list_dir(vm_dir(""), true);
	while (vms[nvms])
		nvms++;
	{
		char dir[PATH_MAX];

		pathf(dir, "%s/rules", root);
		rules = list_dir(dir, true);
	}
	while (rules[nrules])
		nrules++;
	if (json) {
		bool first = true;

		putchar('{');
		json_key("schema", &first);
		printf("%d", JSON_SCHEMA);
		json_key("abi_version", &first);
		json_val(val(root, "version"));
		json_key("capabilities", &first);
		json_str(val(root, "capabilities"));
		json_key("kernel", &first);
		json_str(u.release);
		json_key("vms", &first);
		printf("%d", nvms);
		json_key("rules", &first);
		printf("%d", nrules);
		json_key("parameters", &first);
		json_files("/sys/module/kvmsched/parameters", NULL);
		puts("}");
	} else {
		printf("%-14s %s\n", "abi version", val(root, "version"));
		printf("%-14s %s\n", "capabilities", val(root, "capabilities"));
		printf("%-14s %s\n", "kernel", u.release);
		printf("%-14s %d\n", "VMs", nvms);
		printf("%-14s %d\n", "rules", nrules);
		printf("%-14s reconcile_ms=%s diag_window_ms=%s\n", "parameters",
		       val("/sys/module/kvmsched/parameters", "reconcile_ms"),
		       val("/sys/module/kvmsched/parameters", "diag_window_ms"));
	}
	free_list(vms);
	free_list(rules);
	return 0;
}

/* --- list */

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static int cmd_list(void)
{
	char **vms, **p;
	bool first = true;

	check_loaded();
	vms = list_dir(vm_dir(""), true);
	if (json) {
		printf("{\"schema\":%d,\"vms\":[", JSON_SCHEMA);
	} else {
		printf("%-16s %8s %-16s %5s %-12s %-8s %-12s %5s %s\n", "VM",
		       "PID", "COMM", "VCPUS", "CPUS", "POLICY", "RULE", "CPU%",
		       "CAUSE");
	}
	for (p = vms; *p; p++) {
		char d[PATH_MAX], diag[PATH_MAX];

		pathf(d, "%s", vm_dir(*p));
		pathf(diag, "%s/diag", d);
		if (json) {
			bool f = true;

			if (!first)
				putchar(',');
			first = false;
			putchar('{');
			json_key("name", &f);
			json_str(*p);
			json_key("pid", &f);
			json_val(val(d, "pid"));
			json_key("comm", &f);
			json_str(val(d, "comm"));
			json_key("nr_vcpus", &f);
			json_val(val(d, "nr_vcpus"));
			json_key("cpus", &f);
			json_str(val(d, "cpus"));
			json_key("sched_policy", &f);
			json_str(val(d, "sched_policy"));
			json_key("rule", &f);
			json_str(val(d, "rule"));
			json_key("cpu_pct", &f);
			json_val(val(diag, "cpu_pct"));
			json_key("top_cause", &f);
			json_str(val(diag, "top_cause"));
			putchar('}');
			continue;
		}
		printf("%-16s %8s %-16s %5s %-12s %-8s %-12s %5s %s\n", *p,
		       val(d, "pid"), val(d, "comm"), val(d, "nr_vcpus"),
		       or_dash(val(d, "cpus")), or_dash(val(d, "sched_policy")),
		       or_dash(val(d, "rule")), or_dash(val(diag, "cpu_pct")),
		       or_dash(val(diag, "top_cause")));
	}
	if (json)
		puts("]}");
	free_list(vms);
	return 0;
}

/* --- show */

static bool pick_setting(const char *dir, const char *name)
{
	return is_setting(dir, name);
}

static bool pick_state(const char *dir, const char *name)
{
	return !is_setting(dir, name);
}

/* "name value" for each file of @dir that @pick accepts, indented. */
static void text_files(const char *dir, file_pick pick)
{
	char **names = list_dir(dir, false), **p;
	char path[PATH_MAX];
	struct stat st;

	for (p = names; *p; p++) {
		pathf(path, "%s/%s", dir, *p);
		if (stat(path, &st) || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & 0400) || !pick(dir, *p))
			continue;
		printf("  %-24s %s\n", *p, or_dash(val(dir, *p)));
	}
	free_list(names);
}

static int cmd_show(const char *what)
{
	const char *name = find_vm(what);
	char d[PATH_MAX], sub[PATH_MAX];
	char **ids, **id;
	bool first = true;

	pathf(d, "%s", vm_dir(name));
	ids = list_vcpus(d);
	if (json) {
		bool f = true;

		printf("{\"schema\":%d,\"vm\":{", JSON_SCHEMA);
		json_key("name", &f);
		json_str(name);
		json_key("settings", &f);
		json_files(d, pick_setting);
		json_key("state", &f);
		json_files(d, pick_state);
		pathf(sub, "%s/stats", d);
		json_key("stats", &f);
		json_files(sub, NULL);
		pathf(sub, "%s/diag", d);
		json_key("diag", &f);
		json_files(sub, NULL);
		json_key("vcpus", &f);
		putchar('[');
		for (id = ids; *id; id++) {
			bool g = true;

			if (!first)
				putchar(',');
			first = false;
			pathf(sub, "%s/vcpus/%s", d, *id);
			putchar('{');
			json_key("id", &g);
			json_val(*id);
			json_key("settings", &g);
			json_files(sub, pick_setting);
			json_key("state", &g);
			json_files(sub, pick_state);
			strncat(sub, "/stats", sizeof(sub) - strlen(sub) - 1);
			json_key("stats", &g);
			json_files(sub, NULL);
			putchar('}');
		}
		puts("]}}");
		free_list(ids);
		return 0;
	}
	printf("VM %s: pid %s, comm %s, %s vCPUs, rule %s\n", name,
	       val(d, "pid"), val(d, "comm"), val(d, "nr_vcpus"),
	       or_dash(val(d, "rule")));
	puts("settings (empty: none):");
	text_files(d, pick_setting);
	puts("in force:");
	text_files(d, pick_state);
	pathf(sub, "%s/diag", d);
	printf("diag, over %s ms: cpu %s%%, guest %s%%, halt_poll %s%%, ",
	       or_dash(val(sub, "window_ms")), or_dash(val(sub, "cpu_pct")),
	       or_dash(val(sub, "guest_pct")), or_dash(val(sub, "halt_poll_pct")));
	printf("exits %s%%, emulator %s%%, steal %s%%: %s\n",
	       or_dash(val(sub, "exit_pct")), or_dash(val(sub, "emulator_pct")),
	       or_dash(val(sub, "steal_pct")), or_dash(val(sub, "top_cause")));
	printf("%-5s %8s %4s %4s %-12s %-12s %-8s %4s %5s %8s %8s %12s\n",
	       "VCPU", "TID", "CPU", "NODE", "CPUS", "EFFECTIVE", "POLICY",
	       "PRIO", "NICE", "AFF_REP", "SCHED_REP", "EXITS");
	for (id = ids; *id; id++) {
		pathf(sub, "%s/vcpus/%s", d, *id);
		printf("%-5s %8s %4s %4s %-12s %-12s %-8s %4s %5s %8s %8s %12s\n",
		       *id, or_dash(val(sub, "tid")), or_dash(val(sub, "cpu")),
		       or_dash(val(sub, "node")), or_dash(val(sub, "cpus")),
		       or_dash(val(sub, "effective_cpus")),
		       or_dash(val(sub, "effective_sched_policy")),
		       or_dash(val(sub, "effective_sched_priority")),
		       or_dash(val(sub, "effective_nice")),
		       or_dash(val(sub, "affinity_repairs")),
		       or_dash(val(sub, "sched_repairs")),
		       or_dash(val(sub, "stats/exits")));
	}
	free_list(ids);
	return 0;
}

/* --- set: one write to apply; the kernel's reason from /dev/kmsg. */

/* /dev/kmsg at its end, to read what the kernel logs from now; -1: none. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* The message text of the last kvmsched line about @prefix since open. */
static bool kmsg_reason(int fd, const char *prefix, char *out, size_t size)
{
	char rec[2048];
	bool got = false;
	ssize_t n;

	if (fd < 0)
		return false;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg, *end;

		if (n < 0)
			continue;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg || strncmp(msg + 1, "kvmsched: ", 10))
			continue;
		msg += 11;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		if (strncmp(msg, prefix, strlen(prefix)))
			continue;
		snprintf(out, size, "%s", msg);
		got = true;
	}
	return got;
}

static int cmd_set(const char *what, int argc, char **argv)
{
	const char *name = find_vm(what);
	/* Under a page: the most one sysfs write takes. */
	char line[4096], prefix[PATH_MAX], reason[1024];
	size_t len = 0;
	int i, err, kmsg;

	if (!argc)
		die(EXIT_USAGE, "set %s: no key=value given", name);
	for (i = 0; i < argc; i++) {
		if (!strchr(argv[i], '=') || strpbrk(argv[i], " \t\n"))
			die(EXIT_USAGE, "set %s: \"%s\": not key=value (a value has no blanks)",
			    name, argv[i]);
		len += snprintf(line + len, sizeof(line) - len, "%s%s",
				i ? " " : "", argv[i]);
		if (len >= sizeof(line) - 1)
			die(EXIT_USAGE, "set %s: over %zu bytes: more than one write takes",
			    name, sizeof(line) - 2);
	}
	strcat(line, "\n");
	kmsg = kmsg_open();
	err = write_at(vm_dir(name), "apply", line);
	if (!err) {
		if (json)
			printf("{\"schema\":%d,\"vm\":\"%s\",\"applied\":%d}\n",
			       JSON_SCHEMA, name, argc);
		if (kmsg >= 0)
			close(kmsg);
		return 0;
	}
	pathf(prefix, "vms/%s/apply", name);
	if (kmsg_reason(kmsg, prefix, reason, sizeof(reason)))
		fprintf(stderr, "kvmschedctl: set %s: %s: %s (nothing changed)\n",
			name, ks_errname(-err), reason);
	else
		fprintf(stderr,
			"kvmschedctl: set %s: %s: %s (nothing changed; dmesg names the setting)\n",
			name, ks_errname(-err), strerror(-err));
	if (kmsg >= 0)
		close(kmsg);
	return errno_status(-err);
}

/* --- rule */

static char *rule_dir(const char *name)
{
	static char dir[PATH_MAX];

	pathf(dir, "%s/rules/%s", root, name);
	return dir;
}

static int rule_write_fail(const char *rule, const char *file, int err,
			   int kmsg)
{
	char prefix[PATH_MAX], reason[1024];

	pathf(prefix, "rules/%s", rule);
	if (kmsg_reason(kmsg, prefix, reason, sizeof(reason)))
		fprintf(stderr, "kvmschedctl: rule %s: %s: %s: %s\n", rule,
			file, ks_errname(-err), reason);
	else
		fprintf(stderr, "kvmschedctl: rule %s: %s: %s: %s\n", rule,
			file, ks_errname(-err), strerror(-err));
	return errno_status(-err);
}

/*
 * rule add NAME [match=KIND ARG] [key=value ...]: the rule's files are
 * written one by one (rules have no apply); on any failure the rule is
 * removed again, so it exists whole or not at all.
 */
static int rule_add(const char *name, int argc, char **argv)
{
	char rules[PATH_MAX];
	int i, err, kmsg = kmsg_open(), status = 0;

	pathf(rules, "%s/rules", root);
	err = write_at(rules, "add", name);
	if (err) {
		status = rule_write_fail(name, "add", err, kmsg);
		goto out;
	}
	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i]) {
			fprintf(stderr, "kvmschedctl: rule %s: \"%s\": not key=value\n",
				name, argv[i]);
			status = EXIT_USAGE;
			break;
		}
		*eq = '\0';
		err = write_at(rule_dir(name), argv[i], eq + 1);
		if (err) {
			status = rule_write_fail(name, argv[i], err, kmsg);
			break;
		}
	}
	if (status)
		write_at(rules, "remove", name);
out:
	if (kmsg >= 0)
		close(kmsg);
	return status;
}

static int rule_show(const char *name, bool alone)
{
	struct stat st;

	if (stat(rule_dir(name), &st))
		die(EXIT_NOT_FOUND, "rule %s: no such rule", name);
	if (json) {
		bool f = true;

		if (alone)
			printf("{\"schema\":%d,\"rule\":", JSON_SCHEMA);
		putchar('{');
		json_key("name", &f);
		json_str(name);
		json_key("files", &f);
		json_files(rule_dir(name), NULL);
		putchar('}');
		if (alone)
			puts("}");
		return 0;
	}
	printf("rule %s: match %s, matched %s VMs\n", name,
	       or_dash(val(rule_dir(name), "match")),
	       val(rule_dir(name), "matched_vms"));
	text_files(rule_dir(name), pick_setting);
	return 0;
}

static int cmd_rule(int argc, char **argv)
{
	char rules[PATH_MAX], **names, **p;
	int err;

	check_loaded();
	if (!argc)
		die(EXIT_USAGE, "rule: add, remove, list or show");
	pathf(rules, "%s/rules", root);
	if (!strcmp(argv[0], "list")) {
		names = list_dir(rules, true);
		if (json)
			printf("{\"schema\":%d,\"rules\":[", JSON_SCHEMA);
		for (p = names; *p; p++) {
			if (json && p != names)
				putchar(',');
			if (json)
				rule_show(*p, false);
			else
				printf("%-20s %-40s %s\n", *p,
				       or_dash(val(rule_dir(*p), "match")),
				       val(rule_dir(*p), "matched_vms"));
		}
		if (json)
			puts("]}");
		free_list(names);
		return 0;
	}
	if (argc < 2)
		die(EXIT_USAGE, "rule %s: NAME missing", argv[0]);
	if (!strcmp(argv[0], "show"))
		return rule_show(argv[1], true);
	if (!strcmp(argv[0], "add"))
		return rule_add(argv[1], argc - 2, argv + 2);
	if (!strcmp(argv[0], "remove")) {
		err = write_at(rules, "remove", argv[1]);
		if (err == -ENOENT || err == -EINVAL)
			die(EXIT_NOT_FOUND, "rule %s: no such rule", argv[1]);
		return err ? rule_write_fail(argv[1], "remove", err, -1) : 0;
	}
	die(EXIT_USAGE, "rule %s: not add, remove, list or show", argv[0]);
	return EXIT_USAGE;
}

/* --- top: one line per VM, rates from two reads of the counters. */

struct top_vm {
	char name[NAME_MAX + 1];
	long long exits, repairs;
	double exits_s;
	long long cpu, guest, poll, steal;
	char node[16], cause[16], comm[32], pid[16];
};

static long long vm_repairs(const char *d)
{
	char **ids = list_vcpus(d), **id, sub[PATH_MAX];
	long long r = num(d, "emulator_repairs") + num(d, "halt_poll_repairs");

	for (id = ids; *id; id++) {
		pathf(sub, "%s/vcpus/%s", d, *id);
		r += num(sub, "affinity_repairs") + num(sub, "sched_repairs");
	}
	free_list(ids);
	return r;
}

static int top_read(struct top_vm *vms, int max)
{
	char **names = list_dir(vm_dir(""), true), **p, diag[PATH_MAX];
	int n = 0;

	for (p = names; *p && n < max; p++, n++) {
		struct top_vm *v = &vms[n];
		const char *d = vm_dir(*p);

		snprintf(v->name, sizeof(v->name), "%s", *p);
		pathf(diag, "%s/diag", d);
		v->exits = num(d, "stats/exits");
		v->repairs = vm_repairs(d);
		v->cpu = num(diag, "cpu_pct");
		v->guest = num(diag, "guest_pct");
		v->poll = num(diag, "halt_poll_pct");
		v->steal = num(diag, "steal_pct");
		snprintf(v->node, sizeof(v->node), "%s", or_dash(val(d, "home_node")));
		snprintf(v->cause, sizeof(v->cause), "%s", or_dash(val(diag, "top_cause")));
		snprintf(v->comm, sizeof(v->comm), "%s", val(d, "comm"));
		snprintf(v->pid, sizeof(v->pid), "%s", val(d, "pid"));
	}
	free_list(names);
	return n;
}

static const char *sort_key = "cpu";

static long long top_key(const struct top_vm *v)
{
	if (!strcmp(sort_key, "guest"))
		return v->guest;
	if (!strcmp(sort_key, "poll"))
		return v->poll;
	if (!strcmp(sort_key, "steal"))
		return v->steal;
	if (!strcmp(sort_key, "exits"))
		return (long long)v->exits_s;
	return v->cpu;
}

static int cmp_top(const void *a, const void *b)
{
	long long ka = top_key(a), kb = top_key(b);

	if (ka != kb)
		return ka < kb ? 1 : -1;
	return strcmp(((const struct top_vm *)a)->name,
		      ((const struct top_vm *)b)->name);
}

/* Lock-free, so a signal handler may store it (C11 7.14.1.1). */
static atomic_bool top_stop;

static void on_int(int sig)
{
	(void)sig;
	atomic_store(&top_stop, true);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void top_print(struct top_vm *vms, int n, bool batch, bool per_vcpu)
{
	char sub[PATH_MAX];
	int i;

	if (json) {
		printf("{\"schema\":%d,\"time\":%ld,\"vms\":[", JSON_SCHEMA,
		       (long)time(NULL));
		for (i = 0; i < n; i++) {
			struct top_vm *v = &vms[i];
			bool f = true;

			if (i)
				putchar(',');
			putchar('{');
			json_key("name", &f);
			json_str(v->name);
			json_key("pid", &f);
			json_val(v->pid);
			json_key("comm", &f);
			json_str(v->comm);
			json_key("cpu_pct", &f);
			printf("%lld", v->cpu);
			json_key("guest_pct", &f);
			printf("%lld", v->guest);
			json_key("halt_poll_pct", &f);
			printf("%lld", v->poll);
			json_key("steal_pct", &f);
			printf("%lld", v->steal);
			json_key("exits_per_s", &f);
			printf("%.0f", v->exits_s);
			json_key("home_node", &f);
			json_val(strcmp(v->node, "-") ? v->node : "");
			json_key("repairs", &f);
			printf("%lld", v->repairs);
			json_key("top_cause", &f);
			json_str(strcmp(v->cause, "-") ? v->cause : "");
			putchar('}');
		}
		puts("]}");
		fflush(stdout);
		return;
	}
	if (!batch)
		fputs("\033[H\033[2J", stdout);
	printf("%-16s %8s %-14s %5s %6s %6s %6s %9s %4s %7s %s\n", "VM", "PID",
	       "COMM", "CPU%", "GUEST%", "POLL%", "STEAL%", "EXITS/s", "NODE",
	       "REPAIRS", "CAUSE");
	for (i = 0; i < n; i++) {
		struct top_vm *v = &vms[i];
		char **ids, **id;

		printf("%-16s %8s %-14s %5lld %6lld %6lld %6lld %9.0f %4s %7lld %s\n",
		       v->name, v->pid, v->comm, v->cpu, v->guest, v->poll,
		       v->steal, v->exits_s, v->node, v->repairs, v->cause);
		if (!per_vcpu)
			continue;
		ids = list_vcpus(vm_dir(v->name));
		for (id = ids; *id; id++) {
			pathf(sub, "%s/vcpus/%s", vm_dir(v->name), *id);
			printf("  vcpu %-4s tid %-8s cpu %-4s %-8s ", *id,
			       or_dash(val(sub, "tid")), or_dash(val(sub, "cpu")),
			       or_dash(val(sub, "effective_sched_policy")));
			printf("runtime_ns %s run_delay_ns %s exits %s\n",
			       val(sub, "stats/runtime_ns"),
			       val(sub, "stats/run_delay_ns"),
			       val(sub, "stats/exits"));
		}
		free_list(ids);
	}
	if (batch)
		putchar('\n');
	fflush(stdout);
}

static int cmd_top(bool batch, double interval, long iterations,
		   bool per_vcpu)
{
	static struct top_vm prev[MAX_VMS], cur[MAX_VMS];
	int np, nc, i, j;
	double t0, t1;
	long it;

	check_loaded();
	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	np = top_read(prev, MAX_VMS);
	t0 = now_s();
	for (it = 0; !atomic_load(&top_stop) && (!iterations || it < iterations); it++) {
		struct timespec ts = { (time_t)interval,
				       (long)((interval - (time_t)interval) * 1e9) };

		nanosleep(&ts, NULL);
		if (atomic_load(&top_stop))
			break;
		nc = top_read(cur, MAX_VMS);
		t1 = now_s();
		for (i = 0; i < nc; i++) {
			cur[i].exits_s = 0;
			for (j = 0; j < np; j++)
				if (!strcmp(prev[j].name, cur[i].name))
					cur[i].exits_s = (cur[i].exits - prev[j].exits) /
							 (t1 - t0);
		}
		memcpy(prev, cur, nc * sizeof(*cur));
		np = nc;
		t0 = t1;
		qsort(cur, nc, sizeof(*cur), cmp_top);
		top_print(cur, nc, batch, per_vcpu);
	}
	return 0;
}

static void print_usage(FILE *f, int status)
{
	fprintf(f,
		"usage: kvmschedctl [--json] COMMAND [ARGS]\n"
		"  status                    version, capabilities, kernel, VMs, rules\n"
		"  list                      one line per VM\n"
		"  show VM                   a VM's settings, what is in force, its vCPUs\n"
		"  set VM key=value ...      settings in one write, all or none\n"
		"                            (keys: the VM's files; vcpu.N.key for vCPU N)\n"
		"  rule list | show NAME | remove NAME\n"
		"  rule add NAME [match=\"comm|pid|cgroup ARG\"] [key=value ...]\n"
		"  top [--batch] [--interval S] [--iterations N] [--sort cpu|guest|poll|steal|exits]\n"
		"      [--vcpus]             refreshing view, one line per VM\n"
		"VM: its directory name under vms/, its VMM's pid, or its comm.\n"
		"--json: one JSON object per result (top: per refresh), schema %d.\n"
		"Exit: 0 done, 1 usage, 2 not loaded, 3 permission, 4 no such VM or rule,\n"
		"      5 rejected by the kernel, 6 other error.\n", JSON_SCHEMA);
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "batch", no_argument, NULL, 'b' },
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "vcpus", no_argument, NULL, 'v' },
		{ }
	};
	bool batch = false, per_vcpu = false;
	double interval = 2;
	long iterations = 0;
	const char *env = getenv("KVMSCHED_ROOT");
	char *end;
	int c;

	if (env && *env)
		root = env;
	/* Options anywhere: "kvmschedctl top --batch" as "--json list". */
	while ((c = getopt_long(argc, argv, "jhbi:n:s:v", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			print_usage(stdout, 0);
			break;
		case 'b':
			batch = true;
			break;
		case 'i':
			interval = strtod(optarg, &end);
			if (*end || interval < 0.1 || interval > 3600)
				die(EXIT_USAGE, "--interval: 0.1 to 3600 seconds");
			break;
		case 'n':
			iterations = strtol(optarg, &end, 10);
			if (*end || iterations < 1)
				die(EXIT_USAGE, "--iterations: a count from 1");
			break;
		case 's':
			if (strcmp(optarg, "cpu") && strcmp(optarg, "guest") &&
			    strcmp(optarg, "poll") && strcmp(optarg, "steal") &&
			    strcmp(optarg, "exits"))
				die(EXIT_USAGE, "--sort: cpu, guest, poll, steal or exits");
			sort_key = optarg;
			break;
		case 'v':
			per_vcpu = true;
			break;
		default:
			print_usage(stderr, EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (!argc)
		print_usage(stderr, EXIT_USAGE);
	/* The tree's settings are 0600 and its statistics 0400. */
	if (geteuid())
		die(EXIT_PERM, "must be run as root: %s is readable and writable by root only",
		    root);
	if (!strcmp(argv[0], "top") && argc == 1)
		return cmd_top(batch || json, interval, iterations, per_vcpu);
	if (!strcmp(argv[0], "status") && argc == 1)
		return cmd_status();
	if (!strcmp(argv[0], "list") && argc == 1)
		return cmd_list();
	if (!strcmp(argv[0], "show") && argc == 2)
		return cmd_show(argv[1]);
	if (!strcmp(argv[0], "set") && argc >= 2)
		return cmd_set(argv[1], argc - 2, argv + 2);
	if (!strcmp(argv[0], "rule"))
		return cmd_rule(argc - 1, argv + 1);
	print_usage(stderr, EXIT_USAGE);
	return EXIT_USAGE;
}
