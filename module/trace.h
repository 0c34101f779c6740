/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmsched's tracepoints (tracefs events/kvmsched/, trace-cmd, perf,
 * bpftrace): what kvmsched saw and did, as it happens. Strings are fixed
 * arrays filled with strscpy(), not __string(): __assign_str() changed
 * arity in 6.12, arrays read the same on every kernel.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvmsched

#if !defined(KS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KS_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

/* A VM directory added or removed (its uevent goes with it). */
DECLARE_EVENT_CLASS(kvmsched_vm_class,
	TP_PROTO(const char *vm, int pid),
	TP_ARGS(vm, pid),
	TP_STRUCT__entry(
		__array(char, vm, 32)
		__field(int, pid)
	),
	TP_fast_assign(
		strscpy(__entry->vm, vm, sizeof(__entry->vm));
		__entry->pid = pid;
	),
	TP_printk("vm=%s pid=%d", __entry->vm, __entry->pid)
);

DEFINE_EVENT(kvmsched_vm_class, kvmsched_vm_add,
	TP_PROTO(const char *vm, int pid),
	TP_ARGS(vm, pid));

DEFINE_EVENT(kvmsched_vm_class, kvmsched_vm_remove,
	TP_PROTO(const char *vm, int pid),
	TP_ARGS(vm, pid));

/*
 * A thread or IRQ found changed by someone else, given kvmsched's value
 * back: the aspect, the thread id or IRQ number, what it had, what it got.
 */
DECLARE_EVENT_CLASS(kvmsched_repair_class,
	TP_PROTO(const char *aspect, int id, const char *was, const char *set),
	TP_ARGS(aspect, id, was, set),
	TP_STRUCT__entry(
		__array(char, aspect, 16)
		__field(int, id)
		__array(char, was, 64)
		__array(char, set, 64)
	),
	TP_fast_assign(
		strscpy(__entry->aspect, aspect, sizeof(__entry->aspect));
		__entry->id = id;
		strscpy(__entry->was, was, sizeof(__entry->was));
		strscpy(__entry->set, set, sizeof(__entry->set));
	),
	TP_printk("aspect=%s id=%d was=%s set=%s", __entry->aspect,
		  __entry->id, __entry->was, __entry->set)
);

DEFINE_EVENT(kvmsched_repair_class, kvmsched_repair,
	TP_PROTO(const char *aspect, int id, const char *was, const char *set),
	TP_ARGS(aspect, id, was, set));

/* An IRQ moved: a repair of a move by someone else, or a policy's. */
DEFINE_EVENT(kvmsched_repair_class, kvmsched_irq_move,
	TP_PROTO(const char *aspect, int id, const char *was, const char *set),
	TP_ARGS(aspect, id, was, set));

/* An event of one vCPU and the thread that runs it. */
DECLARE_EVENT_CLASS(kvmsched_vcpu_class,
	TP_PROTO(const char *vm, int vcpu, int tid),
	TP_ARGS(vm, vcpu, tid),
	TP_STRUCT__entry(
		__array(char, vm, 32)
		__field(int, vcpu)
		__field(int, tid)
	),
	TP_fast_assign(
		strscpy(__entry->vm, vm, sizeof(__entry->vm));
		__entry->vcpu = vcpu;
		__entry->tid = tid;
	),
	TP_printk("vm=%s vcpu=%d tid=%d", __entry->vm, __entry->vcpu,
		  __entry->tid)
);

/* A vCPU bound to the thread that runs it (its first KVM_RUN, or another). */
DEFINE_EVENT(kvmsched_vcpu_class, kvmsched_vcpu_bind,
	TP_PROTO(const char *vm, int vcpu, int tid),
	TP_ARGS(vm, vcpu, tid));

/* The RT guard demoted a vCPU's thread, or gave its class back. */
DEFINE_EVENT(kvmsched_vcpu_class, kvmsched_rt_demote,
	TP_PROTO(const char *vm, int vcpu, int tid),
	TP_ARGS(vm, vcpu, tid));

DEFINE_EVENT(kvmsched_vcpu_class, kvmsched_rt_restore,
	TP_PROTO(const char *vm, int vcpu, int tid),
	TP_ARGS(vm, vcpu, tid));

/* A vCPU's NUMA span widened (numa_mode preferred). */
DEFINE_EVENT(kvmsched_vcpu_class, kvmsched_numa_widen,
	TP_PROTO(const char *vm, int vcpu, int tid),
	TP_ARGS(vm, vcpu, tid));

/* A new VM got a rule's settings. */
TRACE_EVENT(kvmsched_rule_match,
	TP_PROTO(const char *rule, const char *vm),
	TP_ARGS(rule, vm),
	TP_STRUCT__entry(
		__array(char, rule, 32)
		__array(char, vm, 32)
	),
	TP_fast_assign(
		strscpy(__entry->rule, rule, sizeof(__entry->rule));
		strscpy(__entry->vm, vm, sizeof(__entry->vm));
	),
	TP_printk("rule=%s vm=%s", __entry->rule, __entry->vm)
);

#endif /* KS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
