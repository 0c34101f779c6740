// SPDX-License-Identifier: GPL-2.0
/*
 * ksvmm - a minimal /dev/kvm "VMM" used as a test client for kvmsched.
 *
 * Real VMMs create their vCPUs in one of two ways, and kvmsched must find
 * the vCPU threads either way:
 *  -p self  QEMU: each vCPU fd is created by the thread that will run it;
 *  -p main  Firecracker, Cloud Hypervisor: the main thread creates all vCPU
 *           fds, and runner threads that never created anything use them
 *           later.
 * Every VM runs a few bytes of real-mode code that exits to userspace on
 * each iteration (-g io, -g hlt) or never (-g spin).  No in-kernel irqchip
 * is created, so every vCPU is runnable from creation and HLT exits to us.
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -static -pthread -o ksvmm ksvmm.c
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/kvm.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_VMS		16
#define MAX_VCPUS	64
#define MEM_SIZE	0x10000
#define CODE_GPA	0x1000
#define GUEST_PORT	0x10
#define TSS_GPA		0xfffbd000	/* 3 pages, clear of the memslot */
#define CHURN_EXITS	20
#define TICK_NS		1000000		/* main thread poll and kick period */

enum guest { GUEST_IO, GUEST_HLT, GUEST_SPIN };

/* 16-bit code placed at CODE_GPA; the rest of guest memory is zero. */
static const struct {
	const char *name;
	unsigned char code[5];
} guests[] = {
	/* 1: inc ax; out GUEST_PORT, al; jmp 1b */
	[GUEST_IO]   = { "io",   { 0x40, 0xe6, GUEST_PORT, 0xeb, 0xfb } },
	/* 1: hlt; jmp 1b */
	[GUEST_HLT]  = { "hlt",  { 0xf4, 0xeb, 0xfd } },
	/* 1: jmp 1b */
	[GUEST_SPIN] = { "spin", { 0xeb, 0xfe } },
};

struct vm;

struct vcpu {
	struct vm *vm;
	int id;			/* KVM vCPU id, not the index */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;		/* thread was created and must be joined */
	pid_t tid;
	unsigned long exits;	/* KVM_RUN returned with an expected exit */
	unsigned long intr;	/* KVM_RUN returned EINTR or EAGAIN */
	atomic_bool ran;	/* progress() > 0, published for the main thread */
	atomic_bool done;	/* the thread has left its run loop */
	char name[40];
};

struct vm {
	int idx;
	int fd;
	void *mem;
	char name[16];
	struct vcpu vcpus[MAX_VCPUS];
};

static long opt_vms = 1, opt_vcpus = 1, opt_first_id, opt_stride = 1;
static long opt_time_ms, opt_delay_ms, opt_churn;
static bool opt_main_pattern, opt_quiet;
static enum guest opt_guest = GUEST_IO;
static const char *opt_ready;

static int kvm_fd;
static size_t run_size;
static struct vm vms[MAX_VMS];

static atomic_bool term_requested;
static atomic_bool stop_vcpus;
static atomic_bool failed;
static __thread struct kvm_run *self_run;

static void fail(void)
{
	atomic_store(&failed, true);
	atomic_store(&stop_vcpus, true);
}

static int checked_ioctl(const char *who, int fd, unsigned long req,
			 unsigned long arg, const char *name)
{
	int ret = ioctl(fd, req, arg);

	if (ret < 0)
		fprintf(stderr, "ksvmm: %s: %s failed: %m\n", who, name);
	return ret;
}

