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
 * -g irq measures how long a halted vCPU takes to wake up: its thread blocks
 * at each HLT exit, and an injector thread takes the halted vCPUs in turn,
 * waits 1-4 ms, and wakes one; that thread queues an interrupt with
 * KVM_INTERRUPT and reenters the guest, whose handler exits with an OUT.
 * The latency is from the wake to that exit, as a VMM's vCPU thread would
 * see it for an interrupt from its I/O thread.
 *
 * -w FILE: after its first guest exit, the first vCPU's thread starts an
 * IO thread, as QEMU does for device work begun by the guest; that thread's
 * first act is to write "tid T cpus LIST" (its own affinity) to FILE.
 *
 * -o FILE: each vCPU's thread, back from every guest exit it expects,
 * reads its own CPU (getcpu) and class (sched_getscheduler) and appends
 * "vcpu ID exit N cpu C policy P" to FILE whenever either changed: what the
 * vCPU ran as, and where, seen from the thread itself.
 *
 * -e makes it as strict as the KVM API examples: it uses no signals, and
 * any KVM_RUN error, EINTR included, is fatal. Its vCPUs then stop only at
 * their own exits, so it takes the io, hlt and irq guests, not spin.
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -static -pthread -I../../include -o ksvmm ksvmm.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
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
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/kvm.h>

#include "kvmsched_names.h"

#define MAX_VMS		16
#define MAX_VCPUS	64
#define MEM_SIZE	0x10000
#define CODE_GPA	0x1000
#define GUEST_PORT	0x10
#define TSS_GPA		0xfffbd000	/* 3 pages, clear of the memslot */
#define CHURN_EXITS	20
#define TICK_NS		1000000		/* main thread poll and kick period */
#define IRQ_VECTOR	0x20
#define IRQ_HANDLER	(CODE_GPA + 4)	/* in -g irq's code below */
#define MAX_WAKES	100000		/* latency samples kept per vCPU */

enum guest { GUEST_IO, GUEST_HLT, GUEST_SPIN, GUEST_IRQ, NR_GUESTS };

/* 16-bit code placed at CODE_GPA; the rest of guest memory is zero. */
static const struct {
	const char *name;
	unsigned char code[7];
} guests[] = {
	/* 1: inc ax; out GUEST_PORT, al; jmp 1b */
	[GUEST_IO]   = { "io",   { 0x40, 0xe6, GUEST_PORT, 0xeb, 0xfb } },
	/* 1: hlt; jmp 1b */
	[GUEST_HLT]  = { "hlt",  { 0xf4, 0xeb, 0xfd } },
	/* 1: jmp 1b */
	[GUEST_SPIN] = { "spin", { 0xeb, 0xfe } },
	/* sti; 1: hlt; jmp 1b; IRQ_HANDLER: out GUEST_PORT, al; iret */
	[GUEST_IRQ]  = { "irq",  { 0xfb, 0xf4, 0xeb, 0xfd,
				   0xe6, GUEST_PORT, 0xcf } },
};

struct vm;

/* A thread's scheduling as "POLICY PRIO NICE" fields of the ready file. */
struct sched_seen {
	int policy, prio, nice;
};

struct vcpu {
	struct sched_seen first;	/* at its first progress: in the guest */
	struct vm *vm;
	int id;			/* KVM vCPU id, not the index */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;		/* thread was created and must be joined */
	pid_t tid;
	unsigned long exits;	/* KVM_RUN returned with an expected exit */
	unsigned long intr;	/* KVM_RUN returned EINTR or EAGAIN */
	long long first_exit_ns, last_exit_ns;	/* -n: CLOCK_MONOTONIC */
	int seen_cpu, seen_policy;	/* -o: at its last exit; -1 at first */
	atomic_bool ran;	/* progress() > 0, published for the main thread */
	atomic_bool done;	/* the thread has left its run loop */
	char name[40];
	/* -g irq; halted, woken and wake_t0 are under irq_lock */
	pthread_cond_t wake_cond; /* signalled when woken or on stop */
	bool halted;		/* the thread is in halt_wait() */
	bool woken;		/* the injector ended that wait */
	long long wake_t0;	/* when, in ns; stable until the next halt */
	bool irq_owed;		/* woken, but KVM_INTERRUPT not done yet */
	unsigned long wakes;	/* latency samples */
	long long *lat;		/* the first MAX_WAKES of them, in ns */
	long long wake_p50, wake_p99, wake_max;	/* ns; max of all */
};

