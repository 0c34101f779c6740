// SPDX-License-Identifier: GPL-2.0
/*
 * ks_race: opens a race window inside kvmsched on purpose, for tests.
 *
 * Write 1 to the "arm" parameter and the next call of kvmsched's work
 * function @symbol (its VM sysfs work by default) is held at its entry
 * until its work item is queued again, or for @max_ms. "holding" reads 1
 * meanwhile. A test arms it, starts a VMM, waits for "holding" and ends the
 * VMM: KVM's destroy then always lands while a run of the work has started
 * (no longer pending) and has not looked at the VM yet, and the unpublish
 * queues a second run. That is the teardown race of kvmsched's first churn
 * crash, made to happen every time.
 *
 * The kprobe at the function's entry sends the call to ks_race_detour(),
 * which sleeps (a spin with preemption off would stall RCU, which KVM's
 * destroy path waits for) and then calls the function itself, the probe
 * letting that call through.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/rcupdate_wait.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

static char *symbol = "ks_vm_sysfs_work";
module_param(symbol, charp, 0400);
MODULE_PARM_DESC(symbol, "kvmsched function to hold at its entry");

static unsigned int max_ms = 2000;
module_param(max_ms, uint, 0400);
MODULE_PARM_DESC(max_ms, "Longest hold of one call, in ms (1-10000, default 2000)");

static atomic_t arm = ATOMIC_INIT(0);
module_param_named(arm, arm.counter, int, 0600);
MODULE_PARM_DESC(arm, "Write 1: hold the next call");

static atomic_t holding = ATOMIC_INIT(0);
module_param_named(holding, holding.counter, int, 0400);
MODULE_PARM_DESC(holding, "1 while a call is held");

static atomic_t held = ATOMIC_INIT(0);
module_param_named(held, held.counter, int, 0400);
MODULE_PARM_DESC(held, "Calls held until their work was queued again");

static atomic_t timed_out = ATOMIC_INIT(0);
module_param_named(timed_out, timed_out.counter, int, 0400);
MODULE_PARM_DESC(timed_out, "Calls released after max_ms, not queued again");

static struct kprobe ks_race_kp;
/* The task that calls the probed function from the detour. */
static struct task_struct *ks_race_caller;
/* Detours running; exit waits for zero. */
static atomic_t ks_race_active = ATOMIC_INIT(0);

static void ks_race_detour(struct work_struct *work)
{
	unsigned long end = jiffies + msecs_to_jiffies(max_ms);
	work_func_t fn = (work_func_t)ks_race_kp.addr;

	atomic_inc(&ks_race_active);
	atomic_set(&holding, 1);
	while (!work_pending(work) && time_before(jiffies, end))
		msleep(1);
	if (work_pending(work))
		atomic_inc(&held);
	else
		atomic_inc(&timed_out);
	atomic_set(&holding, 0);
	WRITE_ONCE(ks_race_caller, current);
	fn(work);
	WRITE_ONCE(ks_race_caller, NULL);
	atomic_dec(&ks_race_active);
}

/* At the entry of the work function: arguments and return as they were. */
static int ks_race_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (READ_ONCE(ks_race_caller) == current || !atomic_xchg(&arm, 0))
		return 0;
	instruction_pointer_set(regs, (unsigned long)ks_race_detour);
	/* Non-zero: resume at the new instruction pointer. */
	return 1;
}


static int __init ks_race_init(void)
{
	if (!max_ms || max_ms > 10000)
		return -ERANGE;
	ks_race_kp.symbol_name = symbol;
	ks_race_kp.pre_handler = ks_race_pre;
	return register_kprobe(&ks_race_kp);
}

static void __exit ks_race_exit(void)
{
	unregister_kprobe(&ks_race_kp);
	while (atomic_read(&ks_race_active))
		msleep(10);
	/* And no kworker is still on the detour's last instructions. */
	synchronize_rcu_tasks();
}

module_init(ks_race_init);
module_exit(ks_race_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test only: holds a kvmsched work until it is queued again");
