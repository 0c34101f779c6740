/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Accessors for KVM internals that differ between kernels. The KS_HAVE_*
 * macros come from compile tests (module/probes/), never from versions.
 */
#ifndef KS_COMPAT_H
#define KS_COMPAT_H

#include <linux/irqbypass.h>
#include <linux/irqnr.h>
#include <linux/kvm_host.h>
#include <linux/pid.h>
#include <linux/sched.h>

#include "features.h"

/* The thread KVM last saw running @vcpu, with a reference, or NULL. */
static inline struct pid *ks_vcpu_get_pid(struct kvm_vcpu *vcpu)
{
	struct pid *pid;

#ifdef KS_HAVE_VCPU_PID_LOCK
	read_lock(&vcpu->pid_lock);
	pid = get_pid(vcpu->pid);
	read_unlock(&vcpu->pid_lock);
#else
	rcu_read_lock();
	pid = get_pid(rcu_dereference(vcpu->pid));
	rcu_read_unlock();
#endif
	return pid;
}

/*
 * Whether KVM's record of the thread running @vcpu is current: KVM sets it
 * at KVM_RUN before it loads the vCPU. A compare, never a dereference, so
 * no lock: the pointer may change under us only to another thread's.
 */
static inline bool ks_vcpu_runs_current(struct kvm_vcpu *vcpu)
{
#ifdef KS_HAVE_VCPU_PID_LOCK
	/* Written under pid_lock; a racy read is fine for a compare. */
	return data_race(READ_ONCE(vcpu->pid)) == task_pid(current);
#else
	return rcu_access_pointer(vcpu->pid) == task_pid(current);
#endif
}

/*
 * Threads that never return to user mode: kernel threads, io_uring
 * workers, and (where the kernel has them) user workers such as vhost's
 * since Linux 6.4. Known at compile time from the flag's definition.
 */
#ifdef PF_USER_WORKER
#define KS_PF_NO_USER	(PF_KTHREAD | PF_IO_WORKER | PF_USER_WORKER)
#else
#define KS_PF_NO_USER	(PF_KTHREAD | PF_IO_WORKER)
#endif

/*
 * Whether @slot's memory is a guest_memfd's, in no page table of the
 * VMM's. Known at compile time from the flag's definition.
 */
static inline bool ks_slot_is_gmem(const struct kvm_memory_slot *slot)
{
#ifdef KVM_MEM_GUEST_MEMFD
	return slot->flags & KVM_MEM_GUEST_MEMFD;
#else
	return false;
#endif
}

/* One page of @mm at @addr, with a reference; mmap_lock held. */
static inline long ks_gup_remote_one(struct mm_struct *mm, unsigned long addr,
				     unsigned int flags, struct page **page)
{
#ifdef KS_HAVE_GUP_REMOTE_VMAS
	return get_user_pages_remote(mm, addr, 1, flags, page, NULL, NULL);
#else
	return get_user_pages_remote(mm, addr, 1, flags, page, NULL);
#endif
}

/*
 * The host IRQ and the eventfd of an IRQ bypass producer: at the entry of
 * irq_bypass_register_producer() (@regs) or of a registered one. Since
 * 6.17 both are arguments of the registration and the eventfd is a field;
 * before, the caller filled in the producer, the eventfd as its token.
 */
static inline void ks_producer_registering(struct pt_regs *regs, int *irq,
					   void **eventfd)
{
#ifdef KS_HAVE_BYPASS_TOKEN
	struct irq_bypass_producer *prod = (void *)regs_get_kernel_argument(regs, 0);

	*irq = prod->irq;
	*eventfd = prod->token;
#else
	*eventfd = (void *)regs_get_kernel_argument(regs, 1);
	*irq = (int)regs_get_kernel_argument(regs, 2);
#endif
}

static inline void ks_producer_registered(struct irq_bypass_producer *prod,
					  int *irq, void **eventfd)
{
	*irq = prod->irq;
#ifdef KS_HAVE_BYPASS_TOKEN
	*eventfd = prod->token;
#else
	*eventfd = prod->eventfd;
#endif
}

static inline unsigned int ks_nr_irqs(void)
{
#ifdef KS_HAVE_IRQ_GET_NR_IRQS
	return irq_get_nr_irqs();
#else
	return nr_irqs;
#endif
}

/* A kset's uevent callback takes a const kobject since 6.2. */
#ifdef KS_HAVE_UEVENT_CONST
#define KS_UEVENT_CONST const
#else
#define KS_UEVENT_CONST
#endif

#endif /* KS_COMPAT_H */