#define kvm_ioctl(who, fd, req, arg) \
	checked_ioctl(who, fd, req, (unsigned long)(arg), #req)

static void on_term(int sig)
{
	(void)sig;
	atomic_store(&term_requested, true);
}

/*
 * SIGUSR1 kicks a vCPU thread out of KVM_RUN.  A kick that lands between
 * the thread's stop check and KVM_RUN would be lost, and a spinning guest
 * would not come back, so once stopping also set immediate_exit: KVM then
 * returns EINTR from the next KVM_RUN without entering the guest.  Other
 * kicks only need to interrupt a guest that is running right now.
 */
static void on_kick(int sig)
{
	(void)sig;
	if (self_run && atomic_load(&stop_vcpus))
		self_run->immediate_exit = 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Returns early with EINTR when the main thread gets SIGTERM or SIGINT. */
static void tick(void)
{
	struct timespec ts = { .tv_nsec = TICK_NS };

	nanosleep(&ts, NULL);
}

static void sleep_ms(long ms)
{
	long long end = now_ms() + ms;

	while (!atomic_load(&term_requested) && now_ms() < end)
		tick();
}

/* Progress means an expected exit, or in spin mode a kick (EINTR). */
static unsigned long progress(const struct vcpu *vc)
{
	return opt_guest == GUEST_SPIN ? vc->intr : vc->exits;
}

static void vm_init(struct vm *vm, int idx)
{
	int j;

	memset(vm, 0, sizeof(*vm));
	vm->idx = idx;
	vm->fd = -1;
	snprintf(vm->name, sizeof(vm->name), "vm %d", idx);
	for (j = 0; j < opt_vcpus; j++) {
		struct vcpu *vc = &vm->vcpus[j];

		vc->vm = vm;
		vc->id = opt_first_id + j * opt_stride;
		vc->fd = -1;
		snprintf(vc->name, sizeof(vc->name), "vm %d vcpu %d",
			 idx, vc->id);
	}
}

static int vm_create(struct vm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
	};

	vm->fd = kvm_ioctl(vm->name, kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return -1;
	/* Real mode needs this on Intel without unrestricted guest; SVM ignores it. */
	if (kvm_ioctl(vm->name, vm->fd, KVM_SET_TSS_ADDR, TSS_GPA) < 0)
		return -1;
	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		fprintf(stderr, "ksvmm: %s: mmap guest memory: %m\n", vm->name);
		return -1;
	}
	memcpy((char *)vm->mem + CODE_GPA, guests[opt_guest].code,
	       sizeof(guests[opt_guest].code));
	region.userspace_addr = (uintptr_t)vm->mem;
	return kvm_ioctl(vm->name, vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

static int vcpu_create(struct vcpu *vc)
{
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 0x2 };
	struct kvm_sregs sregs;

	vc->fd = kvm_ioctl(vc->name, vc->vm->fd, KVM_CREATE_VCPU, vc->id);
	if (vc->fd < 0)
		return -1;
	vc->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vc->fd, 0);
	if (vc->run == MAP_FAILED) {
		vc->run = NULL;
		fprintf(stderr, "ksvmm: %s: mmap kvm_run: %m\n", vc->name);
		return -1;
	}
	/* Reset state is real mode at f000:fff0; our code is at 0000:1000. */
	if (kvm_ioctl(vc->name, vc->fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (kvm_ioctl(vc->name, vc->fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	return kvm_ioctl(vc->name, vc->fd, KVM_SET_REGS, &regs) < 0 ? -1 : 0;
}

static bool exit_ok(const struct vcpu *vc)
{
	const struct kvm_run *run = vc->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (opt_guest == GUEST_IO && run->io.port == GUEST_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT)
			return true;
		break;
	case KVM_EXIT_HLT:
		if (opt_guest == GUEST_HLT)
			return true;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, "ksvmm: %s: KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx\n",
			vc->name,
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "ksvmm: %s: KVM_EXIT_INTERNAL_ERROR, suberror %u\n",
			vc->name, run->internal.suberror);
		return false;
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr, "ksvmm: %s: KVM_EXIT_SHUTDOWN (triple fault)\n",
			vc->name);
		return false;
	}
	fprintf(stderr, "ksvmm: %s: unexpected exit reason %u (KVM_EXIT_*)\n",
		vc->name, run->exit_reason);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vc = arg;
	bool churn = opt_churn > 0;

	vc->tid = syscall(SYS_gettid);
	if (!opt_main_pattern && vcpu_create(vc) < 0)
		goto err;
	self_run = vc->run;
	while (!atomic_load(&stop_vcpus) &&
	       !(churn && progress(vc) >= CHURN_EXITS)) {
		if (ioctl(vc->fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				fprintf(stderr, "ksvmm: %s: KVM_RUN failed: %m\n",
					vc->name);
				goto err;
			}
			vc->intr++;
		} else if (exit_ok(vc)) {
			vc->exits++;
		} else {
			goto err;
		}
		if (progress(vc))
			atomic_store(&vc->ran, true);
	}
	atomic_store(&vc->done, true);
	return NULL;
err:
	fail();
	atomic_store(&vc->done, true);
	return NULL;
}

static int vcpu_start(struct vcpu *vc)
{
	sigset_t term, old;
	int err;

	/* Threads inherit the mask: SIGTERM and SIGINT are the main thread's. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	err = pthread_create(&vc->thread, NULL, vcpu_thread, vc);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		fprintf(stderr, "ksvmm: %s: pthread_create: %s\n",
			vc->name, strerror(err));
		return -1;
	}
	vc->started = true;
	return 0;
}

/* With churned >= 0 this is the end-of-churn report, not the vCPU list. */
static int write_ready(int nvms, long churned)
{
	char tmp[PATH_MAX];
	FILE *f;
	int i, j, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", opt_ready) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		goto err;
	}
	f = fopen(tmp, "w");
	if (!f)
		goto err;
	fprintf(f, "pid %d\n", (int)getpid());
	if (churned >= 0)
		fprintf(f, "done %ld\n", churned);
	for (i = 0; i < nvms; i++)
		for (j = 0; j < opt_vcpus; j++)
			fprintf(f, "vm %d fd %d vcpu %d tid %d\n", vms[i].idx,
				vms[i].fd, vms[i].vcpus[j].id,
				(int)vms[i].vcpus[j].tid);
	err = ferror(f);
	if (fclose(f) || err || rename(tmp, opt_ready))
		goto err;
	return 0;
err:
	fprintf(stderr, "ksvmm: writing ready file %s: %m\n", opt_ready);
	return -1;
}

/*
 * Wait until no vCPU thread is left in its run loop.  Meanwhile start the
 * stop on timeout or SIGTERM/SIGINT, write the ready file, and kick the
 * threads whose guest will not come back by itself.
 */
static void supervise(int nvms, bool churn)
{
	bool ready_done = churn || !opt_ready;
	long long start = now_ms();

	for (;;) {
		bool stop = atomic_load(&stop_vcpus);
		int live = 0, unready = 0, i, j;

		if (!stop && (atomic_load(&term_requested) ||
			      (!churn && opt_time_ms &&
			       now_ms() - start >= opt_time_ms))) {
			atomic_store(&stop_vcpus, true);
			stop = true;
		}
		for (i = 0; i < nvms; i++) {
			for (j = 0; j < opt_vcpus; j++) {
				struct vcpu *vc = &vms[i].vcpus[j];
				bool ran = atomic_load(&vc->ran);

				unready += !ran;
				if (!vc->started || atomic_load(&vc->done))
					continue;
				live++;
				/*
				 * Repeat stop kicks until the thread is out: one
				 * may land before the thread set self_run.  A
				 * spinning guest only makes progress (first
				 * return, churn) when kicked.
				 */
				if (stop || (opt_guest == GUEST_SPIN && (churn || !ran)))
					pthread_kill(vc->thread, SIGUSR1);
			}
		}
		if (!live)
			return;
		if (!ready_done && !unready && !stop) {
			if (write_ready(nvms, -1) < 0)
				fail();
			ready_done = true;
		}
		tick();
	}
}

static int setup(int nvms)
{
	int i, j;

	for (i = 0; i < nvms; i++)
		if (vm_create(&vms[i]) < 0)
			return -1;
	if (opt_main_pattern) {
		for (i = 0; i < nvms; i++)
			for (j = 0; j < opt_vcpus; j++)
				if (vcpu_create(&vms[i].vcpus[j]) < 0)
					return -1;
		sleep_ms(opt_delay_ms);
	}
	for (i = 0; i < nvms; i++)
		for (j = 0; j < opt_vcpus; j++)
			if (vcpu_start(&vms[i].vcpus[j]) < 0)
				return -1;
	return 0;
}

static void run_vms(int nvms, bool churn)
{
	int i, j;

	if (setup(nvms) < 0)
		fail();
	supervise(nvms, churn);
	for (i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];

		for (j = 0; j < opt_vcpus; j++) {
			struct vcpu *vc = &vm->vcpus[j];

			if (vc->started)
				pthread_join(vc->thread, NULL);
			if (vc->run)
				munmap(vc->run, run_size);
			if (vc->fd >= 0)
				close(vc->fd);
		}
		if (vm->mem)
			munmap(vm->mem, MEM_SIZE);
		if (vm->fd >= 0)
			close(vm->fd);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ksvmm [-m VMS] [-v VCPUS] [-p self|main] [-g io|hlt|spin] [-t MS]\n"
		"             [-c N] [-r FILE] [-i FIRST_ID] [-s STRIDE] [-d MS] [-q]\n"
		"  -m VMs (max %d), -v vCPUs per VM (max %d), -i first vCPU id, -s id step\n"
		"  -p self: runner threads create their vCPU fds (QEMU, default)\n"
		"     main: main thread creates all vCPU fds, sleeps -d MS, spawns runners\n"
		"  -g guest: io (default), hlt or spin\n"
		"  -t stop after MS milliseconds (default 0: at SIGTERM/SIGINT)\n"
		"  -c churn through N VMs, each until its vCPUs did %d exits\n"
		"  -r write FILE once every vCPU has returned from KVM_RUN\n"
		"  -q no summary\n", MAX_VMS, MAX_VCPUS, CHURN_EXITS);
	exit(1);
}

static const struct {
	int opt;
	long *val;
	long min, max;
} num_opts[] = {
	{ 'm', &opt_vms, 1, MAX_VMS },
	{ 'v', &opt_vcpus, 1, MAX_VCPUS },
	/* KVM enforces its own limit on ids; these only avoid overflow. */
	{ 'i', &opt_first_id, 0, 1 << 20 },
	{ 's', &opt_stride, 1, 1 << 16 },
	{ 't', &opt_time_ms, 0, INT_MAX },
	{ 'd', &opt_delay_ms, 0, INT_MAX },
	{ 'c', &opt_churn, 1, INT_MAX },
};

static void num_arg(int opt)
{
	unsigned int i;
	char *end;
	long v;

	for (i = 0; i < ARRAY_SIZE(num_opts); i++) {
		if (num_opts[i].opt != opt)
			continue;
		errno = 0;
		v = strtol(optarg, &end, 10);
		if (errno || end == optarg || *end ||
		    v < num_opts[i].min || v > num_opts[i].max) {
			fprintf(stderr, "ksvmm: -%c: expected a number in [%ld, %ld]\n",
				opt, num_opts[i].min, num_opts[i].max);
			exit(1);
		}
		*num_opts[i].val = v;
		return;
	}
	usage();
}

static void parse_args(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "m:v:p:g:t:c:r:i:s:d:q")) != -1) {
		switch (opt) {
		case 'p':
			if (strcmp(optarg, "main") && strcmp(optarg, "self"))
				usage();
			opt_main_pattern = !strcmp(optarg, "main");
			break;
		case 'g':
			for (opt_guest = GUEST_IO; opt_guest <= GUEST_SPIN; opt_guest++)
				if (!strcmp(optarg, guests[opt_guest].name))
					break;
			if (opt_guest > GUEST_SPIN)
				usage();
			break;
		case 'r':
			opt_ready = optarg;
			break;
		case 'q':
			opt_quiet = true;
			break;
		default:
			num_arg(opt);
		}
	}
	if (optind != argc)
		usage();
}

