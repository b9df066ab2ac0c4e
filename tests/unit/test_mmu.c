#include <errno.h>
#include <string.h>

#include "a64vm/mmu.h"
#include "unit.h"

/* Fake guest RAM holding the translation tables. */
#define RAM_BASE 0x40000000ull
#define RAM_SIZE (4ull << 20)
static uint8_t ram[RAM_SIZE];
static uint64_t next_table;
static bool tables_big_endian;

static int ram_read(void *ctx, uint64_t ipa, uint64_t *val)
{
	(void)ctx;
	if (ipa < RAM_BASE || ipa + 8 > RAM_BASE + RAM_SIZE || (ipa & 7))
		return -EFAULT;
	memcpy(val, ram + (ipa - RAM_BASE), 8); /* host and data are LE */
	return 0;
}

static void put(uint64_t ipa, uint64_t desc)
{
	if (tables_big_endian)
		desc = __builtin_bswap64(desc);
	memcpy(ram + (ipa - RAM_BASE), &desc, 8);
}

static void reset_ram(void)
{
	memset(ram, 0, sizeof(ram));
	next_table = RAM_BASE + 0x10000;
	tables_big_endian = false;
}

static uint64_t new_table(unsigned granule)
{
	uint64_t t = (next_table + (1ull << granule) - 1) & ~((1ull << granule) - 1);

	next_table = t + (1ull << granule);
	return t;
}

#define PAGE 3ull
#define TABLE 3ull
#define BLOCK 1ull
#define AF (1ull << 10)

/* TCR fields */
#define T0SZ(n) ((uint64_t)(n))
#define T1SZ(n) ((uint64_t)(n) << 16)
#define TG0_4K (0ull << 14)
#define TG0_64K (1ull << 14)
#define TG0_16K (2ull << 14)
#define TG1_16K (1ull << 30)
#define TG1_4K (2ull << 30)
#define TG1_64K (3ull << 30)
#define IPS(n) ((uint64_t)(n) << 32)
#define IPS_48 IPS(5)
#define IPS_52 IPS(6)
#define TBI0 (1ull << 37)
#define TBID0 (1ull << 51)
#define EPD0 (1ull << 7)
#define DS (1ull << 59)

static struct mmu_result result;

static int translate(const struct mmu_regs *r, uint64_t va)
{
	return mmu_translate(r, va, false, ram_read, NULL, &result);
}

/* 4K granule, 39-bit VA: levels 1..3, indices worked out by hand. */
static void test_4k_39bit_by_hand(void)
{
	struct mmu_regs r = { .sctlr = 1, .tcr = T0SZ(25) | TG0_4K | IPS_48,
			      .ttbr0 = 0x40001000 };

	reset_ram();
	put(0x40001000 + 1 * 8, 0x40002000 | TABLE);	 /* L1[1] */
	put(0x40002000 + 1 * 8, 0x40003000 | TABLE);	 /* L2[1] */
	put(0x40003000 + 3 * 8, 0x09000000 | AF | PAGE); /* L3[3] */
	put(0x40001000 + 0 * 8, 0x00000000 | AF | BLOCK); /* 1 GiB block */
	put(0x40002000 + 2 * 8, 0x48000000 | AF | BLOCK); /* 2 MiB block */

	CU_ASSERT_EQUAL(translate(&r, 0x40203456), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x09000456);
	CU_ASSERT_EQUAL(result.level, 3);
	CU_ASSERT_EQUAL(translate(&r, 0x00123456), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x00123456);
	CU_ASSERT_EQUAL(result.level, 1);
	CU_ASSERT_EQUAL(translate(&r, 0x40401234), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x48001234);
	CU_ASSERT_EQUAL(result.level, 2);
	/* unmapped: L3[4] is zero */
	CU_ASSERT_EQUAL(translate(&r, 0x40204000), -EFAULT);
	CU_ASSERT_EQUAL(result.fault, MMU_FAULT_TRANSLATION);
	CU_ASSERT_EQUAL(result.level, 3);
	/* beyond 39 bits in the lower range */
	CU_ASSERT_EQUAL(translate(&r, 0x8000000000ull), -EFAULT);
	CU_ASSERT_EQUAL(result.level, 0);
}

