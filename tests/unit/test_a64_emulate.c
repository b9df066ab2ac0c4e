#include <errno.h>
#include <string.h>

#include "a64vm/a64_emulate.h"
#include "unit.h"

/* A fake bus: 256 bytes at BUS_VA, and a log of the accesses made. */
#define BUS_VA 0x10000ull
static uint8_t bus[256];
struct bus_access {
	uint64_t va;
	unsigned size;
	bool write;
};
static struct bus_access log_[8];
static unsigned nlog;
static uint64_t fail_at = UINT64_MAX;

static int bus_access(uint64_t va, uint8_t *buf, unsigned size, bool write)
{
	if (va == fail_at)
		return -EIO;
	if (va < BUS_VA || va + size > BUS_VA + sizeof(bus))
		return -EFAULT;
	if (nlog < 8)
		log_[nlog++] = (struct bus_access){ va, size, write };
	if (write)
		memcpy(bus + (va - BUS_VA), buf, size);
	else
		memcpy(buf, bus + (va - BUS_VA), size);
	return 0;
}

static int bus_read(void *ctx, uint64_t va, uint8_t *buf, unsigned size)
{
	(void)ctx;
	return bus_access(va, buf, size, false);
}

static int bus_write(void *ctx, uint64_t va, const uint8_t *buf, unsigned size)
{
	(void)ctx;
	return bus_access(va, (uint8_t *)buf, size, true);
}

static const struct a64_mem_ops ops = { bus_read, bus_write };
static struct a64_regs regs;
static struct a64_reg_use written;

static void setup(void)
{
	for (unsigned i = 0; i < sizeof(bus); i++)
		bus[i] = (uint8_t)(i + 1);
	memset(&regs, 0, sizeof(regs));
	nlog = 0;
	fail_at = UINT64_MAX;
}

static int run(uint32_t insn, bool big_endian)
{
	struct a64_ldst d;

	CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(insn, &d), 0);
	return a64_emulate(&d, &regs, big_endian, &ops, NULL, &written);
}

static uint64_t le(unsigned off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)bus[off + i] << (8 * i);
	return v;
}

static void test_loads(void)
{
	setup();
	regs.x[2] = BUS_VA;
	CU_ASSERT_EQUAL(run(0xa9410c41 /* ldp x1, x3, [x2, #16] */, false), 0);
	CU_ASSERT_EQUAL(regs.x[1], le(16, 8));
	CU_ASSERT_EQUAL(regs.x[3], le(24, 8));
	CU_ASSERT_EQUAL(written.x, (1u << 1) | (1u << 3));
	CU_ASSERT_EQUAL(nlog, 2);
	CU_ASSERT_EQUAL(log_[0].va, BUS_VA + 16); /* in order */
	CU_ASSERT_EQUAL(log_[1].va, BUS_VA + 24);

	/* sign extension: LDRSB W and LDPSW */
	setup();
	bus[5] = 0x80;
	regs.x[2] = BUS_VA;
	regs.x[1] = ~0ull;
	CU_ASSERT_EQUAL(run(0x39c01441 /* ldrsb w1, [x2, #5] */, false), 0);
	CU_ASSERT_EQUAL(regs.x[1], 0xffffff80); /* W result: upper half zero */
	bus[11] = 0x90;
	CU_ASSERT_EQUAL(run(0x69410c41 /* ldpsw x1, x3, [x2, #8] */, false), 0);
	CU_ASSERT_EQUAL(regs.x[1], 0xffffffff900b0a09ull);
	CU_ASSERT_EQUAL(regs.x[3], le(12, 4));

	/* Q register: two 8-byte accesses, and the register fully written */
	setup();
	regs.x[1] = BUS_VA + 32;
	regs.v[5] = (struct a64_vreg){ 1, 2 };
	CU_ASSERT_EQUAL(run(0x3dc00025 /* ldr q5, [x1] */, false), 0);
	CU_ASSERT_EQUAL(regs.v[5].lo, le(32, 8));
	CU_ASSERT_EQUAL(regs.v[5].hi, le(40, 8));
	CU_ASSERT_EQUAL(nlog, 2);
	CU_ASSERT_EQUAL(log_[1].size, 8);
	/* a scalar load clears the rest of the vector register */
	CU_ASSERT_EQUAL(run(0xbd400425 /* ldr s5, [x1, #4] */, false), 0);
	CU_ASSERT_EQUAL(regs.v[5].lo, le(36, 4));
	CU_ASSERT_EQUAL(regs.v[5].hi, 0);
	CU_ASSERT_EQUAL(written.v, 1u << 5);

	/* XZR as destination: the access happens, nothing is written */
	setup();
	regs.x[0] = BUS_VA;
	CU_ASSERT_EQUAL(run(0xf940001f /* ldr xzr, [x0] */, false), 0);
	CU_ASSERT_EQUAL(nlog, 1);
	CU_ASSERT_EQUAL(written.x, 0);
}

