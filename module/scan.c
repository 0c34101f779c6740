// SPDX-License-Identifier: GPL-2.0
/*
 * VMs created before kvmsched (or before its hooks) are found through the
 * files that keep them alive: every fd table (each process's, and any a
 * thread unshared) is walked for files
 * named "kvm-vm" whose ioctl handler is KVM's. While the file sits in the
 * table (file_lock held) it holds a reference on the VM, so the VM can be
 * published safely; from then on the destroy hook guards it.
 */
#include <linux/dcache.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/kvm_host.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "registry.h"
#include "scan.h"

struct ks_scan_ctx {
	struct task_struct *task;
	struct ks_vmm vmm;
	bool found;		/* published a VM */
};

static bool ks_is_vm_file(struct file *file)
{
	char sym[KSYM_SYMBOL_LEN];
	static const char want[] = "kvm_vm_ioctl+0x0/";

	/* The name alone could be faked by any anon inode user. */
	if (strcmp(file->f_path.dentry->d_name.name, "kvm-vm") ||
	    !file->f_op->unlocked_ioctl)
		return false;
	sprint_symbol(sym, (unsigned long)file->f_op->unlocked_ioctl);
	return !strncmp(sym, want, sizeof(want) - 1);
}

static int ks_scan_fd(const void *arg, struct file *file, unsigned int fd)
{
	struct ks_scan_ctx *ctx = (struct ks_scan_ctx *)arg;
	struct kvm *kvm;

	if (!ks_is_vm_file(file))
		return 0;
	kvm = file->private_data;
	/* A VM fd passed to another process: its VMM is found on its own. */
	if (kvm->mm == ctx->task->mm && ks_registry_vm_found(kvm, &ctx->vmm))
		ctx->found = true;
	return 0;
}

bool ks_scan_existing(void)
{
	struct ks_scan_ctx ctx = { };
	struct task_struct *g, *p;

	rcu_read_lock();
	for_each_process_thread(g, p) {
		if ((p->flags & PF_KTHREAD) || (p != g && p->files == g->files))
			continue;
		ctx.task = p;
		ks_vmm_snapshot(&ctx.vmm, p);
		/* task_lock keeps ->files and ->mm from changing under us. */
		task_lock(p);
		if (p->files)
			iterate_fd(p->files, 0, ks_scan_fd, &ctx);
		task_unlock(p);
	}
	rcu_read_unlock();
	return ctx.found;
}
