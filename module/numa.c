// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA placement: the glue between a VM's NUMA setting and the topology.
 *
 * A VM with a home node runs its vCPUs on the CPUs of its span (the home
 * node, or the nearest nodes with CPUs while it has none), within its
 * cpus when both are set, and its emulator threads on the same CPUs
 * within emulator_cpus, so that the threads that wake its vCPUs are
 * local. "auto" chooses the home once, when the setting is given (a write,
 * or a rule at the VM's birth, before its first guest entry), and keeps
 * it: a home is never moved behind a running VM's back.
 *
 * A preferred VM's vCPU that waits for a CPU on its span is widened one
 * step of distance at a time (numapol.c decides, at each of the engine's
 * periodic passes, from the thread's run delay and the CPUs' idle time
 * over the pass), and narrowed back once it would fit; a strict VM's
 * vCPUs never leave the span.
 *
 * Everything here runs under ks_policy_mutex and cpus_read_lock(), so the
 * topology holds still while a decision is made.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kernel_stat.h>	/* ... and from 7.x */
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/tick.h>		/* get_cpu_idle_time_us() before 7.x */
#include <linux/topology.h>

#include "affinity.h"
#include "blank.h"
#include "engine.h"
#include "memnodes.h"
#include "numa.h"
#include "policy.h"
#include "registry.h"
#include "trace.h"

static unsigned int numa_spill_pct = KS_NUMA_SPILL_PCT_DEF;
static int numa_spill_pct_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, KS_NUMA_SPILL_PCT_MIN,
				     KS_NUMA_SPILL_PCT_MAX);
}

static const struct kernel_param_ops numa_spill_pct_ops = {
	.set = numa_spill_pct_set,
	.get = param_get_uint,
};
module_param_cb(numa_spill_pct, &numa_spill_pct_ops, &numa_spill_pct, 0644);
MODULE_PARM_DESC(numa_spill_pct,
		 "Run delay, in % of a reconcile pass, past which a preferred VM's vCPU is widened one node step (1-100, default 20)");

/*
 * Each CPU's idle time at the last sample and over the pass before it, in
 * us (nr_cpu_ids entries each); under ks_policy_mutex.
 */
static u64 *ks_numa_idle_at, *ks_numa_idle_us;
static u64 ks_numa_sampled_ns, ks_numa_sample_ns;

static int ks_numa_nr(void)
{
	return min_t(int, nr_node_ids, KS_NUMA_MAX_NODES);
}

/* The nodes kvmsched can home on that have an active CPU. */
static u64 ks_numa_cpu_nodes(void)
{
	u64 nodes = 0;
	int cpu, n;

	for_each_cpu(cpu, cpu_active_mask) {
		n = cpu_to_node(cpu);
		if (n >= 0 && n < KS_NUMA_MAX_NODES)
			nodes |= BIT_ULL(n);
	}
	return nodes;
}

/* The active CPUs of @nodes. */
static void ks_numa_nodes_cpus(u64 nodes, struct cpumask *out)
{
	int n;

	cpumask_clear(out);
	for (; nodes; nodes &= nodes - 1) {
		n = __ffs64(nodes);
		cpumask_or(out, out, cpumask_of_node(n));
	}
	cpumask_and(out, out, cpu_active_mask);
}

static bool ks_numa_disjoint(struct ks_mask *cpus, int node)
{
	return cpus && !cpumask_intersects(ks_mask_cpus(cpus),
					   cpumask_of_node(node));
}

/* Parses a write of numa_node; checked against the host as it is now. */
int ks_numa_parse(const char *buf, const char *what, struct ks_numa_cfg *cfg)
{
	int node, err;

	err = ks_numa_parse_node(buf, ks_numa_nr(), ks_numa_cpu_nodes(),
				 &node);
	if (err) {
		pr_info_ratelimited("%s: rejected \"%.*s\": %s\n", what,
				    (int)strcspn(buf, "\n"), buf,
				    err == -ERANGE ? "no such node on this host" :
				    err == -ENODEV ? "node has no online CPU" :
				    "not a node id, \"auto\" or empty");
		return err;
	}
	cfg->set = node != KS_NUMA_NONE;
	cfg->node = cfg->set ? node : 0;
	return 0;
}