struct vm {
	int idx;
	int fd;
	void *mem;
	char name[16];
	struct vcpu vcpus[MAX_VCPUS];
};

static long opt_vms = 1, opt_vcpus = 1, opt_first_id, opt_stride = 1;
static long opt_time_ms, opt_delay_ms, opt_churn, opt_exits, opt_mem_mib;
static bool opt_main_pattern, opt_quiet, opt_strict, opt_main_leaves;
static enum guest opt_guest = GUEST_IO;
static const char *opt_ready, *opt_worker, *opt_observe;
static int observe_fd = -1;
static pthread_t worker;
static bool worker_started;

static int kvm_fd;
static size_t run_size;
static struct vm vms[MAX_VMS];

static atomic_bool term_requested;
static atomic_bool stop_vcpus;
static atomic_bool failed;
static __thread struct kvm_run *self_run;

/* -g irq: the injector waits on halt_cond for a vCPU to halt or be done. */
static pthread_mutex_t irq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t halt_cond = PTHREAD_COND_INITIALIZER;

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

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long now_ms(void)
{
	return now_ns() / 1000000;
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

/*
 * Progress means an expected exit, in spin mode a kick (EINTR), in irq
 * mode a wake-up.
 */
static unsigned long progress(const struct vcpu *vc)
{
	switch (opt_guest) {
	case GUEST_SPIN:
		return vc->intr;
	case GUEST_IRQ:
		return vc->wakes;
	default:
		return vc->exits;
	}
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
		vc->seen_cpu = -1;
		vc->seen_policy = -1;
		snprintf(vc->name, sizeof(vc->name), "vm %d vcpu %d",
			 idx, vc->id);
		pthread_cond_init(&vc->wake_cond, NULL);
	}
}

/* -M MiB, else the few pages the guest code needs. */
static size_t mem_size(void)
{
	return opt_mem_mib ? (size_t)opt_mem_mib << 20 : MEM_SIZE;
}

static int vm_create(struct vm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size(),
	};

	vm->fd = kvm_ioctl(vm->name, kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return -1;
	/* Real mode needs this on Intel without unrestricted guest; SVM ignores it. */
	if (kvm_ioctl(vm->name, vm->fd, KVM_SET_TSS_ADDR, TSS_GPA) < 0)
		return -1;
	vm->mem = mmap(NULL, mem_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		fprintf(stderr, "ksvmm: %s: mmap guest memory: %m\n", vm->name);
		return -1;
	}
	/* -M: all of it resident, on the node of the CPU creating the VM. */
	if (opt_mem_mib)
		memset(vm->mem, 0xff, mem_size());
	memcpy((char *)vm->mem + CODE_GPA, guests[opt_guest].code,
	       sizeof(guests[opt_guest].code));
	if (opt_guest == GUEST_IRQ) {
		__u16 *ivt = vm->mem;

		/* Real-mode IVT entry: offset, then segment. */
		ivt[IRQ_VECTOR * 2] = IRQ_HANDLER;
		ivt[IRQ_VECTOR * 2 + 1] = 0;
	}
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
		if ((opt_guest == GUEST_IO || opt_guest == GUEST_IRQ) &&
		    run->io.port == GUEST_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT)
			return true;
		break;
	case KVM_EXIT_HLT:
		if (opt_guest == GUEST_HLT || opt_guest == GUEST_IRQ)
			return true;
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		if (opt_guest == GUEST_IRQ)
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

/*
 * -g irq: blocks a thread whose vCPU exited on HLT until the injector wakes
 * it (true) or stop_vcpus is set (false).  stop_vcpus is read under
 * irq_lock, which halt_kick() takes after it is set: no stop is missed.
 */
static bool halt_wait(struct vcpu *vc)
{
	bool woken;

	pthread_mutex_lock(&irq_lock);
	vc->halted = true;
	pthread_cond_signal(&halt_cond);
	while (!vc->woken && !atomic_load(&stop_vcpus))
		pthread_cond_wait(&vc->wake_cond, &irq_lock);
	woken = vc->woken;
	vc->woken = false;
	vc->halted = false;
	pthread_mutex_unlock(&irq_lock);
	return woken;
}

/* Has a thread in halt_wait() look at stop_vcpus again. */
static void halt_kick(struct vcpu *vc)
{
	pthread_mutex_lock(&irq_lock);
	pthread_cond_signal(&vc->wake_cond);
	pthread_mutex_unlock(&irq_lock);
}

/*
 * Without an in-kernel irqchip, KVM delivers a KVM_INTERRUPT vector at the
 * next entry whatever the guest's state, so queue it only when the last
 * exit said the guest can take it; else KVM_RUN is to return as soon as it
 * can (KVM_EXIT_IRQ_WINDOW_OPEN).  After the HLT exit it normally can: IF
 * is set and KVM ends the sti shadow when it skips the HLT.
 */
static int irq_inject(struct vcpu *vc)
{
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };
	struct kvm_run *run = vc->run;

	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;
		return 0;
	}
	run->request_interrupt_window = 0;
	if (kvm_ioctl(vc->name, vc->fd, KVM_INTERRUPT, &irq) < 0)
		return -1;
	vc->irq_owed = false;
	return 0;
}

