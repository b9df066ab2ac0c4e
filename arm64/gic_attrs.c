#include "a64vm/gic_attrs.h"

#include <linux/kvm.h>

/* GICv3 register offsets (Arm IHI 0069). */
enum {
	GICD_CTLR = 0x0000, GICD_IIDR = 0x0008, GICD_STATUSR = 0x0010,
	GICD_IGROUPR = 0x0080, GICD_ISENABLER = 0x0100, GICD_ICENABLER = 0x0180,
	GICD_ISPENDR = 0x0200, GICD_ISACTIVER = 0x0300, GICD_ICACTIVER = 0x0380,
	GICD_IPRIORITYR = 0x0400, GICD_ICFGR = 0x0c00, GICD_IGRPMODR = 0x0d00,
	GICD_IROUTER = 0x6000,
	GICR_CTLR = 0x0000, GICR_STATUSR = 0x0010, GICR_PROPBASER = 0x0070,
	GICR_PENDBASER = 0x0078,
	GICR_SGI = 0x10000, /* the SGI frame: the private interrupts' GICD-like registers */
	GITS_CTLR = 0x0000, GITS_IIDR = 0x0004, GITS_CBASER = 0x0080, GITS_CWRITER = 0x0088,
	GITS_CREADR = 0x0090, GITS_BASER = 0x0100,
};

/* ICC_*_EL1 as the CPU_SYSREGS attribute encodes them: op0 op1 CRn CRm op2. */
#define ICC(op0, op1, crn, crm, op2) \
	((uint64_t)(op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))

struct list {
	struct gic_attr *out;
	unsigned max, n;
};

static void add(struct list *l, uint32_t group, uint64_t attr, enum gic_attr_kind kind)
{
	if (l->n < l->max)
		l->out[l->n] = (struct gic_attr){ group, attr, kind };
	l->n++;
}