/*
 * Where @vm's guest RAM is, for auto's tie-break. A VMM that allocated or
 * prefaulted its RAM before its first vCPU (QEMU's -mem-prealloc, a
 * restored snapshot) has it somewhere already; else every node reads 0
 * and the tie goes to the lowest id. A failed look is no tie-break.
 */
static void ks_numa_load_memory(struct ks_vm *vm, struct ks_numa_load *load,
				int nr)
{
	u64 *kb = kcalloc(nr, sizeof(*kb), GFP_KERNEL);
	int i;

	if (kb && !ks_memnodes_kb(vm, kb, nr))
		for (i = 0; i < nr; i++)
			load[i].vmm_kb = kb[i];
	kfree(kb);
}

/*
 * auto's choice for @self among the nodes that have CPUs in @cpus and
 * @emu, counting the vCPUs of every other VM at its home.
 */
static int ks_numa_choose_home(struct ks_vm *self, struct ks_mask *cpus,
			       struct ks_mask *emu)
{
	struct ks_numa_load *load;
	struct ks_vm **vms;
	int i, n, home, nr = ks_numa_nr();

	load = kcalloc(nr, sizeof(*load), GFP_KERNEL);
	if (!load)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (ks_numa_disjoint(cpus, i) || ks_numa_disjoint(emu, i))
			continue;
		load[i].cpus = cpumask_weight_and(cpumask_of_node(i),
						  cpu_active_mask);
	}
	if (self)
		ks_numa_load_memory(self, load, nr);
	n = ks_get_vms(&vms);
	for (i = 0; i < n; i++) {
		struct ks_vm_pol *vp = ks_vmp(vms[i]);
		int vcpus;

		if (vms[i] == self || !vp->numa.set || vp->home_node < 0 ||
		    vp->home_node >= nr || !ks_vm_alive(vms[i]))
			continue;
		vcpus = ks_vm_nr_vcpus(vms[i]);
		if (vcpus > 0)
			load[vp->home_node].homed += vcpus;
	}
	if (n >= 0)
		ks_put_vms(vms, n);
	home = ks_numa_choose(load, nr);
	kfree(load);
	return home;
}

/*
 * The home node a set @cfg gives @vm (NULL: a rule's check) with @cpus
 * and @emulator_cpus (either may be NULL). -EINVAL: a node without a CPU
 * in one of those masks; -ENODEV: no node can take the VM.
 */
int ks_numa_home(struct ks_vm *vm, const struct ks_numa_cfg *cfg,
		 struct ks_mask *cpus, struct ks_mask *emulator_cpus,
		 const char *what)
{
	int home;

	lockdep_assert_held(&ks_policy_mutex);
	if (cfg->node == KS_NUMA_AUTO) {
		home = ks_numa_choose_home(vm, cpus, emulator_cpus);
		if (home == -ENODEV)
			pr_info_ratelimited("%s: no node has online CPUs within cpus and emulator_cpus\n",
					    what);
		return home;
	}
	if (ks_numa_disjoint(cpus, cfg->node) ||
	    ks_numa_disjoint(emulator_cpus, cfg->node)) {
		pr_info_ratelimited("%s: rejected node %d: none of its CPUs in %s\n",
				    what, cfg->node,
				    ks_numa_disjoint(cpus, cfg->node) ?
				    "cpus" : "emulator_cpus");
		return -EINVAL;
	}
	return cfg->node;
}

/*
 * Whether @cpus, about to become @vm's cpus (or its emulator_cpus), keeps
 * a CPU of its home node: -EINVAL if not.
 */