/*
 * -g irq, after an expected exit: HLT waits for a wake unless one is still
 * owed; the OUT is the handler, the end of a wake-up.  An open interrupt
 * window needs nothing: the loop injects before the next KVM_RUN.
 */
static void irq_exit(struct vcpu *vc)
{
	long long ns;

	switch (vc->run->exit_reason) {
	case KVM_EXIT_HLT:
		if (!vc->irq_owed)
			vc->irq_owed = halt_wait(vc);
		break;
	case KVM_EXIT_IO:
		ns = now_ns() - vc->wake_t0;
		if (vc->wakes < MAX_WAKES)
			vc->lat[vc->wakes] = ns;
		vc->wakes++;
		if (ns > vc->wake_max)
			vc->wake_max = ns;
		break;
	}
}

/* Leaves the run loop; the injector may be waiting for this vCPU. */
static void vcpu_done(struct vcpu *vc)
{
	pthread_mutex_lock(&irq_lock);
	atomic_store(&vc->done, true);
	pthread_cond_signal(&halt_cond);
	pthread_mutex_unlock(&irq_lock);
}

/*
 * What the calling thread runs with. Taken right after the thread's first
 * return from a guest entry, it shows what the entry ran with: kvmsched
 * sets a vCPU's class before its first entry and nobody else changes it.
 */
static void sched_seen(struct sched_seen *s)
{
	struct sched_param param = { 0 };

	s->policy = sched_getscheduler(0);
	sched_getparam(0, &param);
	s->prio = param.sched_priority;
	s->nice = getpriority(PRIO_PROCESS, 0);
}

