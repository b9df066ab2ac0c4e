#include "a64vm/pl031.h"
#include "unit.h"

enum { DR = 0x00, MR = 0x04, LR = 0x08, CR = 0x0c, IMSC = 0x10, RIS = 0x14,
       MIS = 0x18, ICR = 0x1c };

struct fake {
	uint64_t now;
	bool irq;
};

static void set_irq(void *ctx, bool level)
{
	((struct fake *)ctx)->irq = level;
}

static uint64_t now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static void *create(struct fake *f)
{
	const struct device_env env = { .ctx = f, .set_irq = set_irq, .clock_s = now };

	return pl031_device.create(&env);
}

static void test_counter(void)
{
	struct fake f = { .now = 1795400000 };
	void *r = create(&f);

	CU_ASSERT_EQUAL(pl031_device.read(r, DR, 4), 1795400000); /* the host's date */
	CU_ASSERT_EQUAL(pl031_device.read(r, CR, 4), 1);
	f.now += 5;
	CU_ASSERT_EQUAL(pl031_device.read(r, DR, 4), 1795400005);
	pl031_device.write(r, LR, 4, 1000); /* the guest sets its clock */
	CU_ASSERT_EQUAL(pl031_device.read(r, DR, 4), 1000);
	f.now += 3;
	CU_ASSERT_EQUAL(pl031_device.read(r, DR, 4), 1003);
	pl031_device.write(r, DR, 4, 5); /* read-only */
	CU_ASSERT_EQUAL(pl031_device.read(r, DR, 4), 1003);
	CU_ASSERT_EQUAL(pl031_device.read(r, 0xfe0, 4), 0x31);
	CU_ASSERT_EQUAL(pl031_device.read(r, 0xffc, 4), 0xb1);
	pl031_device.destroy(r);
}

static void test_alarm(void)
{
	struct fake f = { .now = 100 };
	void *r = create(&f);

	pl031_device.write(r, MR, 4, 103);
	pl031_device.write(r, IMSC, 4, 1);
	f.now = 102;
	pl031_device.tick(r);
	CU_ASSERT_FALSE(f.irq);
	f.now = 104; /* a tick may come late: passing MR still fires */
	pl031_device.tick(r);
	CU_ASSERT_TRUE(f.irq);
	CU_ASSERT_EQUAL(pl031_device.read(r, MIS, 4), 1);
	pl031_device.write(r, ICR, 4, 1);
	CU_ASSERT_FALSE(f.irq);
	CU_ASSERT_EQUAL(pl031_device.read(r, RIS, 4), 0);
	f.now = 200; /* an alarm in the past does not fire again */
	pl031_device.tick(r);
	CU_ASSERT_FALSE(f.irq);
	/* Masked alarms latch nothing. */
	pl031_device.write(r, IMSC, 4, 0);
	pl031_device.write(r, MR, 4, 201);
	f.now = 202;
	pl031_device.tick(r);
	CU_ASSERT_FALSE(f.irq);
	pl031_device.destroy(r);
}

const char unit_suite_name[] = "pl031";
const struct unit_test unit_tests[] = {
	{ "counter follows the host clock", test_counter },
	{ "alarm", test_alarm },
	{ NULL, NULL },
};
