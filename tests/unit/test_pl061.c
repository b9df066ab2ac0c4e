#include <errno.h>

#include "a64vm/pl061.h"
#include "snap_fixture.h"
#include "unit.h"

enum { DIR = 0x400, IS = 0x404, IBE = 0x408, IEV = 0x40c, IE = 0x410,
       RIS = 0x414, MIS = 0x418, IC = 0x41c };

static bool irq;
static unsigned irq_changes;

static void set_irq(void *ctx, bool level)
{
	(void)ctx;
	irq = level;
	irq_changes++;
}

static void *create(void)
{
	const struct device_env env = { .set_irq = set_irq };

	return pl061_device.create(&env);
}

/* How Linux's gpio-keys uses pin 3: both edges, read the level. */
static void test_power_button_both_edges(void)
{
	void *g = create();

	irq = false;
	pl061_device.write(g, IBE, 4, 1 << 3);
	pl061_device.write(g, IE, 4, 1 << 3);
	CU_ASSERT_FALSE(irq);
	pl061_device.set_line(g, 3, true); /* press */
	CU_ASSERT_TRUE(irq);
	CU_ASSERT_EQUAL(pl061_device.read(g, MIS, 4), 1 << 3);
	CU_ASSERT_EQUAL(pl061_device.read(g, (1 << 3) << 2, 4), 1 << 3); /* masked read */
	CU_ASSERT_EQUAL(pl061_device.read(g, (1 << 2) << 2, 4), 0);
	pl061_device.write(g, IC, 4, 1 << 3);
	CU_ASSERT_FALSE(irq);
	pl061_device.set_line(g, 3, false); /* release: another edge */
	CU_ASSERT_TRUE(irq);
	CU_ASSERT_EQUAL(pl061_device.read(g, 0x3fc, 4), 0);
	pl061_device.destroy(g);
}

static void test_edges_levels_outputs(void)
{
	void *g = create();

	/* rising edge only (IEV = 1, IBE = 0) */
	pl061_device.write(g, IEV, 4, 1 << 0);
	pl061_device.write(g, IE, 4, 0xff);
	pl061_device.set_line(g, 0, true);
	CU_ASSERT_EQUAL(pl061_device.read(g, RIS, 4) & 1, 1);
	pl061_device.write(g, IC, 4, 1);
	pl061_device.set_line(g, 0, false); /* falling: ignored */
	CU_ASSERT_EQUAL(pl061_device.read(g, RIS, 4) & 1, 0);
	/* level high on pin 1: follows the pin, IC does not clear it */
	pl061_device.write(g, IS, 4, 1 << 1);
	pl061_device.write(g, IEV, 4, 1 << 1);
	pl061_device.set_line(g, 1, true);
	CU_ASSERT_TRUE(irq);
	pl061_device.write(g, IC, 4, 0xff);
	CU_ASSERT_TRUE(irq);
	pl061_device.set_line(g, 1, false);
	CU_ASSERT_FALSE(irq);
	/* outputs: only pins in DIR, only bits in the address mask */
	pl061_device.write(g, DIR, 4, 0xf0);
	pl061_device.write(g, 0x3fc, 4, 0xff);
	CU_ASSERT_EQUAL(pl061_device.read(g, 0x3fc, 4), 0xf0);
	pl061_device.write(g, (0x30) << 2, 4, 0x00);
	CU_ASSERT_EQUAL(pl061_device.read(g, 0x3fc, 4), 0xc0);
	CU_ASSERT_EQUAL(pl061_device.read(g, 0xfe0, 4), 0x61);
	CU_ASSERT_EQUAL(pl061_device.read(g, 0xfe6, 1), 0x10); /* the word's ID, as QEMU */
	pl061_device.reset(g);
	CU_ASSERT_EQUAL(pl061_device.read(g, DIR, 4), 0);
	CU_ASSERT_FALSE(irq);
	pl061_device.destroy(g);
}

const char unit_suite_name[] = "pl061";
/* A pressed button's latched edge and the outputs survive, the line raised again. */
static void test_snapshot(void)
{
	static const unsigned regs[] = { 0x3fc, DIR, IS, IBE, IEV, IE, RIS, MIS, 0x420 };
	void *g = create(), *h = create();
	const struct snapshot_section *saved;
	uint32_t want[sizeof(regs) / sizeof(regs[0])];

	pl061_device.write(g, DIR, 4, 0xf0);
	pl061_device.write(g, 0x3fc, 4, 0xa0); /* outputs */
	pl061_device.write(g, IBE, 4, 1 << 3);
	pl061_device.write(g, IE, 4, 1 << 3);
	pl061_device.set_line(g, 3, true);
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		want[i] = (uint32_t)pl061_device.read(g, regs[i], 4);
	saved = snap_fixture_save(&pl061_device, g);
	irq = false;
	CU_ASSERT_EQUAL(snap_fixture_restore(&pl061_device, h, snap_fixture_cut(saved)), -EINVAL);
	CU_ASSERT_FALSE(irq);
	CU_ASSERT_EQUAL(snap_fixture_restore(&pl061_device, h, saved), 0);
	CU_ASSERT_TRUE(irq);
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		CU_ASSERT_EQUAL(pl061_device.read(h, regs[i], 4), want[i]);
	pl061_device.destroy(g);
	pl061_device.destroy(h);
}

const struct unit_test unit_tests[] = {
	{ "saved and restored", test_snapshot },
	{ "power button on both edges", test_power_button_both_edges },
	{ "edges, levels and outputs", test_edges_levels_outputs },
	{ NULL, NULL },
};
