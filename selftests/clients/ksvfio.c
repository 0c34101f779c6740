// SPDX-License-Identifier: GPL-2.0
/*
 * ksvfio - a test VMM with one PCI device passed through with VFIO (the
 * emulated edu device), whose MSI reaches its guest the way QEMU delivers
 * a passthrough interrupt: the vector's host IRQ signals an eventfd, and
 * a KVM irqfd injects it on a GSI whose MSI route names the target vCPU.
 *
 * The guest is real-mode code on each vCPU with the in-kernel irqchip: it
 * switches its LAPIC to x2APIC mode, enables it, says it is ready (OUT to
 * READY_PORT) and halts in the kernel; its handler for IRQ_VECTOR reports
 * the interrupt (OUT to IRQ_PORT), sends EOI and returns to the halt.
 *
 * With -e instead of a device, each interrupt is an eventfd write from
 * this VMM's own thread, as a VMM's IO thread signals a virtio irqfd: the
 * same halt in KVM and the same injection, with no host IRQ. That is the
 * guest that halt polling serves (a wake-up that comes while KVM polls).
 *
 * With -q the handler reports nothing: it counts the interrupt in guest
 * memory (COUNT_GPA) and returns to the halt, so a wake-up costs no exit
 * to this VMM, as with a virtio guest. "storm N US" then sends N
 * interrupts US microseconds apart without waiting for them and replies
 * with how many the guest counted (irqfd injections coalesce, so at most
 * N); "spin MS" keeps this VMM's main thread (an emulator thread) busy for
 * MS ms.
 *
 * Commands on stdin, one per line, each answered by one line on stdout,
 * "ok ..." or "err ...": "raise N" (N interrupts, each waited for in the
 * guest; the reply gives the median and 99th percentile of the time from
 * the device write to the guest handler's exit), "route V" (re-route the MSI to vCPU V), "msi off|on" (disable or
 * enable the vector: VFIO frees and requests its IRQ, as when a guest
 * reprograms MSI), "irqfd off|on", "halt_poll NS" (the VMM's own
 * KVM_CAP_HALT_POLL), "counts", "quit" (or end of input).
 *
 * Strict like the KVM API examples: no signals, and any failed ioctl is
 * fatal, except EINTR from KVM_RUN, which QEMU re-enters from: a halted
 * vCPU sleeps in the kernel, and kvmsched's unload wakes it once with a
 * signal-style kick. Each is counted and reported ("eintr="), never
 * hidden.
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -static -pthread -o ksvfio ksvfio.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>
#include <linux/vfio.h>

#define MAX_VCPUS	8
#define MEM_SIZE	0x10000
#define CODE_GPA	0x1000
#define HANDLER_GPA	0x1100
#define COUNT_GPA	0x600
#define STACK_TOP	0x8000
#define TSS_GPA		0xfffbd000
#define IRQ_VECTOR	0x30
#define IRQ_PORT	0x11
#define READY_PORT	0x12
#define GSI		30
#define EDU_RAISE	0x60
#define EDU_ACK		0x64
#define RAISE_TIMEOUT_S	10
#define MAX_SAMPLES	10000

/* mov ecx,0x1b; rdmsr; or ax,0xc00; wrmsr: x2APIC on (EN already set). */
#define X2APIC_ON	0x66, 0xb9, 0x1b, 0, 0, 0, 0x0f, 0x32, \
			0x0d, 0x00, 0x0c, 0x0f, 0x30
/* mov ecx,0x80f; mov eax,0x1ff; xor edx,edx; wrmsr: APIC enabled. */
#define APIC_ON		0x66, 0xb9, 0x0f, 0x08, 0, 0, \
			0x66, 0xb8, 0xff, 0x01, 0, 0, 0x66, 0x31, 0xd2, 0x0f, 0x30

static const unsigned char guest_code[] = {
	X2APIC_ON, APIC_ON,
	0xe6, READY_PORT,		/* out READY_PORT, al */
	0xfb,				/* sti */
	0xf4, 0xeb, 0xfd,		/* 1: hlt; jmp 1b */
};

