/*
 * The AArch64 register file as GDB numbers it (the target description of
 * arm64/gdb_tdesc.c), and how each register travels in a packet: the
 * architecture's side of the GDB stub, so that vmm/gdb_cmd.c holds none.
 */
#ifndef A64VM_GDB_REGS_H
#define A64VM_GDB_REGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The register file of the target description, in GDB's numbering. With
 * SVE, z0-z31, fpsr, fpcr, p0-p15, ffr and vg follow the core registers
 * instead of v0-v31, fpsr and fpcr (GDB makes the v registers of z).
 */
enum {
	GDB_REG_SP = 31,
	GDB_REG_PC = 32,
	GDB_REG_CPSR = 33,
	GDB_REG_V0 = 34,
	GDB_REG_FPSR = 66,
	GDB_REG_FPCR = 67,
	GDB_NUM_REGS = 68,
	GDB_REG_Z0 = 34,
	GDB_REG_P0 = 68,
	GDB_REG_FFR = 84,
	GDB_REG_VG = 85,
	GDB_NUM_SVE_REGS = 86,
};

#define GDB_SVE_MAX_VQ 16 /* 2048-bit vectors, the architecture's limit */

struct gdb_regs {
	uint64_t x[31], sp, pc;
	uint32_t cpsr;
	uint64_t v[32][2]; /* {low, high}; without SVE */
	uint32_t fpsr, fpcr;
	unsigned vq; /* SVE's vector length in quadwords; 0: no SVE */
	/* With SVE, in memory order (as "STR Zn" stores them, little-endian). */
	uint8_t z[32][16 * GDB_SVE_MAX_VQ];
	uint8_t p[16][2 * GDB_SVE_MAX_VQ];
	uint8_t ffr[2 * GDB_SVE_MAX_VQ];
	uint64_t vg; /* 2 * vq */
};

/* How many registers r has: GDB_NUM_REGS, or GDB_NUM_SVE_REGS with SVE. */
static inline unsigned gdb_regs_count(const struct gdb_regs *r)
{
	return r->vq ? GDB_NUM_SVE_REGS : GDB_NUM_REGS;
}

/* The largest register on the wire: an SVE Z register of 2048 bits. */
#define GDB_REG_MAX_BYTES (16 * GDB_SVE_MAX_VQ)

/* What a software breakpoint writes over an instruction (BRK #0), in memory order. */
extern const uint8_t gdb_sw_bp_insn[4];

/* Register n in target byte order into out; its size, or 0: no such register. */
size_t gdb_reg_get(const struct gdb_regs *r, unsigned n, uint8_t *out);
/* Register n from target-order bytes (gdb_reg_get's size of them); as above. */
size_t gdb_reg_set(struct gdb_regs *r, unsigned n, const uint8_t *in);

#endif
