// SPDX-License-Identifier: GPL-2.0
/*
 * The diagnosis sampler: every diag_window_ms / KS_DIAG_SLOTS, each VM's
 * counters go into its ring (ks_vm_pol.diag), which the files of diag/
 * read through diagpol.c's rule. One work item does every VM; it reads the
 * counters as stats/ does (stats.c), so both agree.
 */
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "diag.h"
#include "diagpol.h"
#include "policy.h"
#include "registry.h"
#include "stats.h"

static unsigned int diag_window_ms = 10000;
/* Bumped at each change of diag_window_ms: rings of the old one restart. */
static atomic_t ks_diag_gen = ATOMIC_INIT(0);

static int diag_window_ms_set(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint_minmax(val, kp, 1000, 600000);

	if (!err)
		atomic_inc(&ks_diag_gen);
	return err;
}

static const struct kernel_param_ops diag_window_ms_ops = {
	.set = diag_window_ms_set,
	.get = param_get_uint,
};
module_param_cb(diag_window_ms, &diag_window_ms_ops, &diag_window_ms, 0644);
MODULE_PARM_DESC(diag_window_ms,
		 "Span of the sliding window diag/ reports over, in ms (1000-600000, default 10000)");

/*
 * Serialises the rings of every VM (ks_vm_pol.diag, .diag_gen): the
 * sampler writes them, diag/ reads them. Taken alone, or after
 * ks_stats_mutex is released; process context.
 */
static DEFINE_MUTEX(ks_diag_mutex);

static void ks_diag_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ks_diag_work, ks_diag_fn);

static void ks_diag_take(struct ks_vm *vm, const u64 *v, u64 now, int gen)
{
	struct ks_vm_pol *vp = ks_vmp(vm);
	struct ks_diag_sample s;

	s.t_ns = now;
	s.v[KS_DG_RUNTIME] = v[KS_ST_RUNTIME_NS];
	s.v[KS_DG_GUEST] = v[KS_ST_GUEST_NS];
	s.v[KS_DG_POLL] = v[KS_ST_HALT_POLL_SUCCESS_NS] +
			  v[KS_ST_HALT_POLL_FAIL_NS];
	s.v[KS_DG_DELAY] = v[KS_ST_RUN_DELAY_NS];
	s.v[KS_DG_EMULATOR] = v[KS_ST_EMULATOR_RUNTIME_NS];
	mutex_lock(&ks_diag_mutex);
	if (vp->diag_gen != gen) {
		vp->diag.nr = 0;
		vp->diag_gen = gen;
	}
	ks_diag_push(&vp->diag, &s);
	mutex_unlock(&ks_diag_mutex);
}

static void ks_diag_fn(struct work_struct *work)
{
	int gen = atomic_read(&ks_diag_gen);
	unsigned int ms = READ_ONCE(diag_window_ms);
	struct ks_vm_stats *v = NULL;
	struct ks_vm **vms;
	u64 now;
	int i, n;

	n = ks_get_vms(&vms);
	if (n > 0)
		v = kmalloc_array(n, sizeof(*v), GFP_KERNEL);
	/* Out of memory: this interval has no sample, the window spans more. */
	if (v && !ks_stats_vms(vms, n, v)) {
		now = ktime_get_ns();
		for (i = 0; i < n; i++)
			ks_diag_take(vms[i], v[i].v, now, gen);
	}
	kfree(v);
	if (n >= 0)
		ks_put_vms(vms, n);
	queue_delayed_work(system_unbound_wq, &ks_diag_work,
			   msecs_to_jiffies(ms / KS_DIAG_SLOTS));
}

ssize_t ks_diag_show(struct ks_vm *vm, enum ks_diag_file f, char *buf)
{
	struct ks_diag d;
	int err;

	if (!ks_vm_alive(vm))
		return -ENODEV;
	mutex_lock(&ks_diag_mutex);
	err = ks_vmp(vm)->diag_gen == atomic_read(&ks_diag_gen) ?
	      ks_diag_compute(&ks_vmp(vm)->diag, &d) : -EAGAIN;
	mutex_unlock(&ks_diag_mutex);
	/* Not one sample interval yet: nothing to say. */
	if (err)
		return sysfs_emit(buf, "\n");
	switch (f) {
	case KS_DF_CPU_PCT:
		return sysfs_emit(buf, "%u\n", d.cpu_pct);
	case KS_DF_GUEST_PCT:
		return sysfs_emit(buf, "%u\n", d.guest_pct);
	case KS_DF_HALT_POLL_PCT:
		return sysfs_emit(buf, "%u\n", d.halt_poll_pct);
	case KS_DF_EXIT_PCT:
		return sysfs_emit(buf, "%u\n", d.exit_pct);
	case KS_DF_EMULATOR_PCT:
		return sysfs_emit(buf, "%u\n", d.emulator_pct);
	case KS_DF_STEAL_PCT:
		return sysfs_emit(buf, "%u\n", d.steal_pct);
	case KS_DF_TOP_CAUSE:
		return sysfs_emit(buf, "%s\n", ks_diag_cause_name(d.top_cause));
	default:
		return sysfs_emit(buf, "%llu\n", d.window_ms);
	}
}

void ks_diag_init(void)
{
	queue_delayed_work(system_unbound_wq, &ks_diag_work, 0);
}

void ks_diag_exit(void)
{
	cancel_delayed_work_sync(&ks_diag_work);
}