static const unsigned char guest_handler[] = {
	0xe6, IRQ_PORT,			/* out IRQ_PORT, al */
	0x66, 0xb9, 0x0b, 0x08, 0, 0,	/* mov ecx, 0x80b (EOI) */
	0x66, 0x31, 0xc0,		/* xor eax, eax */
	0x66, 0x31, 0xd2,		/* xor edx, edx */
	0x0f, 0x30,			/* wrmsr */
	0xcf,				/* iret */
};

static const unsigned char quiet_handler[] = {
	0x66, 0xff, 0x06, 0x00, 0x06,	/* inc dword [COUNT_GPA] */
	0x66, 0xb9, 0x0b, 0x08, 0, 0,	/* mov ecx, 0x80b (EOI) */
	0x66, 0x31, 0xc0,		/* xor eax, eax */
	0x66, 0x31, 0xd2,		/* xor edx, edx */
	0x0f, 0x30,			/* wrmsr */
	0xcf,				/* iret */
};

struct vcpu {
	int id, fd;
	struct kvm_run *run;
	pthread_t thread;
};

static int vm_fd, dev_fd = -1, irq_efd, nr_vcpus = 2;
static struct vcpu vcpus[MAX_VCPUS];
static off_t bar0;
static size_t run_size;
static int quiet;
static volatile uint32_t *guest_count;	/* -q: the guest's, at COUNT_GPA */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned long received[MAX_VCPUS];	/* under lock */
static unsigned long eintr;			/* under lock */
static uint64_t last_rx_ns;			/* under lock */
static uint64_t samples[MAX_SAMPLES];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}
static int nr_ready;				/* under lock */

static void die(const char *what)
{
	fprintf(stderr, "ksvfio: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void die_msg(const char *what)
{
	fprintf(stderr, "ksvfio: %s\n", what);
	exit(1);
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) < 0)
		die(what);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ksvfio -d BDF|-e [-n NVCPUS] [-t VCPU] [-o vfio|irqfd] [-r READYFILE]\n"
		"  -d BDF   PCI device bound to vfio-pci (an edu device)\n"
		"  -e       no device: interrupts are eventfd writes of this VMM\n"
		"  -q       the guest counts interrupts in memory, with no exit\n"
		"  -n N     vCPUs, 1-%d (default 2)\n"
		"  -t V     the vCPU the MSI route targets (default 0)\n"
		"  -o WHAT  first of VFIO_DEVICE_SET_IRQS and KVM_IRQFD (default vfio)\n"
		"  -r FILE  written once every vCPU is in the guest\n"
		"Commands on stdin: raise N, route V, msi off|on, irqfd off|on,\n"
		"halt_poll NS, storm N US (-e -q), spin MS, counts, quit.\n", MAX_VCPUS);
}

/* The device's fd, from its IOMMU group, in a type1v2 container. */
static int vfio_open(const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct vfio_group_status status = { .argsz = sizeof(status) };
	int container, group, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die(path);
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		die_msg("no VFIO type1v2 IOMMU");
	group = open(path, O_RDWR);
	if (group < 0)
		die(path);
	xioctl(group, VFIO_GROUP_GET_STATUS, &status, "VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		die_msg("IOMMU group not viable");
	xioctl(group, VFIO_GROUP_SET_CONTAINER, &container, "VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		die("VFIO_SET_IOMMU");
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	return fd;
}

static off_t region_offset(int index)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = index };

	xioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &info,
	       "VFIO_DEVICE_GET_REGION_INFO");
	return info.offset;
}

/* MSI is a DMA write: the device must be a bus master. */
static void bus_master(void)
{
	off_t cfg = region_offset(VFIO_PCI_CONFIG_REGION_INDEX);
	uint16_t cmd;

	if (pread(dev_fd, &cmd, 2, cfg + 4) != 2)
		die("read PCI command");
	cmd |= 4;
	if (pwrite(dev_fd, &cmd, 2, cfg + 4) != 2)
		die("write PCI command");
}