uint64_t gic_attrs_mpidr(uint64_t mpidr)
{
	uint64_t aff = (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24;

	return aff << 32;
}

/* n 32-bit registers from base: with a clear register first when it has one. */
static void regs(struct list *l, uint32_t group, uint64_t rd, uint32_t base, unsigned n,
		 uint32_t clear)
{
	for (unsigned i = 0; i < n; i++) {
		if (clear)
			add(l, group, rd | (clear + 4 * i), GIC_ATTR_CLEAR);
		add(l, group, rd | (base + 4 * i), GIC_ATTR_SAVED);
	}
}

static void distributor(struct list *l, unsigned nr_irqs)
{
	const uint32_t g = KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
	unsigned words = nr_irqs / 32;

	add(l, g, GICD_IIDR, GIC_ATTR_SAVED);
	add(l, g, GICD_CTLR, GIC_ATTR_SAVED);
	add(l, g, GICD_STATUSR, GIC_ATTR_SAVED);
	/* Word 0 is the private interrupts': the redistributors have them. */
	regs(l, g, 0, GICD_IGROUPR + 4, words - 1, 0);
	regs(l, g, 0, GICD_IGRPMODR + 4, words - 1, 0);
	regs(l, g, 0, GICD_ICFGR + 8, nr_irqs / 16 - 2, 0);
	regs(l, g, 0, GICD_IPRIORITYR + 32, nr_irqs / 4 - 8, 0);
	for (unsigned irq = 32; irq < nr_irqs; irq++) /* 64-bit: two halves */
		regs(l, g, 0, GICD_IROUTER + 8 * irq, 2, 0);
	regs(l, g, 0, GICD_ISENABLER + 4, words - 1, GICD_ICENABLER + 4);
	regs(l, g, 0, GICD_ISPENDR + 4, words - 1, 0); /* the latch, set as a whole */
	regs(l, g, 0, GICD_ISACTIVER + 4, words - 1, GICD_ICACTIVER + 4);
}

static void redistributor(struct list *l, uint64_t rd)
{
	const uint32_t g = KVM_DEV_ARM_VGIC_GRP_REDIST_REGS;

	/* Read-only once LPIs are on: before GICR_CTLR. */
	regs(l, g, rd, GICR_PROPBASER, 2, 0);
	regs(l, g, rd, GICR_PENDBASER, 2, 0);
	regs(l, g, rd, GICR_SGI + GICD_IGROUPR, 1, 0);
	regs(l, g, rd, GICR_SGI + GICD_IGRPMODR, 1, 0);
	regs(l, g, rd, GICR_SGI + GICD_ICFGR, 2, 0);
	regs(l, g, rd, GICR_SGI + GICD_IPRIORITYR, 8, 0);
	regs(l, g, rd, GICR_SGI + GICD_ISENABLER, 1, GICR_SGI + GICD_ICENABLER);
	regs(l, g, rd, GICR_SGI + GICD_ISPENDR, 1, 0);
	regs(l, g, rd, GICR_SGI + GICD_ISACTIVER, 1, GICR_SGI + GICD_ICACTIVER);
	add(l, g, rd | GICR_STATUSR, GIC_ATTR_SAVED);
	add(l, g, rd | GICR_CTLR, GIC_ATTR_SAVED);
}

static void cpu_interface(struct list *l, uint64_t rd)
{
	const uint32_t g = KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS;
	static const uint64_t regs_in_order[] = {
		ICC(3, 0, 12, 12, 5), /* SRE */
		ICC(3, 0, 12, 12, 4), /* CTLR: its PRIbits say how many APnR follow */
		ICC(3, 0, 4, 6, 0),   /* PMR */
		ICC(3, 0, 12, 8, 3),  /* BPR0 */
		ICC(3, 0, 12, 12, 3), /* BPR1 */
		ICC(3, 0, 12, 8, 4),  /* AP0R0 */
		ICC(3, 0, 12, 9, 0),  /* AP1R0 */
	};

	for (unsigned i = 0; i < sizeof(regs_in_order) / sizeof(regs_in_order[0]); i++)
		add(l, g, rd | regs_in_order[i], GIC_ATTR_SAVED);
	/* AP0R1-3 and AP1R1-3 exist with 6 or more priority bits. */
	for (unsigned n = 1; n < 4; n++) {
		add(l, g, rd | ICC(3, 0, 12, 8, 4 + n), GIC_ATTR_IF_ANY);
		add(l, g, rd | ICC(3, 0, 12, 9, n), GIC_ATTR_IF_ANY);
	}
	add(l, g, rd | ICC(3, 0, 12, 12, 6), GIC_ATTR_SAVED); /* IGRPEN0 */
	add(l, g, rd | ICC(3, 0, 12, 12, 7), GIC_ATTR_SAVED); /* IGRPEN1 */
}

unsigned gic_attrs_v3(unsigned nr_irqs, const uint64_t *mpidrs, unsigned ncpus,
		      struct gic_attr *out, unsigned max)
{
	struct list l = { out, max, 0 };

	distributor(&l, nr_irqs);
	for (unsigned c = 0; c < ncpus; c++) {
		redistributor(&l, gic_attrs_mpidr(mpidrs[c]));
		cpu_interface(&l, gic_attrs_mpidr(mpidrs[c]));
	}
	/* The lines' levels: the SPIs' (the private ones are KVM's own timers and PMU). */
	for (unsigned irq = 32; irq < nr_irqs; irq += 32)
		add(&l, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
		    (uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT | irq,
		    GIC_ATTR_SAVED);
	return l.n;
}

unsigned gic_attrs_its(struct gic_attr *out)
{
	const uint32_t g = KVM_DEV_ARM_VGIC_GRP_ITS_REGS;
	struct list l = { out, GIC_ATTRS_ITS_MAX, 0 };

	add(&l, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_CTRL_RESET, GIC_ATTR_CTRL);
	add(&l, g, GITS_IIDR, GIC_ATTR_SAVED); /* the tables' ABI revision */
	add(&l, g, GITS_CBASER, GIC_ATTR_SAVED); /* it resets CREADR: before it */
	add(&l, g, GITS_CREADR, GIC_ATTR_SAVED);
	add(&l, g, GITS_CWRITER, GIC_ATTR_SAVED);
	for (unsigned n = 0; n < 8; n++)
		add(&l, g, GITS_BASER + 8 * n, GIC_ATTR_SAVED);
	add(&l, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_RESTORE_TABLES, GIC_ATTR_CTRL);
	add(&l, g, GITS_CTLR, GIC_ATTR_SAVED); /* enables it: last */
	return l.n;
}

unsigned gic_attrs_width(uint32_t group)
{
	switch (group) {
	case KVM_DEV_ARM_VGIC_GRP_DIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_REDIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO:
		return 4;
	case KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS:
	case KVM_DEV_ARM_VGIC_GRP_ITS_REGS:
		return 8;
	default:
		return 0;
	}
}