int ks_numa_check_cpus(struct ks_vm *vm, struct ks_mask *cpus, bool emulator,
		       const char *what)
{
	struct ks_vm_pol *vp = ks_vmp(vm);

	lockdep_assert_held(&ks_policy_mutex);
	if (!vp->numa.set || !ks_numa_disjoint(cpus, vp->home_node))
		return 0;
	pr_info_ratelimited("%s: rejected: no CPU of home node %d (numa_node)%s\n",
			    what, vp->home_node,
			    emulator ? " for the emulator threads" : "");
	return -EINVAL;
}

/* @vm's home node as the policy code sees the host; false: no home. */
struct ks_numa_view {
	int home, nr;
	u64 cpu_nodes;
	u8 dist[KS_NUMA_MAX_NODES];
};

static bool ks_numa_view(struct ks_vm *vm, struct ks_numa_view *view)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	int n;

	lockdep_assert_held(&ks_policy_mutex);
	view->nr = ks_numa_nr();
	view->home = vp->home_node;
	if (!vp->numa.set || view->home < 0 || view->home >= view->nr)
		return false;
	view->cpu_nodes = ks_numa_cpu_nodes();
	for (n = 0; n < view->nr; n++)
		view->dist[n] = min_t(int, node_distance(view->home, n),
				      U8_MAX);
	return true;
}

static u64 ks_numa_view_span(const struct ks_numa_view *view,
			     unsigned int hops)
{
	return ks_numa_span(view->home, view->dist, view->nr,
			    view->cpu_nodes, hops);
}

static bool ks_numa_strict(struct ks_vm *vm)
{
	return ks_vmp(vm)->numa.mode == KS_NUMA_STRICT;
}

/* The CPUs of @v's span (its VM's home, widened as it is); empty: none. */
void ks_numa_vcpu_cpus(struct ks_vcpu *v, struct cpumask *out)
{
	unsigned int hops = ks_vcp(v)->numa_spill.hops;
	struct ks_numa_view view;

	cpumask_clear(out);
	if (ks_numa_strict(v->vm))
		hops = 0;
	if (ks_numa_view(v->vm, &view))
		ks_numa_nodes_cpus(ks_numa_view_span(&view, hops), out);
}

/* The CPUs of @vm's home, unwidened; empty without one. */
void ks_numa_home_cpus(struct ks_vm *vm, struct cpumask *out)
{
	struct ks_numa_view view;

	cpumask_clear(out);
	if (ks_numa_view(vm, &view))
		ks_numa_nodes_cpus(ks_numa_view_span(&view, 0), out);
}

/* The union of the homes of @tgid's VMs among @vms. */
void ks_numa_emulator_cpus(struct pid *tgid, struct ks_vm **vms, int n,
			   struct cpumask *out)
{
	struct cpumask *one = kmalloc(cpumask_size(), GFP_KERNEL);
	int i;

	cpumask_clear(out);
	if (!one)
		return;
	for (i = 0; i < n; i++) {
		if (vms[i]->tgid != tgid)
			continue;
		ks_numa_home_cpus(vms[i], one);
		cpumask_or(out, out, one);
	}
	kfree(one);
}

/*
 * Each CPU's idle time over the last pass, sampled again when the last
 * sample is older than a tenth of a second (one pass looks at many VMs).
 * A CPU whose idle time the kernel does not keep (nohz off) counts as
 * never idle: nothing widens onto it.
 */
static void ks_numa_sample_idle(void)
{
	u64 now = ktime_get_ns(), t;
	int cpu;

	lockdep_assert_held(&ks_policy_mutex);
	if (now - ks_numa_sampled_ns < 100 * NSEC_PER_MSEC)
		return;
	for_each_possible_cpu(cpu) {
		t = get_cpu_idle_time_us(cpu, NULL);
		if (t == (u64)-1)
			t = ks_numa_idle_at[cpu];
		ks_numa_idle_us[cpu] = ks_numa_sampled_ns ?
				       t - ks_numa_idle_at[cpu] : 0;
		ks_numa_idle_at[cpu] = t;
	}
	ks_numa_sample_ns = ks_numa_sampled_ns ? now - ks_numa_sampled_ns : 0;
	ks_numa_sampled_ns = now;
}