static void bar_write(off_t reg, uint32_t val)
{
	if (pwrite(dev_fd, &val, 4, bar0 + reg) != 4)
		die("write BAR0");
}

/* The MSI vector's trigger: @efd, or -1 to disable MSI. */
static int set_msi(int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int)];
	struct vfio_irq_set *set = (void *)buf;

	if (dev_fd < 0) {
		errno = ENODEV;
		return -1;
	}
	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(buf);
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->flags = VFIO_IRQ_SET_ACTION_TRIGGER;
	if (efd < 0) {
		set->flags |= VFIO_IRQ_SET_DATA_NONE;
		set->argsz = sizeof(*set);
	} else {
		set->flags |= VFIO_IRQ_SET_DATA_EVENTFD;
		set->count = 1;
		memcpy(set->data, &efd, sizeof(efd));
	}
	return ioctl(dev_fd, VFIO_DEVICE_SET_IRQS, set);
}

static int set_irqfd(int assign)
{
	struct kvm_irqfd irqfd = {
		.fd = irq_efd,
		.gsi = GSI,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(vm_fd, KVM_IRQFD, &irqfd);
}

/* The VMM's own per-VM halt-polling limit, as QEMU or crosvm would set it. */
static int set_halt_poll(long ns)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_HALT_POLL,
		.args = { ns },
	};

	return ioctl(vm_fd, KVM_ENABLE_CAP, &cap);
}

/* The GSI's only route: a fixed, edge, physical MSI to vCPU @dest. */
static int set_route(int dest)
{
	char buf[sizeof(struct kvm_irq_routing) +
		 sizeof(struct kvm_irq_routing_entry)];
	struct kvm_irq_routing *r = (void *)buf;

	memset(buf, 0, sizeof(buf));
	r->nr = 1;
	r->entries[0].gsi = GSI;
	r->entries[0].type = KVM_IRQ_ROUTING_MSI;
	r->entries[0].u.msi.address_lo = 0xfee00000 | (dest << 12);
	r->entries[0].u.msi.data = IRQ_VECTOR;
	return ioctl(vm_fd, KVM_SET_GSI_ROUTING, r);
}

static void *vcpu_loop(void *arg)
{
	struct vcpu *v = arg;
	uint64_t t;

	for (;;) {
		if (ioctl(v->fd, KVM_RUN, NULL) < 0) {
			if (errno != EINTR)
				die("KVM_RUN");
			pthread_mutex_lock(&lock);
			eintr++;
			pthread_mutex_unlock(&lock);
			continue;
		}
		if (v->run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "ksvfio: vCPU %d: exit %u\n", v->id,
				v->run->exit_reason);
			exit(1);
		}
		t = now_ns();
		pthread_mutex_lock(&lock);
		if (v->run->io.port == IRQ_PORT) {
			received[v->id]++;
			last_rx_ns = t;
		}
		else if (v->run->io.port == READY_PORT)
			nr_ready++;
		else
			die_msg("OUT to an unknown port");
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void vcpu_create(struct vcpu *v, int id)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e;
	} cpuid = { .c.nent = 1, .e = { .function = 1, .ecx = 1u << 21 } };
	struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = CODE_GPA, .rflags = 2, .rsp = STACK_TOP - id * 0x200,
	};

	v->id = id;
	v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		die("KVM_CREATE_VCPU");
	v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run");
	xioctl(v->fd, KVM_SET_CPUID2, &cpuid, "KVM_SET_CPUID2");
	xioctl(v->fd, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ss.base = 0;
	sregs.ss.selector = 0;
	xioctl(v->fd, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	xioctl(v->fd, KVM_SET_REGS, &regs, "KVM_SET_REGS");
	/* With an in-kernel LAPIC, APs wait for INIT/SIPI otherwise. */
	xioctl(v->fd, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE");
}

static void vm_create(void)
{
	struct kvm_userspace_memory_region region = {
		.memory_size = MEM_SIZE,
	};
	uint16_t *ivt;
	void *mem;
	int kvm_fd, i;

	kvm_fd = open("/dev/kvm", O_RDWR);
	if (kvm_fd < 0)
		die("/dev/kvm");
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, TSS_GPA) < 0)
		die("KVM_SET_TSS_ADDR");
	xioctl(vm_fd, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	memcpy((char *)mem + CODE_GPA, guest_code, sizeof(guest_code));
	if (quiet)
		memcpy((char *)mem + HANDLER_GPA, quiet_handler,
		       sizeof(quiet_handler));
	else
		memcpy((char *)mem + HANDLER_GPA, guest_handler,
		       sizeof(guest_handler));
	guest_count = (uint32_t *)((char *)mem + COUNT_GPA);
	ivt = mem;
	ivt[IRQ_VECTOR * 2] = HANDLER_GPA;	/* offset, then segment 0 */
	region.userspace_addr = (uintptr_t)mem;
	xioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region,
	       "KVM_SET_USER_MEMORY_REGION");
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	for (i = 0; i < nr_vcpus; i++)
		vcpu_create(&vcpus[i], i);
}