/* TTBR1, 4K granule, 48-bit VA: four levels. */
static void test_4k_48bit_ttbr1_by_hand(void)
{
	struct mmu_regs r = { .sctlr = 1, .tcr = T1SZ(16) | TG1_4K | IPS_48,
			      .ttbr1 = 0x40001000 | (0x1234ull << 48) /* ASID */ };
	uint64_t va = 0xffff800000201000ull + 0xabc;

	reset_ram();
	/* VA[47:39] = 0x100, VA[38:30] = 0, VA[29:21] = 1, VA[20:12] = 1 */
	put(0x40001000 + 0x100 * 8, 0x40002000 | TABLE);
	put(0x40002000, 0x40003000 | TABLE);
	put(0x40003000 + 8, 0x40004000 | TABLE);
	put(0x40004000 + 8, 0x0a000000 | AF | PAGE | (1 << 7) | (1 << 6));
	CU_ASSERT_EQUAL(translate(&r, va), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x0a000abc);
	CU_ASSERT_TRUE(result.read_only);
	CU_ASSERT_TRUE(result.el0);
	/* the lower half has no TTBR0 tables: 0 is not RAM */
	CU_ASSERT_EQUAL(translate(&r, 0x1000), -EFAULT);
	CU_ASSERT_EQUAL(result.fault, MMU_FAULT_WALK);
}

/* 64K granule, 42-bit VA: levels 2..3. */
static void test_64k_42bit_by_hand(void)
{
	struct mmu_regs r = { .sctlr = 1, .tcr = T0SZ(22) | TG0_64K | IPS_48,
			      .ttbr0 = 0x40010000 };

	reset_ram();
	/* VA 0x200010000 + 0x1234: VA[41:29] = 16, VA[28:16] = 1 */
	put(0x40010000 + 16 * 8, 0x40020000 | TABLE);
	put(0x40020000 + 1 * 8, 0x0b000000 | AF | PAGE);
	put(0x40010000 + 17 * 8, 0x60000000 | AF | BLOCK); /* 512 MiB block */
	CU_ASSERT_EQUAL(translate(&r, 0x200011234ull), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x0b001234);
	CU_ASSERT_EQUAL(translate(&r, 0x220000010ull), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x60000010);
}

/*
 * 64K granule with T0SZ of 48 or more: a VA no wider than a page would
 * leave no level to walk. It acts as 47 (a 17-bit VA, one level), as the
 * fuzzer found when it once walked from "level 4".
 */
static void test_64k_smallest_va(void)
{
	struct mmu_regs r = { .sctlr = 1, .tcr = T0SZ(53) | TG0_64K | IPS_48,
			      .ttbr0 = 0x40010000 };

	reset_ram();
	put(0x40010000 + 1 * 8, 0x0b000000 | AF | PAGE);
	CU_ASSERT_EQUAL(translate(&r, 0x11234), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x0b001234);
	CU_ASSERT_EQUAL(result.level, 3);
	CU_ASSERT_EQUAL(translate(&r, 0x21234), -EFAULT); /* beyond 17 bits */
	CU_ASSERT_EQUAL(result.level, 0);
	r.tcr = T0SZ(48) | TG0_64K | IPS_48;
	CU_ASSERT_EQUAL(translate(&r, 0x11234), 0);
	CU_ASSERT_EQUAL(result.level, 3);
}

