#include "a64vm/a64_decode.h"

#include <errno.h>
#include <string.h>

static uint32_t bits(uint32_t insn, unsigned hi, unsigned lo)
{
	return (insn >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static int64_t sext(uint64_t v, unsigned width)
{
	uint64_t sign = 1ull << (width - 1);

	return (int64_t)((v ^ sign) - sign);
}

static unsigned log2_size(unsigned size)
{
	return (unsigned)__builtin_ctz(size);
}

/* LDR (literal), general and SIMD&FP. */
static int decode_literal(uint32_t insn, struct a64_ldst *d)
{
	unsigned opc = bits(insn, 31, 30);

	if (bits(insn, 24, 24))
		return -ENOTSUP; /* LRCPC2, memory copy/set */
	d->load = true;
	d->mode = A64_ADDR_LITERAL;
	d->rt = (uint8_t)bits(insn, 4, 0);
	d->imm = sext(bits(insn, 23, 5), 19) * 4;
	if (d->simd) {
		if (opc == 3)
			return -EINVAL;
		d->size = (uint8_t)(4u << opc);
		return 0;
	}
	switch (opc) {
	case 0: d->size = 4; d->dest_bits = 32; return 0;
	case 1: d->size = 8; d->dest_bits = 64; return 0;
	case 2: d->size = 4; d->dest_bits = 64; d->sign_extend = true; return 0;
	default: return -ENOTSUP; /* PRFM (literal) */
	}
}

/* LDP, STP, LDNP, STNP, LDPSW; general and SIMD&FP. */
static int decode_pair(uint32_t insn, struct a64_ldst *d)
{
	static const enum a64_addr_mode modes[4] = {
		A64_ADDR_OFFSET, A64_ADDR_POST, A64_ADDR_OFFSET, A64_ADDR_PRE,
	};
	unsigned opc = bits(insn, 31, 30), op2 = bits(insn, 24, 23);

	d->pair = true;
	d->load = bits(insn, 22, 22);
	d->mode = modes[op2];
	d->rt = (uint8_t)bits(insn, 4, 0);
	d->rn = (uint8_t)bits(insn, 9, 5);
	d->rt2 = (uint8_t)bits(insn, 14, 10);
	if (opc == 3)
		return -EINVAL;
	if (d->simd) {
		d->size = (uint8_t)(4u << opc);
	} else if (opc == 1) {
		if (!d->load)
			return op2 ? -ENOTSUP : -EINVAL; /* STGP (tags) */
		if (!op2)
			return -EINVAL; /* no non-temporal LDPSW */
		d->size = 4;
		d->dest_bits = 64;
		d->sign_extend = true;
	} else {
		d->size = opc ? 8 : 4;
		d->dest_bits = d->load ? d->size * 8 : 0;
	}
	d->imm = sext(bits(insn, 21, 15), 7) * d->size;
	return 0;
}

/* Size, direction and extension of a single-register load or store. */
static int single_access(uint32_t insn, struct a64_ldst *d)
{
	unsigned size = bits(insn, 31, 30), opc = bits(insn, 23, 22);

	if (d->simd) {
		if (opc & 2) {
			if (size)
				return -EINVAL;
			d->size = 16;
		} else {
			d->size = (uint8_t)(1u << size);
		}
		d->load = opc & 1;
		return 0;
	}
	d->size = (uint8_t)(1u << size);
	switch (opc) {
	case 0: return 0;
	case 1: d->load = true; d->dest_bits = size == 3 ? 64 : 32; return 0;
	case 2:
		if (size == 3)
			return -ENOTSUP; /* PRFM, PRFUM (or unallocated) */
		d->load = d->sign_extend = true;
		d->dest_bits = 64;
		return 0;
	default:
		if (size >= 2)
			return -EINVAL;
		d->load = d->sign_extend = true;
		d->dest_bits = 32;
		return 0;
	}
}

static int decode_single(uint32_t insn, struct a64_ldst *d)
{
	static const enum a64_addr_mode imm9_modes[4] = {
		A64_ADDR_OFFSET, A64_ADDR_POST, A64_ADDR_OFFSET, A64_ADDR_PRE,
	};
	unsigned op4 = bits(insn, 11, 10), option = bits(insn, 15, 13);
	int ret;

	d->rt = (uint8_t)bits(insn, 4, 0);
	d->rn = (uint8_t)bits(insn, 9, 5);
	ret = single_access(insn, d);
	if (bits(insn, 24, 24)) { /* unsigned offset */
		if (ret)
			return ret;
		d->mode = A64_ADDR_OFFSET;
		d->imm = (int64_t)bits(insn, 21, 10) << log2_size(d->size);
		return 0;
	}
	if (!bits(insn, 21, 21)) { /* 9-bit signed immediate */
		if (op4 == 2 && d->simd)
			return -EINVAL; /* no unprivileged SIMD&FP */
		if (ret == -ENOTSUP && op4 != 0)
			return -EINVAL; /* PRFM only exists unscaled */
		if (ret)
			return ret;
		d->unprivileged = op4 == 2;
		d->mode = imm9_modes[op4];
		d->imm = sext(bits(insn, 20, 12), 9);
		return 0;
	}
	if (op4 != 2)
		return -ENOTSUP; /* LSE atomics (op4 0), LDRAA/LDRAB */
	if (ret)
		return ret;
	if (!(option & 2))
		return -EINVAL;
	d->mode = A64_ADDR_REG;
	d->rm = (uint8_t)bits(insn, 20, 16);
	d->extend = (enum a64_extend)option;
	d->shift = bits(insn, 12, 12) ? (uint8_t)log2_size(d->size) : 0;
	return 0;
}

int a64_decode_ldst(uint32_t insn, struct a64_ldst *out)
{
	struct a64_ldst d;
	int ret;

	/* Loads and stores: op1 (bits 28:25) is x1x0. */
	if ((insn & 0x0a000000) != 0x08000000)
		return -EINVAL;
	memset(&d, 0, sizeof(d));
	d.simd = bits(insn, 26, 26);
	switch (bits(insn, 29, 28)) {
	case 0:
		/* exclusives, ordered, compare-and-swap, SIMD structures */
		return -ENOTSUP;
	case 1:
		ret = decode_literal(insn, &d);
		break;
	case 2:
		ret = decode_pair(insn, &d);
		break;
	default:
		ret = decode_single(insn, &d);
		break;
	}
	if (!ret)
		*out = d;
	return ret;
}
