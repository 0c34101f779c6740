// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU and per-VM statistics, read when a stats/ file is read.
 *
 * A vCPU's counters describe the vCPU, not a thread: the thread part is
 * what each thread that ran it did, followed across a change of thread
 * (the last one is read once more, if it lives, before the next counts),
 * and KVM's part survives a reset of KVM's counters (a write to its
 * debugfs files). Each reported value is a sum of what kvmsched saw its
 * sources add (statspol.c), so none goes backwards. What a thread did
 * after the last reading is lost if it exits before the next one.
 */
#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "policy.h"
#include "registry.h"
#include "stats.h"

/*
 * Serialises the accumulators of every vCPU and VM (ks_vcpu_pol.stats,
 * ks_vm_pol.emulator_runtime): a reading and its update must not
 * interleave with another's. Process context; taken before ks_lock, never
 * with ks_policy_mutex held (a stats read never waits on a policy write).
 */
static DEFINE_MUTEX(ks_stats_mutex);

static void ks_stats_read_thread(struct task_struct *t, u64 *raw)
{
	raw[KS_ST_RUNTIME_NS] = READ_ONCE(t->se.sum_exec_runtime);
	raw[KS_ST_GUEST_NS] = READ_ONCE(t->gtime);
#ifdef CONFIG_SCHED_INFO
	raw[KS_ST_RUN_DELAY_NS] = READ_ONCE(t->sched_info.run_delay);
	raw[KS_ST_RUN_COUNT] = READ_ONCE(t->sched_info.pcount);
#endif
	raw[KS_ST_MIGRATIONS] = READ_ONCE(t->se.nr_migrations);
	raw[KS_ST_VOLUNTARY_SWITCHES] = READ_ONCE(t->nvcsw);
	raw[KS_ST_INVOLUNTARY_SWITCHES] = READ_ONCE(t->nivcsw);
}

/* Under ks_lock: the vCPU thread updates them with plain increments. */
static void ks_stats_read_kvm(const struct kvm_vcpu *vcpu, void *arg)
{
	u64 *raw = arg;

	raw[KS_ST_EXITS] = READ_ONCE(vcpu->stat.exits);
	raw[KS_ST_IO_EXITS] = READ_ONCE(vcpu->stat.io_exits);
	raw[KS_ST_MMIO_EXITS] = READ_ONCE(vcpu->stat.mmio_exits);
	raw[KS_ST_IRQ_EXITS] = READ_ONCE(vcpu->stat.irq_exits);
	raw[KS_ST_HALT_EXITS] = READ_ONCE(vcpu->stat.halt_exits);
	raw[KS_ST_HALT_POLL_SUCCESS_NS] =
		READ_ONCE(vcpu->stat.generic.halt_poll_success_ns);
	raw[KS_ST_HALT_POLL_FAIL_NS] =
		READ_ONCE(vcpu->stat.generic.halt_poll_fail_ns);
	raw[KS_ST_HALT_WAIT_NS] = READ_ONCE(vcpu->stat.generic.halt_wait_ns);
	raw[KS_ST_HALT_POLLS] =
		READ_ONCE(vcpu->stat.generic.halt_attempted_poll);
	raw[KS_ST_HALT_WAKEUPS] = READ_ONCE(vcpu->stat.generic.halt_wakeup);
}

static void ks_stats_take_thread(struct ks_vcpu_pol *p, const u64 *raw,
				 bool same)
{
	int i;

	for (i = 0; i < KS_NR_THREAD_STATS; i++)
		ks_stat_take(&p->stats[i], raw[i], same);
}

/* The thread @p read last, with a reference, if it still lives. */
static struct task_struct *ks_stats_last_thread(struct ks_vcpu_pol *p)
{
	struct task_struct *t;

	rcu_read_lock();
	t = pid_task(find_pid_ns(p->stats_tid, &init_pid_ns), PIDTYPE_PID);
	if (t && t->start_time == p->stats_start)
		get_task_struct(t);
	else
		t = NULL;
	rcu_read_unlock();
	return t;
}

static void ks_stats_vcpu_take(struct ks_vcpu *v, u64 *out)
{
	struct ks_vcpu_pol *p = ks_vcp(v);
	u64 raw[KS_NR_VCPU_STATS] = { };
	struct task_struct *t, *old;
	int i;

	lockdep_assert_held(&ks_stats_mutex);
	t = ks_vcpu_get_task(v);
	if (p->stats_tid &&
	    (!t || task_pid_nr(t) != p->stats_tid ||
	     t->start_time != p->stats_start)) {
		/* A new thread (or none): the old one's last part first. */
		old = ks_stats_last_thread(p);
		if (old) {
			ks_stats_read_thread(old, raw);
			ks_stats_take_thread(p, raw, true);
			put_task_struct(old);
		}
		p->stats_tid = 0;
	}
	if (t) {
		ks_stats_read_thread(t, raw);
		ks_stats_take_thread(p, raw, p->stats_tid != 0);
		p->stats_tid = task_pid_nr(t);
		p->stats_start = t->start_time;
		put_task_struct(t);
	}
	if (!ks_vcpu_read_kvm(v, ks_stats_read_kvm, raw))
		for (i = KS_NR_THREAD_STATS; i < KS_NR_VCPU_STATS; i++)
			ks_stat_take(&p->stats[i], raw[i], true);
	for (i = 0; i < KS_NR_VCPU_STATS; i++)
		out[i] = p->stats[i].sum;
}