/* 16K granule, 47-bit VA: levels 1..3, 11 bits each. */
static void test_16k_47bit_by_hand(void)
{
	struct mmu_regs r = { .sctlr = 1, .tcr = T0SZ(17) | TG0_16K | IPS_48,
			      .ttbr0 = 0x40004000 };

	reset_ram();
	/* VA 0x1002004000: VA[46:36] = 1, VA[35:25] = 1, VA[24:14] = 1 */
	put(0x40004000 + 8, 0x40008000 | TABLE);
	put(0x40008000 + 8, 0x4000c000 | TABLE);
	put(0x4000c000 + 8, 0x09000000 | AF | PAGE);
	CU_ASSERT_EQUAL(translate(&r, 0x1002004000ull + 0x3ff8), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x09003ff8);
	/* 16K: a 32 MiB block at level 2 */
	put(0x40008000 + 2 * 8, 0x42000000 | AF | BLOCK);
	CU_ASSERT_EQUAL(translate(&r, 0x1004000000ull + 0x123), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x42000123);
	/* no blocks at level 1 without DS */
	put(0x40004000 + 2 * 8, 0x0 | AF | BLOCK);
	CU_ASSERT_EQUAL(translate(&r, 0x2000000000ull), -EFAULT);
	CU_ASSERT_EQUAL(result.fault, MMU_FAULT_TRANSLATION);
	CU_ASSERT_EQUAL(result.level, 1);
}

/* 52-bit: 64K with FEAT_LVA/LPA, and 4K with DS (five levels). */
static void test_52bit(void)
{
	struct mmu_regs r64 = { .sctlr = 1,
				.tcr = T1SZ(12) | TG1_64K | IPS_52 | T0SZ(16),
				.ttbr1 = 0x40010000 };
	struct mmu_regs r4 = { .sctlr = 1, .tcr = T0SZ(12) | TG0_4K | IPS_52 | DS,
			       .ttbr0 = 0x40001000 };
	uint64_t va = 0xfff0000000000000ull + 0x10000 + 0x42;

	reset_ram();
	/* 64K, 52-bit: levels 1..3; VA[51:42] = 0, VA[41:29] = 0, VA[28:16] = 1 */
	put(0x40010000, 0x40020000 | TABLE);
	put(0x40020000, 0x40030000 | TABLE);
	/* output 0xf_0000_1234_0000: PA[51:48] live in bits 15:12 */
	put(0x40030000 + 8, 0x12340000ull | (0xfull << 12) | AF | PAGE);
	CU_ASSERT_EQUAL(translate(&r64, va), 0);
	CU_ASSERT_EQUAL(result.ipa, 0xf000012340042ull);

	/* 4K, DS, 52-bit VA: level -1 has 16 entries */
	put(0x40001000 + 1 * 8, 0x40002000 | TABLE); /* VA[51:48] = 1 */
	put(0x40002000, 0x40003000 | TABLE);
	put(0x40003000, 0x40004000 | TABLE);
	put(0x40004000, 0x40005000 | TABLE);
	/* PA[51:50] in bits 9:8 */
	put(0x40005000 + 8, 0x00001000ull | (3ull << 8) | AF | PAGE);
	CU_ASSERT_EQUAL(translate(&r4, 0x0001000000001008ull), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x000c000000001008ull);
	CU_ASSERT_EQUAL(result.level, 3);
}

