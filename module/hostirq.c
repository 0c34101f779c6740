// SPDX-License-Identifier: GPL-2.0
/*
 * Host IRQs that deliver into guests.
 *
 * Producers are learnt from irq_bypass_register_producer() and
 * irq_bypass_unregister_producer(), which VFIO and vhost-vdpa call on
 * every host, whether or not KVM posts interrupts (KVM registers its own
 * side, the consumer, only then). VFIO requests the IRQ before it
 * registers the producer and unregisters it before it frees the IRQ, so a
 * listed producer is a requested IRQ; a producer kvmsched missed (loaded
 * later) is found by its handler: VFIO names its MSI handlers vfio-msi*
 * and gives them the eventfd as dev_id.
 *
 * An IRQ number is not an identity: once freed it can go to another
 * device. So kvmsched acts on an IRQ only while holding its request_mutex,
 * which free_irq() and request_irq() take, having checked under it that
 * the handler is still the one with the eventfd (ks_hostirq_hold()).
 */
#include <linux/hashtable.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "hostirq.h"

struct ks_producer {
	struct hlist_node hnode;	/* in ks_producers, by eventfd */
	int irq;
	void *eventfd;			/* compared, never dereferenced */
};

/* Guards ks_producers; taken in probes and under KVM's irqfds.lock. */
static DEFINE_SPINLOCK(ks_producers_lock);
static DEFINE_HASHTABLE(ks_producers, 8);
static atomic_t ks_nr_producers = ATOMIC_INIT(0);

static struct ks_producer *ks_producer_find(int irq, void *eventfd)
{
	struct ks_producer *p;

	lockdep_assert_held(&ks_producers_lock);
	hash_for_each_possible(ks_producers, p, hnode, (unsigned long)eventfd)
		if (p->eventfd == eventfd && p->irq == irq)
			return p;
	return NULL;
}

void ks_hostirq_added(int irq, void *eventfd)
{
	struct ks_producer *p;
	unsigned long flags;

	p = kmalloc(sizeof(*p), GFP_ATOMIC | __GFP_NOWARN);
	if (!p) {
		pr_warn_ratelimited("out of memory: IRQ %d not steered\n", irq);
		return;
	}
	p->irq = irq;
	p->eventfd = eventfd;
	spin_lock_irqsave(&ks_producers_lock, flags);
	if (ks_producer_find(irq, eventfd)) {
		kfree(p);
	} else {
		hash_add(ks_producers, &p->hnode, (unsigned long)eventfd);
		atomic_inc(&ks_nr_producers);
	}
	spin_unlock_irqrestore(&ks_producers_lock, flags);
}

void ks_hostirq_removed(int irq, void *eventfd)
{
	struct ks_producer *p;
	unsigned long flags;

	spin_lock_irqsave(&ks_producers_lock, flags);
	p = ks_producer_find(irq, eventfd);
	if (p) {
		hash_del(&p->hnode);
		atomic_dec(&ks_nr_producers);
	}
	spin_unlock_irqrestore(&ks_producers_lock, flags);
	kfree(p);
}

bool ks_hostirq_any(void)
{
	return atomic_read(&ks_nr_producers);
}

int ks_hostirq_of_eventfd(void *eventfd)
{
	struct ks_producer *p;
	unsigned long flags;
	int irq = -1;

	spin_lock_irqsave(&ks_producers_lock, flags);
	hash_for_each_possible(ks_producers, p, hnode, (unsigned long)eventfd)
		if (p->eventfd == eventfd)
			irq = p->irq;
	spin_unlock_irqrestore(&ks_producers_lock, flags);
	return irq;
}

/* Under RCU: descs are freed after a grace period. */
static struct irq_desc *ks_desc_rcu(int irq)
{
	struct irq_data *d = irq_get_irq_data(irq);

	return d ? irq_data_to_desc(d) : NULL;
}

/* Under @desc's request_mutex or lock: its handler with @eventfd. */
static struct irqaction *ks_action_of(struct irq_desc *desc, void *eventfd)
{
	struct irqaction *act;