static void test_stores_and_writeback(void)
{
	setup();
	regs.x[31] = BUS_VA + 64; /* SP */
	regs.x[1] = 0x1122334455667788ull;
	regs.x[2] = 0x99aabbccddeeff00ull;
	CU_ASSERT_EQUAL(run(0xa9bf0be1 /* stp x1, x2, [sp, #-16]! */, false), 0);
	CU_ASSERT_EQUAL(le(48, 8), regs.x[1]);
	CU_ASSERT_EQUAL(le(56, 8), regs.x[2]);
	CU_ASSERT_EQUAL(regs.x[31], BUS_VA + 48);
	CU_ASSERT_EQUAL(written.x, 1u << 31);

	/* post-index, register offset with SXTW and shift */
	setup();
	regs.x[4] = BUS_VA + 100;
	regs.x[3] = 0xab;
	CU_ASSERT_EQUAL(run(0x38001483 /* strb w3, [x4], #1 */, false), 0);
	CU_ASSERT_EQUAL(bus[100], 0xab);
	CU_ASSERT_EQUAL(regs.x[4], BUS_VA + 101);
	regs.x[1] = BUS_VA + 64;
	regs.x[2] = (uint32_t)-2; /* sxtw: -2, << 2 = -8 */
	regs.x[5] = 0xdeadbeef;
	CU_ASSERT_EQUAL(run(0xb822d825 /* str w5, [x1, w2, sxtw #2] */, false), 0);
	CU_ASSERT_EQUAL(le(56, 4), 0xdeadbeef);

	/* XZR as source stores zero */
	setup();
	regs.x[5] = BUS_VA;
	CU_ASSERT_EQUAL(run(0x790004bf /* strh wzr, [x5, #2] */, false), 0);
	CU_ASSERT_EQUAL(le(2, 2), 0);
}

/* CONSTRAINED UNPREDICTABLE choices, as a64_emulate.c documents them. */
static void test_unpredictable_choices(void)
{
	setup();
	regs.x[1] = BUS_VA;
	CU_ASSERT_EQUAL(run(0xf8408421 /* ldr x1, [x1], #8 */, false), 0);
	CU_ASSERT_EQUAL(regs.x[1], le(0, 8)); /* writeback suppressed */
	setup();
	regs.x[1] = BUS_VA;
	CU_ASSERT_EQUAL(run(0xf8008421 /* str x1, [x1], #8 */, false), 0);
	CU_ASSERT_EQUAL(le(0, 8), BUS_VA); /* the value before writeback */
	CU_ASSERT_EQUAL(regs.x[1], BUS_VA + 8);
	setup();
	regs.x[2] = BUS_VA;
	CU_ASSERT_EQUAL(run(0xa9400441 /* ldp x1, x1, [x2] */, false), 0);
	CU_ASSERT_EQUAL(regs.x[1], le(8, 8)); /* the second load wins */
	CU_ASSERT_EQUAL(nlog, 2);
}