static void test_faults_and_special_cases(void)
{
	struct mmu_regs r = { .sctlr = 1, .tcr = T0SZ(25) | TG0_4K | IPS(2),
			      .ttbr0 = 0x40001000 };

	reset_ram();
	/* MMU off: flat */
	r.sctlr = 0;
	CU_ASSERT_EQUAL(translate(&r, 0x0a000010), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x0a000010);
	CU_ASSERT_EQUAL(translate(&r, 1ull << 60), -EFAULT);
	r.sctlr = 1;
	/* invalid top-level descriptor */
	CU_ASSERT_EQUAL(translate(&r, 0x1000), -EFAULT);
	CU_ASSERT_EQUAL(result.fault, MMU_FAULT_TRANSLATION);
	CU_ASSERT_EQUAL(result.level, 1);
	/* a table outside RAM */
	put(0x40001000, 0x7fff0000ull | TABLE);
	CU_ASSERT_EQUAL(translate(&r, 0x1000), -EFAULT);
	CU_ASSERT_EQUAL(result.fault, MMU_FAULT_WALK);
	CU_ASSERT_EQUAL(result.level, 2);
	/* level 3 "block" encoding is reserved */
	put(0x40001000, 0x40002000 | TABLE);
	put(0x40002000, 0x40003000 | TABLE);
	put(0x40003000 + 8, 0x09000000 | AF | BLOCK);
	CU_ASSERT_EQUAL(translate(&r, 0x1000), -EFAULT);
	CU_ASSERT_EQUAL(result.level, 3);
	/* output beyond IPS (40 bits) */
	put(0x40003000 + 8, 0x10000000000ull | AF | PAGE);
	CU_ASSERT_EQUAL(translate(&r, 0x1000), -EFAULT);
	CU_ASSERT_EQUAL(result.fault, MMU_FAULT_ADDRESS_SIZE);
	put(0x40003000 + 8, 0x09000000 | AF | PAGE);
	CU_ASSERT_EQUAL(translate(&r, 0x1000), 0);
	/* top byte: ignored with TBI0 for data, not for fetches with TBID0 */
	CU_ASSERT_EQUAL(translate(&r, 0x5a00000000001000ull), -EFAULT);
	r.tcr |= TBI0;
	CU_ASSERT_EQUAL(translate(&r, 0x5a00000000001000ull), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x09000000);
	r.tcr |= TBID0;
	CU_ASSERT_EQUAL(mmu_translate(&r, 0x5a00000000001000ull, true, ram_read,
				      NULL, &result), -EFAULT);
	CU_ASSERT_EQUAL(mmu_translate(&r, 0x1000, true, ram_read, NULL, &result), 0);
	/* walks disabled for the half */
	r.tcr |= EPD0;
	CU_ASSERT_EQUAL(translate(&r, 0x1000), -EFAULT);
	CU_ASSERT_EQUAL(result.level, 0);
	/* big-endian tables (SCTLR_EL1.EE) */
	reset_ram();
	tables_big_endian = true;
	put(0x40001000, 0x40002000 | TABLE);
	put(0x40002000, 0x40003000 | TABLE);
	put(0x40003000 + 8, 0x09000000 | AF | PAGE);
	r = (struct mmu_regs){ .sctlr = 1 | (1ull << 25), .tcr = T0SZ(25) | IPS(2),
			       .ttbr0 = 0x40001000 };
	CU_ASSERT_EQUAL(translate(&r, 0x1008), 0);
	CU_ASSERT_EQUAL(result.ipa, 0x09000008);
	r.sctlr = 1; /* read little-endian, the same bytes are garbage */
	CU_ASSERT_EQUAL(translate(&r, 0x1008), -EFAULT);
}

/* A table that points at itself ends after the architecture's levels. */
static void test_self_referencing_table(void)
{
	struct mmu_regs r = { .sctlr = 1, .tcr = T0SZ(16) | TG0_4K | IPS_48,
			      .ttbr0 = 0x40001000 };

	reset_ram();
	put(0x40001000, 0x40001000 | TABLE);
	CU_ASSERT_EQUAL(translate(&r, 0x0), 0);
	CU_ASSERT_EQUAL(result.level, 3); /* its last level reads it as a page */
	CU_ASSERT_EQUAL(result.ipa, 0x40001000);
}

/*
 * Every granule and VA size, both halves, pages and blocks, through tables
 * built bottom-up here (an independent reckoning of the levels).
 */
struct sweep {
	unsigned granule, va_bits;
	uint64_t tg0, tg1, extra;
};

static const struct sweep sweeps[] = {
	{ 12, 25, TG0_4K, TG1_4K, 0 },	  { 12, 39, TG0_4K, TG1_4K, 0 },
	{ 12, 42, TG0_4K, TG1_4K, 0 },	  { 12, 48, TG0_4K, TG1_4K, 0 },
	{ 12, 52, TG0_4K, TG1_4K, DS },	  { 14, 36, TG0_16K, TG1_16K, 0 },
	{ 14, 47, TG0_16K, TG1_16K, 0 },  { 14, 48, TG0_16K, TG1_16K, 0 },
	{ 14, 52, TG0_16K, TG1_16K, DS }, { 16, 42, TG0_64K, TG1_64K, 0 },
	{ 16, 48, TG0_64K, TG1_64K, 0 },  { 16, 52, TG0_64K, TG1_64K, 0 },
};

