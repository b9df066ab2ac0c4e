/* The PL031 as QEMU's: IDs, LR, and an alarm timed to the match instant. */
#include <errno.h>

#include "a64vm/pl031.h"
#include "snap_fixture.h"
#include "unit.h"

#define S 1000000000ull

enum { DR = 0x00, MR = 0x04, LR = 0x08, CR = 0x0c, IMSC = 0x10, RIS = 0x14,
       MIS = 0x18, ICR = 0x1c };

/* A fake interrupt line, clock and timer. */
struct fake {
	uint64_t now_ns;
	bool irq;
	uint64_t timer; /* the deadline asked for, 0: none */
};

static void set_irq(void *ctx, bool level)
{
	((struct fake *)ctx)->irq = level;
}

static uint64_t now(void *ctx)
{
	return ((struct fake *)ctx)->now_ns;
}

static void set_timer(void *ctx, uint64_t deadline)
{
	((struct fake *)ctx)->timer = deadline;
}

static void *create(struct fake *f)
{
	const struct device_env env = { .ctx = f, .set_irq = set_irq, .clock_ns = now,
					.set_timer = set_timer };

	return pl031_device.create(&env);
}

static uint64_t rd(void *r, uint64_t off)
{
	return pl031_device.read(r, off, 4);
}

static void wr(void *r, uint64_t off, uint32_t v)
{
	pl031_device.write(r, off, 4, v);
}

static void test_counter(void)
{
	static const uint8_t id[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	struct fake f = { .now_ns = 1795400000 * S + 123 };
	void *r = create(&f);

	CU_ASSERT_EQUAL(rd(r, DR), 1795400000); /* the host's date */
	CU_ASSERT_EQUAL(rd(r, CR), 1);
	CU_ASSERT_EQUAL(rd(r, LR), 0); /* nothing loaded yet */
	f.now_ns += 5 * S;
	CU_ASSERT_EQUAL(rd(r, DR), 1795400005);
	wr(r, LR, 1000); /* the guest sets its clock */
	CU_ASSERT_EQUAL(rd(r, DR), 1000);
	CU_ASSERT_EQUAL(rd(r, LR), 1000); /* LR reads back what was loaded */
	f.now_ns += 3 * S;
	CU_ASSERT_EQUAL(rd(r, DR), 1003);
	CU_ASSERT_EQUAL(rd(r, LR), 1000);
	wr(r, DR, 5); /* read-only */
	CU_ASSERT_EQUAL(rd(r, DR), 1003);
	for (unsigned i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(rd(r, 0xfe0 + 4 * i), id[i]);
	/* QEMU's model: a byte access inside an ID register reads it whole */
	CU_ASSERT_EQUAL(pl031_device.read(r, 0xff5, 1), 0xf0);
	CU_ASSERT_EQUAL(pl031_device.read(r, 0x01, 1), 0); /* elsewhere: by offset */
	pl031_device.destroy(r);
}

static void test_alarm(void)
{
	struct fake f = { .now_ns = 100 * S + S / 2 };
	void *r = create(&f);

	wr(r, IMSC, 1);
	wr(r, MR, 103);
	/* the very instant the counter becomes 103, not a second late */
	CU_ASSERT_EQUAL(f.timer, 103 * S);
	CU_ASSERT_FALSE(f.irq);
	f.now_ns = 103 * S;
	pl031_device.timer(r);
	CU_ASSERT_TRUE(f.irq);
	CU_ASSERT_EQUAL(rd(r, MIS), 1);
	wr(r, ICR, 1);
	CU_ASSERT_FALSE(f.irq);
	CU_ASSERT_EQUAL(rd(r, RIS), 0);
	/* MR equal to the counter: at once */
	wr(r, MR, 103);
	CU_ASSERT_TRUE(f.irq);
	CU_ASSERT_EQUAL(f.timer, 0);
	wr(r, ICR, 1);
	/* masked: RIS latches, the line stays low until unmasked */
	wr(r, IMSC, 0);
	wr(r, MR, 104);
	f.now_ns = 104 * S;
	pl031_device.timer(r);
	CU_ASSERT_FALSE(f.irq);
	CU_ASSERT_EQUAL(rd(r, RIS), 1);
	CU_ASSERT_EQUAL(rd(r, MIS), 0);
	wr(r, IMSC, 1);
	CU_ASSERT_TRUE(f.irq);
	wr(r, ICR, 1);
	/* a new LR moves the alarm with the counter */
	wr(r, MR, 2000);
	wr(r, LR, 1990);
	CU_ASSERT_EQUAL(f.timer, 114 * S);
	/* a match in the past comes round only when the counter wraps */
	wr(r, MR, 1000);
	CU_ASSERT_EQUAL(f.timer, (104 + (uint64_t)(uint32_t)(1000 - 1990)) * S);
	pl031_device.destroy(r);
}

const char unit_suite_name[] = "pl031";
/* The guest's clock and alarm go on in a restore an hour later, on the host's time. */
static void test_snapshot(void)
{
	struct fake f = { .now_ns = 1000 * S }, g = { .now_ns = 4600 * S };
	void *r = create(&f), *q = create(&g);
	const struct snapshot_section *saved;

	wr(r, LR, 5000);  /* the guest's clock: host + 4000 s */
	wr(r, MR, 5100);  /* an alarm 100 s ahead */
	wr(r, IMSC, 1);
	saved = snap_fixture_save(&pl031_device, r);
	CU_ASSERT_EQUAL(snap_fixture_restore(&pl031_device, q, snap_fixture_cut(saved)), -EINVAL);
	CU_ASSERT_EQUAL(snap_fixture_restore(&pl031_device, q, saved), 0);
	CU_ASSERT_EQUAL(rd(q, DR), 8600);  /* host 4600 + the guest's offset */
	CU_ASSERT_EQUAL(rd(q, LR), 5000);
	CU_ASSERT_EQUAL(rd(q, MR), 5100);
	CU_ASSERT_EQUAL(rd(q, IMSC), 1);
	/* 5100 is 3500 s behind the restored clock: the alarm is due when it wraps. */
	CU_ASSERT_EQUAL(g.timer, (4600 + (uint64_t)(uint32_t)(5100 - 8600)) * S);
	CU_ASSERT_FALSE(g.irq);
	pl031_device.destroy(r);
	pl031_device.destroy(q);
}

const struct unit_test unit_tests[] = {
	{ "counter, load register and IDs", test_counter },
	{ "the alarm at the match instant", test_alarm },
	{ "saved and restored", test_snapshot },
	{ NULL, NULL },
};