static unsigned long total_received(void)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < nr_vcpus; i++)
		n += received[i];
	return n;
}

static void print_counts(void)
{
	int i;

	for (i = 0; i < nr_vcpus; i++)
		printf(" vcpu%d=%lu", i, received[i]);
	printf(" eintr=%lu\n", eintr);
}

/* Each interrupt is raised once and waited for: none is lost in a batch. */
static void raise_irqs(long n)
{
	struct timespec until;
	unsigned long want;
	uint64_t t0;
	long i, m;

	pthread_mutex_lock(&lock);
	for (i = 0; i < n; i++) {
		want = total_received() + 1;
		t0 = now_ns();
		if (dev_fd >= 0)
			bar_write(EDU_RAISE, 1);
		else if (eventfd_write(irq_efd, 1))
			die("eventfd_write");
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += RAISE_TIMEOUT_S;
		while (total_received() < want)
			if (pthread_cond_timedwait(&cond, &lock, &until) == ETIMEDOUT)
				break;
		if (dev_fd >= 0)
			bar_write(EDU_ACK, 1);
		if (i < MAX_SAMPLES)
			samples[i] = last_rx_ns - t0;
		if (total_received() < want) {
			printf("err raise %ld: timeout after %ld;", n, i);
			print_counts();
			pthread_mutex_unlock(&lock);
			return;
		}
	}
	m = n < MAX_SAMPLES ? n : MAX_SAMPLES;
	qsort(samples, m, sizeof(samples[0]), cmp_u64);
	printf("ok raise %ld received %ld p50_us=%.1f p99_us=%.1f", n, n,
	       samples[m / 2] / 1e3, samples[(m * 99) / 100] / 1e3);
	print_counts();
	pthread_mutex_unlock(&lock);
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* -e -q: @n interrupts @us apart, none waited for. */
static void storm(long n, long us)
{
	uint32_t before = *guest_count;
	long i;

	for (i = 0; i < n; i++) {
		if (eventfd_write(irq_efd, 1))
			die("eventfd_write");
		sleep_us(us);
	}
	/* The last injection lands within a few ms. */
	sleep_us(100000);
	printf("ok storm %ld sent %ld counted %u\n", n, n, *guest_count - before);
}

/* This thread busy, as an emulator thread copying or compressing. */
static void spin(long ms)
{
	uint64_t end = now_ns() + ms * 1000000ULL;

	while (now_ns() < end)
		;
	printf("ok spin %ld\n", ms);
}

static void reply(int ret, const char *cmd)
{
	if (ret < 0)
		printf("err %s: %s\n", cmd, strerror(errno));
	else
		printf("ok %s\n", cmd);
}

static void commands(void)
{
	char line[128], *nl;
	long n, us;

	while (fgets(line, sizeof(line), stdin)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (sscanf(line, "raise %ld", &n) == 1 && n > 0 && !quiet) {
			raise_irqs(n);
		} else if (sscanf(line, "storm %ld %ld", &n, &us) == 2 && n > 0 &&
			   us >= 0 && quiet && dev_fd < 0) {
			storm(n, us);
		} else if (sscanf(line, "spin %ld", &n) == 1 && n > 0) {
			spin(n);
		} else if (sscanf(line, "route %ld", &n) == 1 && n >= 0 &&
			   n < nr_vcpus) {
			reply(set_route(n), line);
		} else if (!strcmp(line, "msi off")) {
			reply(set_msi(-1), line);
		} else if (!strcmp(line, "msi on")) {
			reply(set_msi(irq_efd), line);
		} else if (!strcmp(line, "irqfd off")) {
			reply(set_irqfd(0), line);
		} else if (!strcmp(line, "irqfd on")) {
			reply(set_irqfd(1), line);
		} else if (sscanf(line, "halt_poll %ld", &n) == 1 && n >= 0) {
			reply(set_halt_poll(n), line);
		} else if (!strcmp(line, "counts")) {
			pthread_mutex_lock(&lock);
			printf("ok counts");
			print_counts();
			pthread_mutex_unlock(&lock);
		} else if (!strcmp(line, "quit")) {
			break;
		} else {
			printf("err unknown command: %s\n", line);
		}
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	const char *bdf = NULL, *ready = NULL, *order = "vfio";
	int opt, i, target = 0, no_dev = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "d:eqn:t:o:r:h")) != -1) {
		switch (opt) {
		case 'd':
			bdf = optarg;
			break;
		case 'e':
			no_dev = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'n':
			nr_vcpus = atoi(optarg);
			break;
		case 't':
			target = atoi(optarg);
			break;
		case 'o':
			order = optarg;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!bdf == !no_dev || nr_vcpus < 1 || nr_vcpus > MAX_VCPUS || target < 0 ||
	    target >= nr_vcpus || (strcmp(order, "vfio") && strcmp(order, "irqfd"))) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bdf) {
		dev_fd = vfio_open(bdf);
		bus_master();
		bar0 = region_offset(VFIO_PCI_BAR0_REGION_INDEX);
	}
	vm_create();
	if (set_route(target) < 0)
		die("KVM_SET_GSI_ROUTING");
	irq_efd = eventfd(0, EFD_CLOEXEC);
	if (irq_efd < 0)
		die("eventfd");
	if (!bdf) {
		if (set_irqfd(1) < 0)
			die("KVM_IRQFD");
	} else if (!strcmp(order, "vfio")) {
		if (set_msi(irq_efd) < 0)
			die("VFIO_DEVICE_SET_IRQS");
		if (set_irqfd(1) < 0)
			die("KVM_IRQFD");
	} else {
		if (set_irqfd(1) < 0)
			die("KVM_IRQFD");
		if (set_msi(irq_efd) < 0)
			die("VFIO_DEVICE_SET_IRQS");
	}
	for (i = 0; i < nr_vcpus; i++)
		if (pthread_create(&vcpus[i].thread, NULL, vcpu_loop, &vcpus[i]))
			die_msg("pthread_create");
	pthread_mutex_lock(&lock);
	while (nr_ready < nr_vcpus)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	if (ready) {
		f = fopen(ready, "w");
		if (!f || fprintf(f, "ready\n") < 0 || fclose(f))
			die(ready);
	}
	commands();
	/* In order: no vector left signalling an eventfd nobody reads. */
	if (bdf && set_msi(-1) < 0)
		die("VFIO_DEVICE_SET_IRQS off");
	if (set_irqfd(0) < 0 && errno != ENOENT)
		die("KVM_IRQFD deassign");
	return 0;
}