int ks_stats_vcpu(struct ks_vcpu *v, u64 *out)
{
	mutex_lock(&ks_stats_mutex);
	ks_stats_vcpu_take(v, out);
	mutex_unlock(&ks_stats_mutex);
	return 0;
}

/* A VMM's vhost kthreads (before Linux 6.4): their CPU time and number. */
struct ks_vhost {
	u64 ns, threads;
};

/*
 * One walk of every process, under rcu_read_lock(): each vhost kthread
 * counts for the VMs of its owner, @vh[i] for @vms[i].
 */
static void ks_stats_vhost(struct ks_vm **vms, int n, struct ks_vhost *vh)
{
	struct task_struct *p;
	struct pid *owner;
	int i;

	for_each_process(p) {
		owner = ks_vhost_owner(p);
		if (!owner)
			continue;
		for (i = 0; i < n; i++) {
			if (vms[i]->tgid == owner) {
				vh[i].ns += READ_ONCE(p->se.sum_exec_runtime);
				vh[i].threads++;
			}
		}
	}
}

/*
 * The CPU time of @vm's VMM outside every vCPU it runs (of this VM or
 * another in the same process, among @vms), and its threads: the VMM's
 * threads that exited, then the live ones that run no vCPU. Its vhost
 * workers are @vh.
 */
static u64 ks_stats_emulator_raw(struct ks_vm *vm, struct ks_vm **vms, int n,
				 const struct ks_vhost *vh, u64 *nr_threads)
{
	struct task_struct *leader, *t;
	u64 sum = 0, threads = 0;

	rcu_read_lock();
	leader = pid_task(vm->tgid, PIDTYPE_TGID);
	if (leader) {
		sum = READ_ONCE(leader->signal->sum_sched_runtime) + vh->ns;
		threads = vh->threads;
		for_each_thread(leader, t) {
			threads++;
			if (!ks_vms_run_thread(vm->tgid, task_pid(t), vms, n))
				sum += READ_ONCE(t->se.sum_exec_runtime);
		}
	}
	rcu_read_unlock();
	*nr_threads = threads;
	return sum;
}

/* Under ks_stats_mutex: @vm's sums into @out; @vms hold its VMM's VMs. */
static int ks_stats_vm_take(struct ks_vm *vm, struct ks_vm **vms, int nvms,
			    const struct ks_vhost *vh, u64 *out)
{
	struct ks_vm_pol *p = ks_vmp(vm);
	u64 one[KS_NR_VCPU_STATS], raw;
	struct ks_vcpu **vcpus;
	int i, j, n;

	lockdep_assert_held(&ks_stats_mutex);
	n = ks_vm_get_vcpus(vm, &vcpus);
	if (n < 0)
		return n;
	memset(out, 0, KS_NR_VM_STATS * sizeof(*out));
	for (i = 0; i < n; i++) {
		ks_stats_vcpu_take(vcpus[i], one);
		for (j = 0; j < KS_NR_VCPU_STATS; j++)
			out[j] += one[j];
	}
	raw = ks_stats_emulator_raw(vm, vms, nvms, vh, &out[KS_ST_NR_THREADS]);
	ks_stat_take_sum(&p->emulator_runtime, raw);
	out[KS_ST_EMULATOR_RUNTIME_NS] = p->emulator_runtime.sum;
	ks_put_vcpus(vcpus, n);
	return 0;
}

int ks_stats_vm(struct ks_vm *vm, u64 *out)
{
	struct ks_vhost vh = { };
	struct ks_vm **vms;
	int nvms, err;

	nvms = ks_get_vms(&vms);
	if (nvms < 0)
		return nvms;
	rcu_read_lock();
	ks_stats_vhost(&vm, 1, &vh);
	rcu_read_unlock();
	mutex_lock(&ks_stats_mutex);
	err = ks_stats_vm_take(vm, vms, nvms, &vh, out);
	mutex_unlock(&ks_stats_mutex);
	ks_put_vms(vms, nvms);
	return err;
}

static int ks_vm_tgid_cmp(const void *a, const void *b)
{
	const struct ks_vm *x = *(struct ks_vm *const *)a;
	const struct ks_vm *y = *(struct ks_vm *const *)b;

	if (x->tgid == y->tgid)
		return 0;
	return x->tgid < y->tgid ? -1 : 1;
}

int ks_stats_vms(struct ks_vm **vms, int n, struct ks_vm_stats *out)
{
	struct ks_vhost *vh;
	int a, b, i, err = 0;

	vh = kcalloc(n, sizeof(*vh), GFP_KERNEL);
	if (!vh)
		return -ENOMEM;
	/* The VMs of one VMM side by side: each is checked against its own. */
	sort(vms, n, sizeof(*vms), ks_vm_tgid_cmp, NULL);
	rcu_read_lock();
	ks_stats_vhost(vms, n, vh);
	rcu_read_unlock();
	mutex_lock(&ks_stats_mutex);
	for (a = 0; a < n && !err; a = b) {
		for (b = a + 1; b < n && vms[b]->tgid == vms[a]->tgid; b++)
			;
		for (i = a; i < b && !err; i++)
			err = ks_stats_vm_take(vms[i], vms + a, b - a, &vh[i],
					       out[i].v);
	}
	mutex_unlock(&ks_stats_mutex);
	kfree(vh);
	return err;
}