static int run_churn(void)
{
	unsigned long total = 0;
	long done;
	int j;

	for (done = 0; done < opt_churn && !atomic_load(&term_requested); done++) {
		vm_init(&vms[0], done);
		run_vms(1, true);
		/* Stopped early (signal or failure): this VM did not complete. */
		if (atomic_load(&stop_vcpus))
			break;
		for (j = 0; j < opt_vcpus; j++)
			total += vms[0].vcpus[j].exits;
	}
	if (!opt_quiet)
		printf("churned %ld\ntotal_exits %lu\n", done, total);
	if (done != opt_churn)
		return 1;
	return opt_ready && write_ready(0, done) < 0 ? 1 : 0;
}

static int run_normal(void)
{
	unsigned long total = 0;
	bool ok;
	int i, j;

	for (i = 0; i < opt_vms; i++)
		vm_init(&vms[i], i);
	run_vms(opt_vms, false);
	ok = !atomic_load(&failed);
	for (i = 0; i < opt_vms; i++) {
		for (j = 0; j < opt_vcpus; j++) {
			const struct vcpu *vc = &vms[i].vcpus[j];

			if (!atomic_load(&vc->ran)) {
				fprintf(stderr, "ksvmm: %s: never returned from KVM_RUN\n",
					vc->name);
				ok = false;
			}
			total += vc->exits;
			if (!opt_quiet)
				printf("vm %d vcpu %d tid %d exits %lu intr %lu\n",
				       i, vc->id, (int)vc->tid, vc->exits, vc->intr);
		}
	}
	if (!opt_quiet)
		printf("total_exits %lu\n", total);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	int ret;

	parse_args(argc, argv);

	/* No SA_RESTART: the signals must interrupt KVM_RUN and nanosleep. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_kick;
	sigaction(SIGUSR1, &sa, NULL);

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0) {
		fprintf(stderr, "ksvmm: open /dev/kvm: %m\n");
		return 1;
	}
	ret = kvm_ioctl("kvm", kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		fprintf(stderr, "ksvmm: KVM API version %d, expected %d\n",
			ret, KVM_API_VERSION);
		return 1;
	}
	ret = kvm_ioctl("kvm", kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < (int)sizeof(struct kvm_run))
		return 1;
	run_size = ret;

	ret = opt_churn ? run_churn() : run_normal();
	close(kvm_fd);
	return ret;
}