	for (act = desc->action; act; act = act->next)
		if (act->dev_id == eventfd)
			return act;
	return NULL;
}

/* VFIO requests one handler per IRQ: at most one producer each. */
void ks_hostirq_scan(void)
{
	unsigned int irq, n = ks_nr_irqs();
	struct irqaction *act;
	struct irq_desc *desc;
	unsigned long flags;
	void *eventfd;

	for (irq = 0; irq < n; irq++) {
		eventfd = NULL;
		rcu_read_lock();
		desc = ks_desc_rcu(irq);
		if (desc) {
			raw_spin_lock_irqsave(&desc->lock, flags);
			for (act = desc->action; act; act = act->next)
				if (act->name && !strncmp(act->name, "vfio-msi", 8))
					eventfd = act->dev_id;
			raw_spin_unlock_irqrestore(&desc->lock, flags);
		}
		rcu_read_unlock();
		if (eventfd)
			ks_hostirq_added(irq, eventfd);
		cond_resched();
	}
}

void ks_hostirq_clear(void)
{
	struct hlist_node *tmp;
	struct ks_producer *p;
	int bkt;

	spin_lock_irq(&ks_producers_lock);
	hash_for_each_safe(ks_producers, bkt, tmp, p, hnode) {
		hash_del(&p->hnode);
		kfree(p);
	}
	atomic_set(&ks_nr_producers, 0);
	spin_unlock_irq(&ks_producers_lock);
}

/*
 * The desc is found under RCU and its mutex only tried: a desc seen under
 * RCU may be on its way to being freed, and sleeping on its mutex could
 * outlive it. Held with the handler present, it cannot be: freeing it
 * needs free_irq() first, which needs the mutex.
 */
int ks_hostirq_hold(int irq, void *eventfd, struct irq_desc **out)
{
	struct irq_desc *desc;
	int ret = -ENODEV;

	rcu_read_lock();
	desc = ks_desc_rcu(irq);
	if (!desc)
		goto out;
	if (!mutex_trylock(&desc->request_mutex)) {
		ret = -EBUSY;
		goto out;
	}
	if (!ks_action_of(desc, eventfd)) {
		mutex_unlock(&desc->request_mutex);
		goto out;
	}
	*out = desc;
	ret = 0;
out:
	rcu_read_unlock();
	return ret;
}

void ks_hostirq_release(struct irq_desc *desc)
{
	mutex_unlock(&desc->request_mutex);
}

/*
 * Runs @fn on @irq's desc, under its lock, if the handler with @eventfd
 * is on it; -ENODEV if not.
 */
static ssize_t ks_hostirq_read(int irq, void *eventfd,
			       ssize_t (*fn)(struct irq_desc *desc,
					     struct irqaction *act, void *arg),
			       void *arg)
{
	struct irqaction *act;
	struct irq_desc *desc;
	unsigned long flags;
	ssize_t ret = -ENODEV;

	rcu_read_lock();
	desc = ks_desc_rcu(irq);
	if (desc) {
		raw_spin_lock_irqsave(&desc->lock, flags);
		act = ks_action_of(desc, eventfd);
		if (act)
			ret = fn(desc, act, arg);
		raw_spin_unlock_irqrestore(&desc->lock, flags);
	}
	rcu_read_unlock();
	return ret;
}

static ssize_t ks_emit_name(struct irq_desc *desc, struct irqaction *act,
			    void *buf)
{
	return sysfs_emit(buf, "%s\n", act->name ? act->name : "");
}

ssize_t ks_hostirq_name(int irq, void *eventfd, char *buf)
{
	return ks_hostirq_read(irq, eventfd, ks_emit_name, buf);
}

static ssize_t ks_copy_effective(struct irq_desc *desc, struct irqaction *act,
				 void *out)
{
	cpumask_copy(out, irq_data_get_effective_affinity_mask(&desc->irq_data));
	return 0;
}

int ks_hostirq_effective(int irq, void *eventfd, struct cpumask *out)
{
	return ks_hostirq_read(irq, eventfd, ks_copy_effective, out);
}
