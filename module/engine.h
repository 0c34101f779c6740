/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The enforcement engine: the one place that decides when kvmsched acts on
 * a thread or a host IRQ and how it is repaired and given back. What each
 * should have comes from the aspects (affinity.c, sched.c, irq.c), each an
 * entry of the engine's table, described by struct ks_aspect.
 */
#ifndef KS_ENGINE_H
#define KS_ENGINE_H

#include <linux/mutex.h>
#include <linux/types.h>

struct irq_desc;
struct kvm;
struct ks_irq;
struct ks_registry_owner;
struct ks_vm;
struct ks_vcpu;
struct pid;
struct task_struct;

/*
 * Serialises every change of a policy (VM, vCPU, rule), of a published
 * target and of a thread's state by kvmsched, and the engine's record of
 * the threads it touched. Process context only: the KVM hooks never take
 * it, they queue work for the vCPU thread instead, and the RT guard never
 * takes it either (a holder starved on a guarded CPU would starve the
 * guard). Taken before cpus_read_lock() and before ks_lock.
 */
extern struct mutex ks_policy_mutex;

/*
 * One aspect of a thread, of a host IRQ or of a VM that kvmsched
 * enforces. A state is an opaque block of size() bytes; the engine keeps,
 * per thread, IRQ or VM it touched, what it had before kvmsched and what
 * kvmsched last gave it. A thread aspect has get(), an IRQ aspect
 * irq_get(), a VM aspect vm_get(), and only the operations of its kind.
 */
struct ks_aspect {
	const char *name;
	/* Bytes of one thread state; constant once the module is loaded. */
	size_t (*size)(void);
	/*
	 * Optional, under ks_policy_mutex and cpus_read_lock(), at each
	 * periodic pass: judges @vm's targets again from what its threads
	 * did since the last pass. True if a target changed.
	 */
	bool (*vm_look)(struct ks_vm *vm);
	/*
	 * Under ks_policy_mutex and cpus_read_lock(): computes what @v's
	 * thread should have into @want and publishes it for
	 * vcpu_violated(). @task, if given, is the thread, about to get
	 * @want. Returns 1 if there is a target, 0 for none (the thread gets
	 * its own back), or -errno (the aspect is skipped this time).
	 */
	int (*vcpu_target)(struct ks_vcpu *v, struct task_struct *task,
			   void *want);
	/* Atomic context, current is @v's thread, scheduled in on @cpu. */
	bool (*vcpu_violated)(struct ks_vcpu *v, int cpu);
	/* Optional: @v's thread cannot take its target; stop asking. */
	void (*vcpu_give_up)(struct ks_vcpu *v);
	/*
	 * Under ks_policy_mutex: the target of the emulator threads of
	 * @tgid, whose VMs are among @vms. False: none.
	 */
	bool (*emulator_target)(struct pid *tgid, struct ks_vm **vms, int n,
				void *want);
	/* Thread states: read one, write one. */
	void (*get)(struct task_struct *task, void *state);
	int (*set)(struct task_struct *task, const void *state);
	/*
	 * Under ks_policy_mutex and cpus_read_lock(): the target of @irq of
	 * @vm, one of @vms, into @want: 1, 0 for none (the IRQ gets its own
	 * back), or -errno (it is left as it is this time).
	 */
	int (*irq_target)(struct ks_vm *vm, struct ks_irq *irq,
			  struct ks_vm **vms, int n, void *want);
	/*
	 * IRQ states, @desc held (ks_hostirq_hold()): irq_get() fails with
	 * -errno if the IRQ is not one kvmsched may steer.
	 */
	int (*irq_get)(struct irq_desc *desc, void *state);
	int (*irq_set)(struct irq_desc *desc, const void *state);
	/*
	 * A VM aspect, a setting of KVM's VM object: under ks_policy_mutex,
	 * the target of @vm into @want: 1, or 0 for none (the VM gets its
	 * own back).
	 */
	int (*vm_target)(struct ks_vm *vm, void *want);
	/* VM states, under the registry's lock (ks_vm_with_kvm()): atomic. */
	void (*vm_get)(struct kvm *kvm, void *state);
	void (*vm_set)(struct kvm *kvm, const void *state);
	/* States of any kind: compare. */
	bool (*satisfies)(const void *have, const void *want);
	bool (*same)(const void *a, const void *b);
	/* A state as text, for the kvmsched_repair tracepoint. */
	void (*format)(const void *state, char *buf, size_t len);
};

/* The engine's table; its order is the order aspects are applied in. */
enum ks_aspect_id {
	KS_ASPECT_AFFINITY,
	KS_ASPECT_SCHED,
	KS_ASPECT_IRQ,
	KS_ASPECT_HALT_POLL,
	KS_NR_ASPECTS,
};

/* The registry's objects carry the engine's policy blocks (policy.h). */
extern const struct ks_registry_owner ks_engine_owner;

/*
 * Atomic context: current may have just taken a vCPU (KVM_RUN's
 * pid-change path): bind, repair and watch it before its guest entry.
 */
void ks_engine_thread_binds(void);
/* Any context: someone changed @task's mask or class; repair if a vCPU's. */
void ks_engine_thread_changed(struct task_struct *task);
/* Any context: queue @v's repair on @task, its thread. */
void ks_engine_kick(struct ks_vcpu *v, struct task_struct *task);
/* Any context: a VM appeared; match rules and place its threads soon. */
void ks_engine_vm_appeared(void);
/* Any context: a VM's host IRQs, irqfds or routes changed; steer soon. */
void ks_engine_irqs_changed(void);
/* Any context, even under the IRQ's desc lock: someone set @irq's mask. */
void ks_engine_irq_moved(int irq);

/*
 * Process context: under ks_policy_mutex, before a write changes a setting
 * of @vm: the rules are matched against it first, if they have not been,
 * so that a rule matched later cannot undo the write.
 */
void ks_engine_birth(struct ks_vm *vm);

/*
 * Process context: under ks_policy_mutex and cpus_read_lock(), after a
 * setting of @vm changed (@v: of that vCPU; @emulator: of the emulator
 * threads), publish and apply what follows from it, to the VM's threads
 * and host IRQs.
 */
void ks_engine_resync(struct ks_vm *vm, struct ks_vcpu *v, bool emulator);

/*
 * Process context, at unload before the hooks go, while KVM's VM objects
 * are still reachable: every VM gets back the VM aspects' states it had,
 * and no policy sets them again.
 */
void ks_engine_give_back_vms(void);

int ks_engine_init(void);
void ks_engine_quiesce(void);
void ks_engine_exit(void);

#endif /* KS_ENGINE_H */