static int spawn(const char *who, pthread_t *thread, void *(*fn)(void *),
		 void *arg)
{
	sigset_t term, old;
	int err;

	/* Threads inherit the mask: SIGTERM and SIGINT are the main thread's. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	err = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		fprintf(stderr, "ksvmm: %s: pthread_create: %s\n",
			who, strerror(err));
		return -1;
	}
	return 0;
}

/* The IO thread of -w: records where it starts, then idles until the end. */
static void *worker_thread(void *arg)
{
	char list[256] = "";
	cpu_set_t set;
	size_t len = 0;
	FILE *f;
	int cpu;

	(void)arg;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return NULL;
	for (cpu = 0; cpu < CPU_SETSIZE && len + 8 < sizeof(list); cpu++)
		if (CPU_ISSET(cpu, &set))
			len += snprintf(list + len, sizeof(list) - len, "%s%d",
					len ? "," : "", cpu);
	f = fopen(opt_worker, "w");
	if (f) {
		fprintf(f, "tid %ld cpus %s\n", (long)syscall(SYS_gettid), list);
		fclose(f);
	}
	while (!atomic_load(&stop_vcpus))
		tick();
	return NULL;
}

/* -o: one line when the thread's CPU or class changed since its last exit. */
static int observe(struct vcpu *vc)
{
	int cpu = sched_getcpu(), policy = sched_getscheduler(0), n;
	const char *name = ks_policy_name(policy);
	char line[96];

	if (cpu == vc->seen_cpu && policy == vc->seen_policy)
		return 0;
	vc->seen_cpu = cpu;
	vc->seen_policy = policy;
	n = snprintf(line, sizeof(line), "vcpu %d exit %lu cpu %d policy %s\n",
		     vc->id, vc->exits, cpu, name ? name : "unknown");
	/* O_APPEND: one write is one whole line, whichever thread writes. */
	if (write(observe_fd, line, n) != n) {
		fprintf(stderr, "ksvmm: %s: write %s: %m\n", vc->name,
			opt_observe);
		return -1;
	}
	return 0;
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
	       !(churn && progress(vc) >= CHURN_EXITS) &&
	       !(opt_exits && vc->exits >= (unsigned long)opt_exits)) {
		if (vc->irq_owed && irq_inject(vc) < 0)
			goto err;
		if (ioctl(vc->fd, KVM_RUN, 0) < 0) {
			if (opt_strict || (errno != EINTR && errno != EAGAIN)) {
				fprintf(stderr, "ksvmm: %s: KVM_RUN failed: %m\n",
					vc->name);
				goto err;
			}
			vc->intr++;
		} else if (exit_ok(vc)) {
			if (opt_exits) {
				vc->last_exit_ns = now_ns();
				if (!vc->exits)
					vc->first_exit_ns = vc->last_exit_ns;
			}
			vc->exits++;
			if (opt_guest == GUEST_IRQ)
				irq_exit(vc);
			if (observe_fd >= 0 && observe(vc) < 0)
				goto err;
		} else {
			goto err;
		}
		if (progress(vc) && !atomic_load(&vc->ran)) {
			sched_seen(&vc->first);
			atomic_store(&vc->ran, true);
			if (opt_worker && vc == &vc->vm->vcpus[0] &&
			    vc->vm->idx == 0 &&
			    spawn("worker", &worker, worker_thread, NULL) == 0)
				worker_started = true;
		}
	}
	vcpu_done(vc);
	return NULL;
err:
	fail();
	vcpu_done(vc);
	return NULL;
}

static int vcpu_start(struct vcpu *vc)
{
	if (opt_guest == GUEST_IRQ) {
		vc->lat = malloc(MAX_WAKES * sizeof(*vc->lat));
		if (!vc->lat) {
			fprintf(stderr, "ksvmm: %s: out of memory\n", vc->name);
			return -1;
		}
	}
	if (spawn(vc->name, &vc->thread, vcpu_thread, vc) < 0)
		return -1;
	vc->started = true;
	return 0;
}

/*
 * Wakes vc 1-4 ms after it blocked in halt_wait(); the random delay keeps
 * the wakes out of step with the tick.  False if instead its thread left
 * or is to leave its run loop (churn, stop, failure).
 */
static bool inject_one(struct vcpu *vc, unsigned int *seed)
{
	struct timespec delay = { 0 };
	bool halted;

	pthread_mutex_lock(&irq_lock);
	while (!vc->halted && !atomic_load(&vc->done) &&
	       !atomic_load(&stop_vcpus))
		pthread_cond_wait(&halt_cond, &irq_lock);
	halted = vc->halted && !atomic_load(&stop_vcpus);
	pthread_mutex_unlock(&irq_lock);
	if (!halted)
		return false;
	delay.tv_nsec = (1000 + rand_r(seed) % 3001) * 1000L;
	nanosleep(&delay, NULL);
	pthread_mutex_lock(&irq_lock);
	/* Only a stop can have ended the wait meanwhile. */
	if (vc->halted) {
		vc->wake_t0 = now_ns();
		vc->woken = true;
		pthread_cond_signal(&vc->wake_cond);
	}
	pthread_mutex_unlock(&irq_lock);
	return true;
}