/* Whether an active CPU of @nodes was idle half the last pass or more. */
static bool ks_numa_some_idle(u64 nodes, struct cpumask *scratch)
{
	int cpu;

	ks_numa_nodes_cpus(nodes, scratch);
	for_each_cpu(cpu, scratch)
		if (ks_numa_idle_us[cpu] * NSEC_PER_USEC * 2 >=
		    ks_numa_sample_ns && ks_numa_sample_ns)
			return true;
	return false;
}

/* The idle time of the active CPUs of @nodes over the last pass, in ns. */
static u64 ks_numa_idle_ns(u64 nodes, struct cpumask *scratch)
{
	u64 idle = 0;
	int cpu;

	ks_numa_nodes_cpus(nodes, scratch);
	for_each_cpu(cpu, scratch)
		idle += ks_numa_idle_us[cpu] * NSEC_PER_USEC;
	return idle;
}

/*
 * One look at @v, of a preferred VM seen as @view, whose span is widest
 * at @max_hops; true if it moved.
 */
static bool ks_numa_vcpu_look(struct ks_vcpu *v,
			      const struct ks_numa_view *view,
			      unsigned int max_hops, u64 *room,
			      struct cpumask *scratch)
{
	struct ks_vcpu_pol *p = ks_vcp(v);
	struct ks_numa_pressure in = { };
	struct task_struct *task;
	unsigned int hops;
	u64 now, delay = 0, exec;
	struct pid *pid;
	enum ks_numa_act act;
	int cpu;

	task = ks_vcpu_get_task(v);
	if (!task)
		return false;
#ifdef CONFIG_SCHED_INFO
	delay = READ_ONCE(task->sched_info.run_delay);
#endif
	exec = READ_ONCE(task->se.sum_exec_runtime);
	pid = task_pid(task);
	cpu = task_cpu(task);
	put_task_struct(task);
	now = ktime_get_ns();
	/* A window of the same thread only: counters are per thread. */
	if (p->numa_look_ns && pid == p->numa_pid) {
		in.window_ns = now - p->numa_look_ns;
		in.delay_ns = delay - p->numa_delay_ns;
		in.used_ns = exec - p->numa_exec_ns;
	}
	p->numa_look_ns = now;
	p->numa_delay_ns = delay;
	p->numa_exec_ns = exec;
	p->numa_pid = pid;

	hops = p->numa_spill.hops;
	in.max_hops = max_hops;
	in.wider_idle = ks_numa_some_idle(ks_numa_view_span(view, hops + 1) &
					  ~ks_numa_view_span(view, hops),
					  scratch);
	if (hops) {
		u64 narrower = ks_numa_view_span(view, hops - 1);

		if (*room == U64_MAX)
			*room = ks_numa_idle_ns(narrower, scratch);
		in.narrower_idle_ns = *room;
		ks_numa_nodes_cpus(narrower, scratch);
		in.on_narrower = cpumask_test_cpu(cpu, scratch);
	}
	act = ks_numa_decide(&p->numa_spill, &in, READ_ONCE(numa_spill_pct));
	if (act == KS_NUMA_WIDEN) {
		atomic_long_inc(&p->numa_spills);
		trace_kvmsched_numa_widen(v->vm->name, v->id, pid_nr(pid));
	}
	/*
	 * Its CPU time is no longer room for the next vCPU to narrow into,
	 * unless it was spent there already.
	 */
	if (act == KS_NUMA_NARROW && !in.on_narrower)
		*room -= min(*room, in.used_ns);
	return act != KS_NUMA_KEEP;
}

/*
 * At each periodic pass: a preferred VM's vCPUs widened or narrowed as
 * their waiting says; a strict one's, or one without a home, all back on
 * the home. True if a vCPU's span changed.
 */
