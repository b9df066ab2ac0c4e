/*
 * Semantics follow the Arm ARM pseudocode for LDR/STR/LDP/STP and their
 * SIMD&FP forms. CONSTRAINED UNPREDICTABLE cases take these choices:
 * - a load with writeback and Rn == Rt (or Rt2): the loaded value is kept,
 *   the writeback is suppressed (Constraint_WBSUPPRESS);
 * - a store with writeback and Rn == Rt: the value stored is the register
 *   before the writeback (Constraint_NONE);
 * - LDP with Rt == Rt2: both loads happen and Rt gets the second
 *   (Constraint_UNKNOWN allows any value).
 */
#include "a64vm/a64_emulate.h"

#include <string.h>

#define ZR_OR_SP A64_REG_ZR_OR_SP

static uint64_t xreg(const struct a64_regs *r, unsigned n)
{
	return n == ZR_OR_SP ? 0 : r->x[n];
}

static uint64_t base_address(const struct a64_ldst *d, const struct a64_regs *r)
{
	uint64_t base = r->x[d->rn], off;

	switch (d->mode) {
	case A64_ADDR_LITERAL:
		return r->pc + (uint64_t)d->imm;
	case A64_ADDR_FIXED:
		return (uint64_t)d->imm;
	case A64_ADDR_POST:
		return base;
	case A64_ADDR_REG:
		off = xreg(r, d->rm);
		if (d->extend == A64_EXT_UXTW)
			off = (uint32_t)off;
		else if (d->extend == A64_EXT_SXTW)
			off = (uint64_t)(int64_t)(int32_t)off;
		return base + (off << d->shift);
	default:
		return base + (uint64_t)d->imm;
	}
}

struct a64_reg_use a64_emulate_regs_used(const struct a64_ldst *d)
{
	struct a64_reg_use u = { 0, 0 };
	uint32_t data = (1u << d->rt) | (d->pair ? 1u << d->rt2 : 0);

	if (d->mode != A64_ADDR_LITERAL && d->mode != A64_ADDR_FIXED)
		u.x |= 1u << d->rn;
	if (d->mode == A64_ADDR_REG && d->rm != ZR_OR_SP)
		u.x |= 1u << d->rm;
	if (d->load)
		return u;
	if (d->simd)
		u.v |= data;
	else
		u.x |= data & ~(1u << ZR_OR_SP); /* XZR is no register */
	return u;
}

bool a64_ldst_at(struct a64_ldst *d, uint64_t address)
{
	if (a64_ldst_writeback(d))
		return false;
	d->mode = A64_ADDR_FIXED;
	d->imm = (int64_t)address;
	return true;
}

unsigned a64_emulate_accesses(const struct a64_ldst *d, const struct a64_regs *r,
			      struct a64_access out[A64_MAX_ACCESSES])
{
	uint64_t va = base_address(d, r);
	unsigned elements = d->pair ? 2 : 1, n = 0;

	for (unsigned e = 0; e < elements; e++) {
		uint64_t eva = va + (uint64_t)e * d->size;

		/* 16-byte elements go to the bus as two 8-byte halves. */
		for (unsigned half = 0; half < (d->size == 16 ? 2u : 1u); half++)
			out[n++] = (struct a64_access){
				.va = eva + 8 * half,
				.size = d->size == 16 ? 8 : d->size,
			};
	}
	return n;
}

/* The element's bytes in memory order, from a register. */
static void element_bytes(const struct a64_ldst *d, const struct a64_regs *r,
			  unsigned reg, bool big_endian, uint8_t out[16])
{
	uint64_t lo = d->simd ? r->v[reg].lo : xreg(r, reg);
	uint64_t hi = d->simd ? r->v[reg].hi : 0;

	for (unsigned i = 0; i < d->size; i++) {
		uint8_t b = (uint8_t)(i < 8 ? lo >> (8 * i) : hi >> (8 * (i - 8)));

		out[big_endian ? d->size - 1 - i : i] = b;
	}
}

/* A register value from an element's bytes in memory order. */
static void load_value(const struct a64_ldst *d, const uint8_t in[16],
		       bool big_endian, uint64_t *lo, uint64_t *hi)
{
	*lo = *hi = 0;
	for (unsigned i = 0; i < d->size; i++) {
		uint64_t b = in[big_endian ? d->size - 1 - i : i];

		if (i < 8)
			*lo |= b << (8 * i);
		else
			*hi |= b << (8 * (i - 8));
	}
	if (d->simd)
		return;
	if (d->sign_extend && d->size < 8) {
		unsigned shift = 64 - 8 * d->size;

		*lo = (uint64_t)((int64_t)(*lo << shift) >> shift);
	}
	if (d->dest_bits == 32)
		*lo = (uint32_t)*lo;
}

static int access_element(const struct a64_ldst *d, uint64_t va, uint8_t buf[16],
			  const struct a64_mem_ops *ops, void *ctx)
{
	unsigned chunk = d->size == 16 ? 8 : d->size;

	for (unsigned off = 0; off < d->size; off += chunk) {
		int ret = d->load ? ops->read(ctx, va + off, buf + off, chunk)
				  : ops->write(ctx, va + off, buf + off, chunk);

		if (ret)
			return ret;
	}
	return 0;
}

static void set_reg(const struct a64_ldst *d, struct a64_regs *r, unsigned reg,
		    uint64_t lo, uint64_t hi, struct a64_reg_use *w)
{
	if (d->simd) {
		r->v[reg] = (struct a64_vreg){ lo, hi };
		w->v |= 1u << reg;
	} else if (reg != ZR_OR_SP) {
		r->x[reg] = lo;
		w->x |= 1u << reg;
	}
}

int a64_emulate(const struct a64_ldst *d, struct a64_regs *r, bool big_endian,
		const struct a64_mem_ops *ops, void *ctx,
		struct a64_reg_use *written)
{
	unsigned regs[2] = { d->rt, d->rt2 }, elements = d->pair ? 2 : 1;
	uint64_t va = base_address(d, r), lo[2], hi[2];
	uint8_t buf[2][16];
	bool wb_clash;
	int ret;

	*written = (struct a64_reg_use){ 0, 0 };
	/* Read every source before anything changes. */
	for (unsigned e = 0; e < elements && !d->load; e++)
		element_bytes(d, r, regs[e], big_endian, buf[e]);
	for (unsigned e = 0; e < elements; e++) {
		ret = access_element(d, va + (uint64_t)e * d->size, buf[e], ops, ctx);
		if (ret)
			return ret;
	}
	if (d->load) {
		for (unsigned e = 0; e < elements; e++)
			load_value(d, buf[e], big_endian, &lo[e], &hi[e]);
		for (unsigned e = 0; e < elements; e++)
			set_reg(d, r, regs[e], lo[e], hi[e], written);
	}
	if (!a64_ldst_writeback(d))
		return 0;
	wb_clash = d->load && !d->simd && d->rn != ZR_OR_SP &&
		   (d->rn == d->rt || (d->pair && d->rn == d->rt2));
	if (!wb_clash) {
		r->x[d->rn] += (uint64_t)d->imm;
		written->x |= 1u << d->rn;
	}
	return 0;
}