/* -g irq: wakes the vCPUs in turn until all have left their run loops. */
static void *injector(void *arg)
{
	int nvms = (int)(intptr_t)arg, i, j;
	unsigned int seed = getpid();
	bool live = true;

	while (live && !atomic_load(&stop_vcpus)) {
		live = false;
		for (i = 0; i < nvms; i++)
			for (j = 0; j < opt_vcpus; j++)
				live |= inject_one(&vms[i].vcpus[j], &seed);
	}
	return NULL;
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
			fprintf(f, "vm %d fd %d vcpu %d tid %d sched %s prio %d nice %d\n",
				vms[i].idx, vms[i].fd, vms[i].vcpus[j].id,
				(int)vms[i].vcpus[j].tid,
				ks_policy_name(vms[i].vcpus[j].first.policy) ?: "other",
				vms[i].vcpus[j].first.prio,
				vms[i].vcpus[j].first.nice);
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
				if (!opt_strict &&
				    (stop || (opt_guest == GUEST_SPIN && (churn || !ran))))
					pthread_kill(vc->thread, SIGUSR1);
				/* Or it is in halt_wait(), in irq mode. */
				if (stop && opt_guest == GUEST_IRQ)
					halt_kick(vc);
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

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile P of the N > 0 sorted samples S. */
static long long percentile(const long long *s, unsigned long n,
			    unsigned int p)
{
	return s[(n * p + 99) / 100 - 1];
}

static void wake_stats(struct vcpu *vc)
{
	unsigned long n = vc->wakes < MAX_WAKES ? vc->wakes : MAX_WAKES;

	if (!n)
		return;
	qsort(vc->lat, n, sizeof(*vc->lat), cmp_ll);
	vc->wake_p50 = percentile(vc->lat, n, 50);
	vc->wake_p99 = percentile(vc->lat, n, 99);
}

static void run_vms(int nvms, bool churn)
{
	pthread_t inj;
	bool injecting = false;
	int i, j;

	if (setup(nvms) < 0)
		fail();
	else if (opt_main_leaves)
		/* The last vCPU thread to exit closes the fds, destroying the VMs. */
		pthread_exit(NULL);
	else if (opt_guest == GUEST_IRQ &&
		 spawn("injector", &inj, injector, (void *)(intptr_t)nvms) < 0)
		fail();
	else
		injecting = opt_guest == GUEST_IRQ;
	supervise(nvms, churn);
	/* Every vCPU thread is done, so the injector is or soon will be. */
	if (injecting)
		pthread_join(inj, NULL);
	for (i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];

		for (j = 0; j < opt_vcpus; j++) {
			struct vcpu *vc = &vm->vcpus[j];

			if (vc->started)
				pthread_join(vc->thread, NULL);
			if (vc->lat) {
				wake_stats(vc);
				free(vc->lat);
			}
			pthread_cond_destroy(&vc->wake_cond);
			if (vc->run)
				munmap(vc->run, run_size);
			if (vc->fd >= 0)
				close(vc->fd);
		}
		if (vm->mem)
			munmap(vm->mem, mem_size());
		if (vm->fd >= 0)
			close(vm->fd);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ksvmm [-m VMS] [-v VCPUS] [-p self|main] [-g io|hlt|spin|irq]\n"
		"             [-t MS] [-c N] [-r FILE] [-i FIRST_ID] [-s STRIDE] [-d MS] [-q] [-e]\n"
		"             [-w FILE] [-n EXITS] [-x] [-M MIB] [-o FILE]\n"
		"  -m VMs (max %d), -v vCPUs per VM (max %d), -i first vCPU id, -s id step\n"
		"  -p self: runner threads create their vCPU fds (QEMU, default)\n"
		"     main: main thread creates all vCPU fds, sleeps -d MS, spawns runners\n"
		"  -g guest: io (default), hlt, spin, or irq: halted vCPUs woken in turn\n"
		"     by KVM_INTERRUPT, with per-vCPU wake-up latency in the summary\n"
		"  -t stop after MS milliseconds (default 0: at SIGTERM/SIGINT)\n"
		"  -c churn through N VMs, each until its vCPUs did %d exits (irq: wakes)\n"
		"  -r write FILE once every vCPU has returned from KVM_RUN (irq: woken)\n"
		"  -q no summary\n"
		"  -w FILE: the first vCPU thread starts an IO thread, which writes\n"
		"     \"tid T cpus LIST\" (its affinity at its start) to FILE\n"
		"  -e strict: no signals, any KVM_RUN error (EINTR too) is fatal;\n"
		"     not with -g spin\n"
		"  -n each vCPU stops after EXITS exits; the summary gives the time\n"
		"     from its first exit to its last (EXITS - 1 round trips)\n"
		"  -x the main thread leaves once the vCPU threads run (with -n):\n"
		"     the last vCPU thread to exit destroys the VM; no summary\n"
		"  -M guest RAM in MiB, all written by the thread creating the VM\n"
		"     (default: 64 KiB, the pages the guest code touches)\n"
		"  -o FILE: each vCPU thread appends \"vcpu ID exit N cpu C policy P\"\n"
		"     whenever its CPU or class changed since its last exit\n", MAX_VMS, MAX_VCPUS, CHURN_EXITS);
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
	{ 'n', &opt_exits, 2, INT_MAX },
	{ 'M', &opt_mem_mib, 1, 4096 },
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

	while ((opt = getopt(argc, argv, "m:v:p:g:t:c:r:i:s:d:qew:n:xM:o:")) != -1) {
		switch (opt) {
		case 'p':
			if (strcmp(optarg, "main") && strcmp(optarg, "self"))
				usage();
			opt_main_pattern = !strcmp(optarg, "main");
			break;
		case 'g':
			for (opt_guest = GUEST_IO; opt_guest < NR_GUESTS; opt_guest++)
				if (!strcmp(optarg, guests[opt_guest].name))
					break;
			if (opt_guest == NR_GUESTS)
				usage();
			break;
		case 'r':
			opt_ready = optarg;
			break;
		case 'q':
			opt_quiet = true;
			break;
		case 'e':
			opt_strict = true;
			break;
		case 'w':
			opt_worker = optarg;
			break;
		case 'x':
			opt_main_leaves = true;
			break;
		case 'o':
			opt_observe = optarg;
			break;
		default:
			num_arg(opt);
		}
	}
	if (optind != argc || (opt_strict && opt_guest == GUEST_SPIN) ||
	    (opt_exits && (opt_churn || opt_guest == GUEST_SPIN)) ||
	    (opt_main_leaves && (!opt_exits || opt_guest == GUEST_IRQ)))
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
	/* The vCPU threads are done, so stop_vcpus is set. */
	if (worker_started)
		pthread_join(worker, NULL);
	ok = !atomic_load(&failed);
	for (i = 0; i < opt_vms; i++) {
		for (j = 0; j < opt_vcpus; j++) {
			const struct vcpu *vc = &vms[i].vcpus[j];

			if (!atomic_load(&vc->ran)) {
				fprintf(stderr, "ksvmm: %s: %s\n", vc->name,
					opt_guest == GUEST_IRQ ? "was never woken" :
					"never returned from KVM_RUN");
				ok = false;
			}
			total += vc->exits;
			if (opt_quiet)
				continue;
			printf("vm %d vcpu %d tid %d exits %lu intr %lu\n",
			       i, vc->id, (int)vc->tid, vc->exits, vc->intr);
			if (opt_exits && vc->exits > 1)
				printf("vm %d vcpu %d round_trips %lu round_trips_ns %lld\n",
				       i, vc->id, vc->exits - 1,
				       vc->last_exit_ns - vc->first_exit_ns);
			if (opt_guest != GUEST_IRQ)
				continue;
			printf("vm %d vcpu %d tid %d wake_n %lu", i, vc->id,
			       (int)vc->tid, vc->wakes);
			printf(" wake_p50_us %lld wake_p99_us %lld wake_max_us %lld\n",
			       vc->wake_p50 / 1000, vc->wake_p99 / 1000,
			       vc->wake_max / 1000);
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

	if (opt_observe) {
		observe_fd = open(opt_observe, O_WRONLY | O_CREAT | O_TRUNC |
				  O_APPEND | O_CLOEXEC, 0644);
		if (observe_fd < 0) {
			fprintf(stderr, "ksvmm: open %s: %m\n", opt_observe);
			return 1;
		}
	}
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
