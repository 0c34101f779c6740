// SPDX-License-Identifier: GPL-2.0
/*
 * Which nodes hold a VM's guest RAM. No kernel counter says (mm keeps RSS
 * per type, not per node) and /proc/<pid>/numa_maps walks every page, so
 * this samples: KS_MEM_SAMPLES pages spread over the VM's memslots
 * (numapol.c says which), each looked up in the VMM's page tables without
 * faulting anything in. A page not resident counts for no node, so the
 * sum is what is resident, not the VM's size. About a millisecond of CPU
 * per look; nothing is kept between looks.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/nodemask.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "memnodes.h"
#include "numapol.h"
#include "registry.h"

/* Samples per hold of the VMM's mmap_lock: its own faults wait that long. */
#define KS_MEM_BATCH	64

/*
 * The node of the page at @addr in @mm, or NUMA_NO_NODE if none is mapped
 * there (or it is the shared zero page). FOLL_NOFAULT: a look never
 * faults a page in; FOLL_FORCE: on 6.1 it is what lets GUP follow the
 * PROT_NONE entries NUMA balancing leaves behind, else those would read
 * as not resident.
 */
static int ks_memnodes_page_nid(struct mm_struct *mm, unsigned long addr)
{
	struct page *page;
	int nid = NUMA_NO_NODE;

	if (ks_gup_remote_one(mm, addr, FOLL_NOFAULT | FOLL_FORCE, &page) != 1)
		return nid;
	if (!is_zero_pfn(page_to_pfn(page)))
		nid = page_to_nid(page);
	put_page(page);
	return nid;
}

/*
 * @vm's resident guest RAM on each of nodes 0..@nr_nodes-1, in KiB, into
 * @kb. -ENODEV: the VM is gone; -EINTR: a fatal signal while waiting for
 * the VMM's mmap_lock.
 */
int ks_memnodes_kb(struct ks_vm *vm, u64 *kb, int nr_nodes)
{
	u64 pages[KS_RAM_MAX_RANGES], total = 0, off;
	u32 *hits, i, end, k;
	struct ks_ram ram;
	int err, r, nid;

	err = ks_vm_get_ram(vm, &ram);
	if (err)
		return err;
	hits = kcalloc(nr_nodes, sizeof(*hits), GFP_KERNEL);
	if (!hits) {
		mmput(ram.mm);
		return -ENOMEM;
	}
	for (r = 0; r < ram.nr; r++) {
		pages[r] = ram.range[r].pages;
		total += pages[r];
	}
	k = min_t(u64, total, KS_MEM_SAMPLES);
	for (i = 0; i < k && !err;) {
		err = mmap_read_lock_killable(ram.mm);
		for (end = min(i + KS_MEM_BATCH, k); !err && i < end; i++) {
			r = ks_numa_sample_at(pages, ram.nr, total, i, k, &off);
			nid = ks_memnodes_page_nid(ram.mm, ram.range[r].hva +
						   off * PAGE_SIZE);
			if (nid >= 0 && nid < nr_nodes)
				hits[nid]++;
		}
		if (!err)
			mmap_read_unlock(ram.mm);
		cond_resched();
	}
	mmput(ram.mm);
	for (nid = 0; nid < nr_nodes && !err; nid++)
		kb[nid] = ks_numa_estimate_kb(total << (PAGE_SHIFT - 10),
					      hits[nid], k);
	kfree(hits);
	return err;
}

/*
 * memory_nodes_kb: one value per online node in node order, space
 * separated, the layout of /sys/devices/system/node/node<N>/distance.
 */
ssize_t ks_memnodes_show(struct ks_vm *vm, char *buf)
{
	int nid, err, len = 0;
	u64 *kb;

	kb = kcalloc(nr_node_ids, sizeof(*kb), GFP_KERNEL);
	if (!kb)
		return -ENOMEM;
	err = ks_memnodes_kb(vm, kb, nr_node_ids);
	if (!err)
		for_each_online_node(nid)
			len += sysfs_emit_at(buf, len, "%s%llu",
					     len ? " " : "", kb[nid]);
	kfree(kb);
	return err ? err : len + sysfs_emit_at(buf, len, "\n");
}
