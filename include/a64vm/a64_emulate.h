/*
 * Performs a decoded A64 load or store on a register file, through memory
 * callbacks: pure, so it runs the same against a vCPU or a test's fake bus.
 */
#ifndef A64VM_A64_EMULATE_H
#define A64VM_A64_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/a64_decode.h"

struct a64_vreg {
	uint64_t lo, hi;
};

struct a64_regs {
	uint64_t x[32]; /* x[31] is the stack pointer in use */
	struct a64_vreg v[32];
	uint64_t pc;
};

/* Accesses of 1, 2, 4 or 8 bytes, in memory order. */
struct a64_mem_ops {
	int (*read)(void *ctx, uint64_t va, uint8_t *buf, unsigned size);
	int (*write)(void *ctx, uint64_t va, const uint8_t *buf, unsigned size);
};

/* One memory access an instruction makes: 16-byte elements make two. */
struct a64_access {
	uint64_t va;
	unsigned size;
};

#define A64_MAX_ACCESSES 4

/* Which registers an instruction reads or writes (bit n: Xn or Vn). */
struct a64_reg_use {
	uint32_t x;
	uint32_t v;
};

/* The registers d reads (a load's destinations are only written). */
struct a64_reg_use a64_emulate_regs_used(const struct a64_ldst *d);

/*
 * Makes d access address whatever its base and index registers hold, so
 * that they need not be read. False (d unchanged) when d writes its base
 * back, which needs the register anyway.
 */
bool a64_ldst_at(struct a64_ldst *d, uint64_t address);

/* The accesses d will make with these registers, in order; their count. */
unsigned a64_emulate_accesses(const struct a64_ldst *d, const struct a64_regs *r,
			      struct a64_access out[A64_MAX_ACCESSES]);

/*
 * Performs d. big_endian: data is big-endian (SCTLR_EL1.EE or E0E). On
 * success the registers it changed are in *written (PC is not advanced).
 * A failing access returns its error; registers are then untouched.
 */
int a64_emulate(const struct a64_ldst *d, struct a64_regs *r, bool big_endian,
		const struct a64_mem_ops *ops, void *ctx,
		struct a64_reg_use *written);

#endif
