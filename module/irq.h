/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interrupt-steering aspect: the CPUs each host IRQ of a VM may fire
 * on. Decisions come from irqpol.c; the engine (engine.c) applies them.
 */
#ifndef KS_IRQ_H
#define KS_IRQ_H

#include <linux/types.h>

struct ks_irq;
struct ks_irq_cfg;

extern const struct ks_aspect ks_irq_aspect;

/* Process context: the files of vms/<vm>/irqs/<irq>/ and irq_cpus. */
ssize_t ks_irq_source_show(struct ks_irq *irq, char *buf);
ssize_t ks_irq_gsi_show(struct ks_irq *irq, char *buf);
ssize_t ks_irq_target_vcpu_show(struct ks_irq *irq, char *buf);
ssize_t ks_irq_effective_show(struct ks_irq *irq, char *buf);
ssize_t ks_irq_steering_show(struct ks_irq *irq, char *buf);
ssize_t ks_irq_repairs_show(struct ks_irq *irq, char *buf);
ssize_t ks_irq_cfg_show(const struct ks_irq_cfg *cfg, char *buf);
int ks_irq_cfg_parse(const char *buf, const char *what, struct ks_irq_cfg *cfg);

#endif /* KS_IRQ_H */
