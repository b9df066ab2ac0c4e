#include "a64vm/pl061.h"
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

static const struct pl061_ops ops = { set_irq };

/* How Linux's gpio-keys uses pin 3: both edges, read the level. */
static void test_power_button_both_edges(void)
{
	struct pl061 *g = pl061_create(&ops, NULL);

	irq = false;
	pl061_write(g, IBE, 4, 1 << 3);
	pl061_write(g, IE, 4, 1 << 3);
	CU_ASSERT_FALSE(irq);
	pl061_set_input(g, 3, true); /* press */
	CU_ASSERT_TRUE(irq);
	CU_ASSERT_EQUAL(pl061_read(g, MIS, 4), 1 << 3);
	CU_ASSERT_EQUAL(pl061_read(g, (1 << 3) << 2, 4), 1 << 3); /* masked read */
	CU_ASSERT_EQUAL(pl061_read(g, (1 << 2) << 2, 4), 0);
	pl061_write(g, IC, 4, 1 << 3);
	CU_ASSERT_FALSE(irq);
	pl061_set_input(g, 3, false); /* release: another edge */
	CU_ASSERT_TRUE(irq);
	CU_ASSERT_EQUAL(pl061_read(g, 0x3fc, 4), 0);
	pl061_destroy(g);
}

static void test_edges_levels_outputs(void)
{
	struct pl061 *g = pl061_create(&ops, NULL);

	/* rising edge only (IEV = 1, IBE = 0) */
	pl061_write(g, IEV, 4, 1 << 0);
	pl061_write(g, IE, 4, 0xff);
	pl061_set_input(g, 0, true);
	CU_ASSERT_EQUAL(pl061_read(g, RIS, 4) & 1, 1);
	pl061_write(g, IC, 4, 1);
	pl061_set_input(g, 0, false); /* falling: ignored */
	CU_ASSERT_EQUAL(pl061_read(g, RIS, 4) & 1, 0);
	/* level high on pin 1: follows the pin, IC does not clear it */
	pl061_write(g, IS, 4, 1 << 1);
	pl061_write(g, IEV, 4, 1 << 1);
	pl061_set_input(g, 1, true);
	CU_ASSERT_TRUE(irq);
	pl061_write(g, IC, 4, 0xff);
	CU_ASSERT_TRUE(irq);
	pl061_set_input(g, 1, false);
	CU_ASSERT_FALSE(irq);
	/* outputs: only pins in DIR, only bits in the address mask */
	pl061_write(g, DIR, 4, 0xf0);
	pl061_write(g, 0x3fc, 4, 0xff);
	CU_ASSERT_EQUAL(pl061_read(g, 0x3fc, 4), 0xf0);
	pl061_write(g, (0x30) << 2, 4, 0x00);
	CU_ASSERT_EQUAL(pl061_read(g, 0x3fc, 4), 0xc0);
	CU_ASSERT_EQUAL(pl061_read(g, 0xfe0, 4), 0x61);
	pl061_reset(g);
	CU_ASSERT_EQUAL(pl061_read(g, DIR, 4), 0);
	CU_ASSERT_FALSE(irq);
	pl061_destroy(g);
}

const char unit_suite_name[] = "pl061";
const struct unit_test unit_tests[] = {
	{ "power button on both edges", test_power_button_both_edges },
	{ "edges, levels and outputs", test_edges_levels_outputs },
	{ NULL, NULL },
};