/* Maps va to pa with the leaf at leaf_level; returns the root table. */
static uint64_t build(const struct sweep *s, uint64_t root, uint64_t va,
		      uint64_t pa, int leaf_level)
{
	unsigned stride = s->granule - 3;
	int start = 3;
	uint64_t table = root;

	/* Bottom-up: add levels until they cover va_bits. */
	while (s->granule + stride * (unsigned)(4 - start) < s->va_bits)
		start--;
	for (int level = start; level <= leaf_level; level++) {
		unsigned lsb = s->granule + stride * (unsigned)(3 - level);
		unsigned width = level == start ? s->va_bits - lsb : stride;
		uint64_t slot = table + ((va >> lsb) & ((1ull << width) - 1)) * 8;
		uint64_t desc;

		if (level == leaf_level) {
			put(slot, (pa & ~((1ull << lsb) - 1)) | AF |
				  (level == 3 ? PAGE : BLOCK));
			break;
		}
		memcpy(&desc, ram + (slot - RAM_BASE), 8);
		if (!(desc & 1)) {
			desc = new_table(s->granule) | TABLE;
			put(slot, desc);
		}
		table = desc & ~0xfffull & 0xffffffffffffull;
	}
	return root;
}

static void test_sweep(void)
{
	for (size_t i = 0; i < sizeof(sweeps) / sizeof(sweeps[0]); i++) {
		const struct sweep *s = &sweeps[i];
		uint64_t txsz = 64 - s->va_bits;
		struct mmu_regs r = { .sctlr = 1,
				      .tcr = T0SZ(txsz) | T1SZ(txsz) | s->tg0 |
					     s->tg1 | IPS_52 | s->extra };
		uint64_t lo_va = (0x5ull << (s->va_bits - 4)) | 0x1230, hi_va;
		uint64_t pa = 0x0a000000ull;
		int block_level = s->granule == 12 ? 1 : 2;

		hi_va = ~0ull << s->va_bits | lo_va | 0x4000;
		reset_ram();
		r.ttbr0 = build(s, new_table(s->granule), lo_va, pa, 3);
		r.ttbr1 = build(s, new_table(s->granule), hi_va, pa + 0x100000, 3);
		CU_ASSERT_EQUAL(translate(&r, lo_va), 0);
		CU_ASSERT_EQUAL(result.ipa, pa | (lo_va & ((1ull << s->granule) - 1)));
		CU_ASSERT_EQUAL(translate(&r, hi_va), 0);
		CU_ASSERT_EQUAL(result.ipa, (pa + 0x100000) |
					    (hi_va & ((1ull << s->granule) - 1)));
		if (result.ipa == 0 || result.fault)
			fprintf(stderr, "\nsweep %u-bit granule, %u-bit VA failed\n",
				s->granule, s->va_bits);
		/* a block: the low bits come through from the VA */
		if (s->va_bits > 40) {
			uint64_t bva = 0x3ull << (s->va_bits - 3);
			unsigned bshift = s->granule + (s->granule - 3) *
						      (unsigned)(3 - block_level);
			uint64_t bpa = 1ull << 40;

			r.ttbr0 = build(s, r.ttbr0, bva, bpa, block_level);
			CU_ASSERT_EQUAL(translate(&r, bva | 0x1234), 0);
			CU_ASSERT_EQUAL(result.ipa, bpa | 0x1234);
			CU_ASSERT_EQUAL(result.level, block_level);
			(void)bshift;
		}
	}
}

const char unit_suite_name[] = "mmu";
const struct unit_test unit_tests[] = {
	{ "4K granule, 39-bit VA", test_4k_39bit_by_hand },
	{ "4K granule, 48-bit VA, TTBR1", test_4k_48bit_ttbr1_by_hand },
	{ "64K granule, 42-bit VA", test_64k_42bit_by_hand },
	{ "64K granule, the smallest VA", test_64k_smallest_va },
	{ "16K granule, 47-bit VA", test_16k_47bit_by_hand },
	{ "52-bit VA and PA", test_52bit },
	{ "faults, MMU off, TBI, EPD, big-endian", test_faults_and_special_cases },
	{ "self-referencing table", test_self_referencing_table },
	{ "every granule and VA size", test_sweep },
	{ NULL, NULL },
};