static void test_big_endian(void)
{
	setup();
	regs.x[2] = BUS_VA;
	CU_ASSERT_EQUAL(run(0xb9400041 /* ldr w1, [x2] */, true), 0);
	CU_ASSERT_EQUAL(regs.x[1], __builtin_bswap32((uint32_t)le(0, 4)));
	regs.x[1] = 0x0102;
	CU_ASSERT_EQUAL(run(0x79001041 /* strh w1, [x2, #8] */, true), 0);
	CU_ASSERT_EQUAL(bus[8], 0x01);
	CU_ASSERT_EQUAL(bus[9], 0x02);
	/* Q: the whole 128 bits reversed */
	regs.v[0] = (struct a64_vreg){ 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	CU_ASSERT_EQUAL(run(0x3d800840 /* str q0, [x2, #32] */, true), 0);
	CU_ASSERT_EQUAL(bus[32], 0x0f);
	CU_ASSERT_EQUAL(bus[47], 0x00);
	CU_ASSERT_EQUAL(run(0x3dc00841 /* ldr q1, [x2, #32] */, true), 0);
	CU_ASSERT_EQUAL(regs.v[1].lo, regs.v[0].lo);
	CU_ASSERT_EQUAL(regs.v[1].hi, regs.v[0].hi);
}

static void test_failure_leaves_registers(void)
{
	struct a64_regs before;

	setup();
	regs.x[3] = BUS_VA;
	regs.x[1] = 5;
	before = regs;
	fail_at = BUS_VA + 8; /* the second element fails */
	CU_ASSERT_EQUAL(run(0xa8c10861 /* ldp x1, x2, [x3], #16 */, false), -EIO);
	CU_ASSERT_EQUAL(memcmp(&regs, &before, sizeof(regs)), 0);
}

static void test_accesses_and_regs_used(void)
{
	struct a64_access acc[A64_MAX_ACCESSES];
	struct a64_reg_use u;
	struct a64_ldst d;

	setup();
	CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(0xad400440 /* ldp q0, q1, [x2] */, &d), 0);
	regs.x[2] = 0x1000;
	CU_ASSERT_EQUAL(a64_emulate_accesses(&d, &regs, acc), 4);
	CU_ASSERT_EQUAL(acc[0].va, 0x1000);
	CU_ASSERT_EQUAL(acc[1].va, 0x1008);
	CU_ASSERT_EQUAL(acc[2].va, 0x1010);
	CU_ASSERT_EQUAL(acc[3].va, 0x1018);
	u = a64_emulate_regs_used(&d);
	CU_ASSERT_EQUAL(u.x, 1u << 2);
	CU_ASSERT_EQUAL(u.v, 0); /* a load's destinations are not read */
	CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(0xad000440 /* stp q0, q1, [x2] */, &d), 0);
	u = a64_emulate_regs_used(&d);
	CU_ASSERT_EQUAL(u.v, 3u);
	/* literal: PC-relative, no base register */
	CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(0x58000041 /* ldr x1, .+8 */, &d), 0);
	regs.pc = 0x4000;
	CU_ASSERT_EQUAL(a64_emulate_accesses(&d, &regs, acc), 1);
	CU_ASSERT_EQUAL(acc[0].va, 0x4008);
	CU_ASSERT_EQUAL(a64_emulate_regs_used(&d).x, 0);
	/* XZR as a register offset is not fetched */
	CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(0xf83f6841 /* str x1, [x2, xzr] */, &d), 0);
	CU_ASSERT_EQUAL(a64_emulate_regs_used(&d).x, (1u << 1) | (1u << 2));
}

/* At a known address: base and index are neither read nor used. */
static void test_at_fixed_address(void)
{
	struct a64_access acc[A64_MAX_ACCESSES];
	struct a64_ldst d;

	setup();
	CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(0xf8236841 /* str x1, [x2, x3] */, &d), 0);
	CU_ASSERT_TRUE(a64_ldst_at(&d, BUS_VA + 16));
	CU_ASSERT_EQUAL(a64_emulate_regs_used(&d).x, 1u << 1);
	regs.x[1] = 0x1122334455667788ull;
	regs.x[2] = regs.x[3] = 0xdead0000; /* would miss the bus */
	CU_ASSERT_EQUAL(a64_emulate_accesses(&d, &regs, acc), 1);
	CU_ASSERT_EQUAL(acc[0].va, BUS_VA + 16);
	CU_ASSERT_EQUAL(a64_emulate(&d, &regs, false, &ops, NULL, &written), 0);
	CU_ASSERT_EQUAL(le(16, 8), 0x1122334455667788ull);
	CU_ASSERT_EQUAL(written.x, 0);
	/* stp w1, w1, [x0]: the pair starts there */
	CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(0x29000401, &d), 0);
	CU_ASSERT_TRUE(a64_ldst_at(&d, BUS_VA + 32));
	CU_ASSERT_EQUAL(a64_emulate_regs_used(&d).x, 1u << 1);
	CU_ASSERT_EQUAL(a64_emulate_accesses(&d, &regs, acc), 2);
	CU_ASSERT_EQUAL(acc[1].va, BUS_VA + 36);
	/* writeback needs the base: refused, d unchanged */
	CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(0xa8c10861 /* ldp x1, x2, [x3], #16 */, &d), 0);
	CU_ASSERT_FALSE(a64_ldst_at(&d, BUS_VA));
	CU_ASSERT_EQUAL(d.mode, A64_ADDR_POST);
}

const char unit_suite_name[] = "a64_emulate";
const struct unit_test unit_tests[] = {
	{ "loads, sign extension, Q, XZR", test_loads },
	{ "stores and writeback", test_stores_and_writeback },
	{ "CONSTRAINED UNPREDICTABLE choices", test_unpredictable_choices },
	{ "big-endian data", test_big_endian },
	{ "a failed access changes no register", test_failure_leaves_registers },
	{ "accesses and registers used", test_accesses_and_regs_used },
	{ "at a known address", test_at_fixed_address },
	{ NULL, NULL },
};
