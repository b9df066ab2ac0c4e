/*
 * Which vGICv3 and ITS device attributes a snapshot keeps, in the order
 * they must be set again (Documentation/virt/kvm/devices/arm-vgic-v3.rst
 * and arm-vgic-its.rst): the IIDRs first, a redistributor's LPI tables
 * before it enables LPIs, the ITS's CBASER before CREADR, its tables
 * before GITS_CTLR. Pure, so the order is tested without KVM.
 */
#ifndef A64VM_GIC_ATTRS_H
#define A64VM_GIC_ATTRS_H

#include <stdint.h>

enum gic_attr_kind {
	GIC_ATTR_SAVED, /* read at save, set at restore */
	GIC_ATTR_IF_ANY, /* the same, where the host has it (the upper APnR) */
	GIC_ATTR_CLEAR, /* all ones into a clear-enable/active register before its set */
	GIC_ATTR_CTRL,	/* a control (no value): the ITS's reset, its tables' restore */
};

struct gic_attr {
	uint32_t group;
	uint64_t attr;
	enum gic_attr_kind kind;
};

/* The GICD/GICR attribute word of an MPIDR_EL1: Aff3.Aff2.Aff1.Aff0 at bits 63:32. */
uint64_t gic_attrs_mpidr(uint64_t mpidr);

/*
 * The distributor's, then each vCPU's redistributor, CPU interface and
 * line levels, for nr_irqs interrupts: up to max into out; how many there
 * are (more than max: out holds the first max).
 */
unsigned gic_attrs_v3(unsigned nr_irqs, const uint64_t *mpidrs, unsigned ncpus,
		      struct gic_attr *out, unsigned max);
/* The ITS's, reset first; at most GIC_ATTRS_ITS_MAX. */
#define GIC_ATTRS_ITS_MAX 16u
unsigned gic_attrs_its(struct gic_attr *out);

/* A record's value width in bytes (4 or 8; 0 for a control). */
unsigned gic_attrs_width(uint32_t group);

#endif