bool ks_numa_vm_look(struct ks_vm *vm)
{
	struct ks_numa_view view;
	struct cpumask *scratch;
	struct ks_vcpu **vcpus;
	unsigned int max_hops = 0;
	bool moved = false, home;
	u64 room = U64_MAX;
	int i, n;

	lockdep_assert_held(&ks_policy_mutex);
	home = ks_numa_view(vm, &view) && !ks_numa_strict(vm);
	if (home) {
		ks_numa_sample_idle();
		max_hops = ks_numa_max_hops(view.home, view.dist, view.nr,
					    view.cpu_nodes);
	}
	scratch = kmalloc(cpumask_size(), GFP_KERNEL);
	n = scratch ? ks_vm_get_vcpus(vm, &vcpus) : -ENOMEM;
	if (n < 0) {
		kfree(scratch);
		return false;
	}
	for (i = 0; i < n; i++) {
		struct ks_vcpu_pol *p = ks_vcp(vcpus[i]);

		if (home) {
			moved |= ks_numa_vcpu_look(vcpus[i], &view, max_hops,
						   &room, scratch);
		} else if (p->numa_spill.hops) {
			p->numa_spill = (struct ks_numa_spill){ };
			moved = true;
		}
	}
	ks_put_vcpus(vcpus, n);
	kfree(scratch);
	return moved;
}

ssize_t ks_numa_cfg_show(const struct ks_numa_cfg *cfg, char *buf)
{
	if (!cfg->set)
		return sysfs_emit(buf, "\n");
	if (cfg->node == KS_NUMA_AUTO)
		return sysfs_emit(buf, "auto\n");
	return sysfs_emit(buf, "%d\n", cfg->node);
}

ssize_t ks_numa_mode_show(const struct ks_numa_cfg *cfg, bool rule, char *buf)
{
	if (rule && !cfg->has_mode)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%s\n", ks_numa_mode_name(cfg->mode));
}

/*
 * A write of numa_mode into @cfg. Empty: the default, preferred (not
 * given, in a rule); -EINVAL for anything but a mode.
 */
int ks_numa_parse_mode_line(const char *buf, const char *what,
			    struct ks_numa_cfg *cfg)
{
	enum ks_numa_mode mode = KS_NUMA_PREFERRED;
	bool empty = ks_blank(buf);

	if (!empty && ks_numa_parse_mode(buf, &mode)) {
		pr_info_ratelimited("%s: rejected \"%.*s\": not \"strict\" or \"preferred\"\n",
				    what, (int)strcspn(buf, "\n"), buf);
		return -EINVAL;
	}
	cfg->has_mode = !empty;
	cfg->mode = mode;
	return 0;
}

ssize_t ks_numa_home_show(struct ks_vm *vm, char *buf)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	ssize_t len;

	mutex_lock(&ks_policy_mutex);
	len = vp->numa.set ? sysfs_emit(buf, "%d\n", vp->home_node) :
	      sysfs_emit(buf, "\n");
	mutex_unlock(&ks_policy_mutex);
	return len;
}

ssize_t ks_numa_vcpu_node_show(struct ks_vcpu *v, char *buf)
{
	int cpu = ks_vcpu_last_cpu(v);

	if (cpu == -ENODEV)
		return cpu;
	if (cpu < 0)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%d\n", cpu_to_node(cpu));
}

int ks_numa_init(void)
{
	ks_numa_idle_at = kcalloc(nr_cpu_ids, sizeof(u64), GFP_KERNEL);
	ks_numa_idle_us = kcalloc(nr_cpu_ids, sizeof(u64), GFP_KERNEL);
	if (ks_numa_idle_at && ks_numa_idle_us)
		return 0;
	ks_numa_exit();
	return -ENOMEM;
}

void ks_numa_exit(void)
{
	kfree(ks_numa_idle_at);
	kfree(ks_numa_idle_us);
}
