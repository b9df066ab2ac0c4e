/*
 * Stage-1 walk (Arm ARM D8, "The AArch64 Virtual Memory System
 * Architecture"): 4K, 16K and 64K granules, 25..52-bit VAs (52 bits through
 * FEAT_LVA with 64K, or TCR_EL1.DS with 4K/16K), 52-bit output addresses.
 */
#include "a64vm/mmu.h"

#include <errno.h>

#include "a64vm/sysreg.h"

#define TCR_EPD0 (1ull << 7)
#define TCR_EPD1 (1ull << 23)
#define TCR_TBI0 (1ull << 37)
#define TCR_TBI1 (1ull << 38)
#define TCR_TBID0 (1ull << 51)
#define TCR_TBID1 (1ull << 52)
#define TCR_DS (1ull << 59)

#define DESC_VALID 1ull
#define DESC_TABLE 2ull
#define DESC_AP1 (1ull << 6)
#define DESC_AP2 (1ull << 7)

static uint64_t mask(unsigned hi, unsigned lo)
{
	return (~0ull >> (63 - hi)) & ~((1ull << lo) - 1);
}

/* What the walk needs to know about one half of the address space. */
struct walk {
	unsigned granule;  /* log2 of the granule: 12, 14 or 16 */
	unsigned va_bits;
	unsigned pa_bits;
	bool oa52_64k;	   /* 64K granule with a 52-bit output */
	bool ds;	   /* TCR_EL1.DS: 52-bit with 4K/16K */
	bool big_endian;
};

static unsigned granule_shift(unsigned tg, bool upper)
{
	/* TG0 and TG1 encode the same granules differently. */
	static const unsigned tg0[4] = { 12, 16, 14, 12 };
	static const unsigned tg1[4] = { 12, 14, 12, 16 };

	return upper ? tg1[tg] : tg0[tg];
}

static unsigned ips_bits(uint64_t tcr)
{
	static const unsigned bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };

	return bits[(tcr >> 32) & 7];
}

/* The output address a table, block or page descriptor holds. */
static uint64_t desc_address(const struct walk *w, uint64_t desc)
{
	if (w->ds)
		return (desc & mask(49, w->granule)) | ((desc >> 8) & 3) << 50;
	if (w->oa52_64k)
		return (desc & mask(47, 16)) | ((desc >> 12) & 0xf) << 48;
	return desc & mask(47, w->granule);
}

static bool block_allowed(const struct walk *w, int level)
{
	switch (w->granule) {
	case 12: return level == 1 || level == 2 || (level == 0 && w->ds);
	case 14: return level == 2 || (level == 1 && w->ds);
	default: return level == 2 || (level == 1 && w->pa_bits == 52);
	}
}

static int fault(struct mmu_result *out, enum mmu_fault why, int level)
{
	out->fault = why;
	out->level = level;
	return -EFAULT;
}

static int walk_tables(const struct walk *w, uint64_t ttbr, uint64_t va,
		       mmu_read_fn read, void *ctx, struct mmu_result *out)
{
	unsigned stride = w->granule - 3;
	unsigned levels = (w->va_bits - w->granule + stride - 1) / stride;
	int level = 4 - (int)levels;
	unsigned top_bits = w->va_bits - w->granule - stride * (levels - 1);
	uint64_t table = ttbr & mask(47, 1);

	if (w->oa52_64k || w->ds)
		table |= ((ttbr >> 2) & 0xf) << 48;
	/* The first table is aligned to its size (at least 64 bytes). */
	table &= ~((1ull << (top_bits + 3 > 6 ? top_bits + 3 : 6)) - 1);

	/* At most five levels (-1..3): the loop always ends. */
	for (unsigned n = top_bits;; n = stride, level++) {
		unsigned shift = w->granule + stride * (unsigned)(3 - level);
		uint64_t index = (va >> shift) & ((1ull << n) - 1), desc, oa;

		if (read(ctx, table + index * 8, &desc))
			return fault(out, MMU_FAULT_WALK, level);
		if (w->big_endian)
			desc = __builtin_bswap64(desc);
		if (!(desc & DESC_VALID))
			return fault(out, MMU_FAULT_TRANSLATION, level);
		oa = desc_address(w, desc);
		if (level < 3 && (desc & DESC_TABLE)) {
			table = oa & ~((1ull << w->granule) - 1);
			continue;
		}
		if (level == 3 ? !(desc & DESC_TABLE) : !block_allowed(w, level))
			return fault(out, MMU_FAULT_TRANSLATION, level);
		oa = (oa & ~((1ull << shift) - 1)) | (va & ((1ull << shift) - 1));
		if (w->pa_bits < 64 && oa >> w->pa_bits)
			return fault(out, MMU_FAULT_ADDRESS_SIZE, level);
		out->ipa = oa;
		out->level = level;
		out->el0 = desc & DESC_AP1;
		out->read_only = desc & DESC_AP2;
		return 0;
	}
}

int mmu_translate(const struct mmu_regs *regs, uint64_t va, bool fetch,
		  mmu_read_fn read, void *ctx, struct mmu_result *out)
{
	uint64_t tcr = regs->tcr;
	bool upper = mmu_ttbr_of(va), tbi;
	unsigned txsz, min_txsz, max_txsz;
	struct walk w;

	*out = (struct mmu_result){ .fault = MMU_OK, .el0 = true };
	if (!(regs->sctlr & SCTLR_M)) {
		/* MMU off: flat, up to the largest physical address. */
		if (va >> 52)
			return fault(out, MMU_FAULT_ADDRESS_SIZE, 0);
		out->ipa = va;
		return 0;
	}
	tbi = upper ? (tcr & TCR_TBI1) && !(fetch && (tcr & TCR_TBID1))
		    : (tcr & TCR_TBI0) && !(fetch && (tcr & TCR_TBID0));
	w.granule = granule_shift(upper ? (tcr >> 30) & 3 : (tcr >> 14) & 3, upper);
	w.ds = (tcr & TCR_DS) && w.granule != 16;
	w.pa_bits = ips_bits(tcr);
	w.oa52_64k = w.granule == 16 && w.pa_bits == 52;
	w.big_endian = regs->sctlr & SCTLR_EE;
	if (!w.ds && w.granule != 16 && w.pa_bits == 52)
		w.pa_bits = 48; /* 52-bit output needs DS with 4K and 16K */
	/* Out-of-range sizes act as the nearest allowed one. */
	txsz = upper ? (tcr >> 16) & 63 : tcr & 63;
	min_txsz = (w.ds || w.granule == 16) ? 12 : 16;
	/* 64K pages need a VA wider than a page: at most 47 (FEAT_TTST). */
	max_txsz = w.granule == 16 ? 47 : 48;
	txsz = txsz < min_txsz ? min_txsz : txsz > max_txsz ? max_txsz : txsz;
	w.va_bits = 64 - txsz;

	/* The bits above the VA size must all equal bit 55 (or 63). */
	{
		unsigned top = tbi ? 55 : 63;
		uint64_t high = va & mask(top, w.va_bits);

		if (high != (upper ? mask(top, w.va_bits) : 0))
			return fault(out, MMU_FAULT_TRANSLATION, 0);
	}
	if (tcr & (upper ? TCR_EPD1 : TCR_EPD0))
		return fault(out, MMU_FAULT_TRANSLATION, 0);
	return walk_tables(&w, upper ? regs->ttbr1 : regs->ttbr0, va, read, ctx,
			   out);
}
