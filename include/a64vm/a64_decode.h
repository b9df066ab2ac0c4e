/*
 * A pure decoder for the A64 loads and stores a data abort can leave to
 * userspace: single register and pair, every addressing mode, general and
 * SIMD&FP registers (Arm ARM, C4.1.66 "Loads and Stores").
 */
#ifndef A64VM_A64_DECODE_H
#define A64VM_A64_DECODE_H

#include <stdbool.h>
#include <stdint.h>

enum a64_addr_mode {
	A64_ADDR_OFFSET,  /* [Xn, #imm]: unsigned, unscaled or pair offset */
	A64_ADDR_PRE,	  /* [Xn, #imm]! */
	A64_ADDR_POST,	  /* [Xn], #imm */
	A64_ADDR_REG,	  /* [Xn, Rm{, extend {#shift}}] */
	A64_ADDR_LITERAL, /* PC + imm */
	A64_ADDR_FIXED,	  /* imm itself: never decoded, see a64_ldst_at */
};

/* Register-offset extends, numbered as the option field encodes them. */
enum a64_extend {
	A64_EXT_UXTW = 2,
	A64_EXT_LSL = 3, /* UXTX */
	A64_EXT_SXTW = 6,
	A64_EXT_SXTX = 7,
};

#define A64_REG_ZR_OR_SP 31

struct a64_ldst {
	bool load;
	bool simd;	   /* Rt and Rt2 are SIMD&FP registers */
	bool pair;
	bool sign_extend;  /* LDRSB, LDRSH, LDRSW, LDPSW */
	bool unprivileged; /* LDTR*, STTR* */
	uint8_t size;	   /* bytes per element: 1, 2, 4, 8 or 16 */
	uint8_t dest_bits; /* general-register loads: 32 (W) or 64 (X) */
	uint8_t rt, rt2, rn, rm;
	enum a64_addr_mode mode;
	int64_t imm; /* byte offset, already scaled */
	enum a64_extend extend;
	uint8_t shift; /* register offset: left shift after the extend */
};

/*
 * Decodes insn. Returns 0 for a load or store that a64_emulate handles,
 * -ENOTSUP for one it does not (exclusives, atomics, prefetches, SIMD
 * structures, tags, ...) and -EINVAL for anything else, unallocated
 * encodings included.
 */
int a64_decode_ldst(uint32_t insn, struct a64_ldst *out);

static inline bool a64_ldst_writeback(const struct a64_ldst *d)
{
	return d->mode == A64_ADDR_PRE || d->mode == A64_ADDR_POST;
}

#endif
