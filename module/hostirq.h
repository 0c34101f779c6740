/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host IRQs that deliver into guests: the IRQ bypass producers (VFIO's MSI
 * and MSI-X vectors, vhost-vdpa's virtqueue IRQs), each a Linux IRQ and
 * the eventfd its handler signals. KVM turns a signal on that eventfd into
 * a guest interrupt through an irqfd; the registry pairs the two by
 * eventfd. Identities only: which IRQ, which eventfd, still requested.
 */
#ifndef KS_HOSTIRQ_H
#define KS_HOSTIRQ_H

#include <linux/types.h>

struct cpumask;
struct irq_desc;

/* Atomic context (discovery's probes): a producer came or went. */
void ks_hostirq_added(int irq, void *eventfd);
void ks_hostirq_removed(int irq, void *eventfd);
/* Any context: whether any producer is known, and @eventfd's IRQ. */
bool ks_hostirq_any(void);
int ks_hostirq_of_eventfd(void *eventfd);

/* Process context. */
/* Producers from before the probes: VFIO's IRQs requested already. */
void ks_hostirq_scan(void);
void ks_hostirq_clear(void);
/*
 * Pins @irq while it is still the one requested with @eventfd: until
 * ks_hostirq_release() it can be neither freed nor given to another
 * device. -EBUSY: being requested or freed now, try later; -ENODEV: not
 * that IRQ any more.
 */
int ks_hostirq_hold(int irq, void *eventfd, struct irq_desc **desc);
void ks_hostirq_release(struct irq_desc *desc);
/* Its handler's name, as /proc/interrupts shows it; -ENODEV if gone. */
ssize_t ks_hostirq_name(int irq, void *eventfd, char *buf);
/* The CPUs it fires on now; -ENODEV if gone. */
int ks_hostirq_effective(int irq, void *eventfd, struct cpumask *out);

#endif /* KS_HOSTIRQ_H */
