/*
 * The vGIC attributes a snapshot keeps, in the order the KVM documentation
 * requires them set again (arm-vgic-v3.rst, arm-vgic-its.rst).
 */
#include <linux/kvm.h>

#include "a64vm/gic_attrs.h"
#include "unit.h"

#define DIST KVM_DEV_ARM_VGIC_GRP_DIST_REGS
#define REDIST KVM_DEV_ARM_VGIC_GRP_REDIST_REGS
#define SYSREGS KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS

static struct gic_attr list[4096];

/* Where (group, attr) is in the list, or -1. */
static int at(unsigned n, uint32_t group, uint64_t attr)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i].group == group && list[i].attr == attr)
			return (int)i;
	return -1;
}

static void test_mpidr(void)
{
	/* Aff3 sits at MPIDR bits 39:32, the attribute wants it above Aff2. */
	CU_ASSERT_EQUAL(gic_attrs_mpidr(0x80000003ull), 3ull << 32);
	CU_ASSERT_EQUAL(gic_attrs_mpidr(0x0000000580010203ull), 0x05010203ull << 32);
}

static void test_v3_order(void)
{
	static const uint64_t mpidrs[2] = { 0x80000000, 0x80000001 };
	unsigned n = gic_attrs_v3(128, mpidrs, 2, list, 4096);
	uint64_t rd1 = 1ull << 32;

	CU_ASSERT_FATAL(n > 0 && n <= 4096);
	CU_ASSERT_EQUAL(gic_attrs_v3(128, mpidrs, 2, list, 4), n); /* the count past max */
	gic_attrs_v3(128, mpidrs, 2, list, 4096);
	/* GICD_IIDR before anything else. */
	CU_ASSERT_EQUAL(list[0].group, DIST);
	CU_ASSERT_EQUAL(list[0].attr, 0x8);
	/* Each SPI's route, both halves; none for the private interrupts. */
	CU_ASSERT(at(n, DIST, 0x6000 + 8 * 32) >= 0);
	CU_ASSERT(at(n, DIST, 0x6000 + 8 * 127 + 4) >= 0);
	CU_ASSERT_EQUAL(at(n, DIST, 0x6000 + 8 * 31), -1);
	CU_ASSERT_EQUAL(at(n, DIST, 0x6000 + 8 * 128), -1);
	/* A clear-enable of all ones just before its set-enable. */
	CU_ASSERT_EQUAL(at(n, DIST, 0x180 + 4) + 1, at(n, DIST, 0x100 + 4));
	CU_ASSERT_EQUAL(list[at(n, DIST, 0x180 + 4)].kind, GIC_ATTR_CLEAR);
	/* vCPU 1's redistributor: its LPI tables before GICR_CTLR enables LPIs. */
	CU_ASSERT(at(n, REDIST, rd1 | 0x70) >= 0);
	CU_ASSERT(at(n, REDIST, rd1 | 0x7c) < at(n, REDIST, rd1 | 0x0));
	CU_ASSERT(at(n, REDIST, rd1 | 0x10100) >= 0); /* SGI frame: ISENABLER0 */
	/* Its CPU interface: SRE, then CTLR, before the priorities. */
	CU_ASSERT(at(n, SYSREGS, rd1 | 0xc665) < at(n, SYSREGS, rd1 | 0xc664));
	CU_ASSERT(at(n, SYSREGS, rd1 | 0xc664) < at(n, SYSREGS, rd1 | 0xc230));
	CU_ASSERT_EQUAL(list[at(n, SYSREGS, rd1 | 0xc645)].kind, GIC_ATTR_IF_ANY); /* AP0R1 */
	/* The SPIs' line levels, a word of 32 each. */
	CU_ASSERT(at(n, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, 32) >= 0);
	CU_ASSERT(at(n, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, 96) >= 0);
	CU_ASSERT_EQUAL(at(n, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, 0), -1);
	/* Nothing twice. */
	for (unsigned i = 0; i < n; i++)
		CU_ASSERT_EQUAL(at(n, list[i].group, list[i].attr), (int)i);
}

static void test_its_order(void)
{
	unsigned n = gic_attrs_its(list);

	CU_ASSERT_FATAL(n <= GIC_ATTRS_ITS_MAX);
	CU_ASSERT_EQUAL(list[0].kind, GIC_ATTR_CTRL); /* reset first */
	CU_ASSERT_EQUAL(list[0].attr, KVM_DEV_ARM_ITS_CTRL_RESET);
	CU_ASSERT(at(n, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, 0x4) < at(n, KVM_DEV_ARM_VGIC_GRP_CTRL,
								 KVM_DEV_ARM_ITS_RESTORE_TABLES));
	/* CBASER resets CREADR: CREADR after it. */
	CU_ASSERT(at(n, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, 0x80) <
		  at(n, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, 0x90));
	CU_ASSERT(at(n, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, 0x100 + 8 * 7) <
		  at(n, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_RESTORE_TABLES));
	/* GITS_CTLR, which enables it, last. */
	CU_ASSERT_EQUAL(list[n - 1].group, KVM_DEV_ARM_VGIC_GRP_ITS_REGS);
	CU_ASSERT_EQUAL(list[n - 1].attr, 0);
}

static void test_widths(void)
{
	CU_ASSERT_EQUAL(gic_attrs_width(DIST), 4);
	CU_ASSERT_EQUAL(gic_attrs_width(REDIST), 4);
	CU_ASSERT_EQUAL(gic_attrs_width(SYSREGS), 8);
	CU_ASSERT_EQUAL(gic_attrs_width(KVM_DEV_ARM_VGIC_GRP_ITS_REGS), 8);
	CU_ASSERT_EQUAL(gic_attrs_width(KVM_DEV_ARM_VGIC_GRP_CTRL), 0);
}

const char unit_suite_name[] = "gic_attrs";
const struct unit_test unit_tests[] = {
	{ "the MPIDR in an attribute", test_mpidr },
	{ "the vGICv3's attributes in their order", test_v3_order },
	{ "the ITS's attributes in their order", test_its_order },
	{ "value widths", test_widths },
	{ NULL, NULL },
};
