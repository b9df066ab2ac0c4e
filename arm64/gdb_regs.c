#include "a64vm/gdb_regs.h"

#include <stdbool.h>
#include <string.h>

const uint8_t gdb_sw_bp_insn[4] = { 0x00, 0x00, 0x20, 0xd4 }; /* BRK #0 */

/*
 * Where register n lives in struct gdb_regs, and how wide it is. *raw says
 * the slot holds the bytes in target order (SVE's registers) rather than a
 * number.
 */
static void *reg_slot(struct gdb_regs *r, unsigned n, size_t *size, bool *raw)
{
	*raw = false;
	*size = 8;
	if (n < 31)
		return &r->x[n];
	if (n == GDB_REG_SP)
		return &r->sp;
	if (n == GDB_REG_PC)
		return &r->pc;
	*size = 4;
	if (n == GDB_REG_CPSR)
		return &r->cpsr;
	if (n == GDB_REG_FPSR)
		return &r->fpsr;
	if (n == GDB_REG_FPCR)
		return &r->fpcr;
	if (!r->vq) {
		*size = 16;
		return n >= GDB_REG_V0 && n < GDB_REG_V0 + 32 ? r->v[n - GDB_REG_V0] : NULL;
	}
	*raw = true;
	*size = 16 * r->vq;
	if (n >= GDB_REG_Z0 && n < GDB_REG_Z0 + 32)
		return r->z[n - GDB_REG_Z0];
	*size = 2 * r->vq;
	if (n >= GDB_REG_P0 && n < GDB_REG_P0 + 16)
		return r->p[n - GDB_REG_P0];
	if (n == GDB_REG_FFR)
		return r->ffr;
	*raw = false;
	*size = 8;
	/* vg: the vector length in doublewords, fixed; writes are not kept */
	return n == GDB_REG_VG ? &r->vg : NULL;
}

/* Registers travel as target-endian (little-endian) bytes in hex. */
static void value_to_le(const void *slot, size_t size, bool raw, uint8_t *out)
{
	uint64_t words[2] = { 0, 0 };

	if (raw) {
		memcpy(out, slot, size);
		return;
	}
	if (size == 4)
		words[0] = *(const uint32_t *)slot;
	else
		memcpy(words, slot, size);
	for (size_t i = 0; i < size; i++)
		out[i] = (uint8_t)(words[i / 8] >> (8 * (i % 8)));
}

static void le_to_value(const uint8_t *in, size_t size, bool raw, void *slot)
{
	uint64_t words[2] = { 0, 0 };

	if (raw) {
		memcpy(slot, in, size);
		return;
	}
	for (size_t i = 0; i < size; i++)
		words[i / 8] |= (uint64_t)in[i] << (8 * (i % 8));
	if (size == 4)
		*(uint32_t *)slot = (uint32_t)words[0];
	else
		memcpy(slot, words, size);
}

size_t gdb_reg_get(const struct gdb_regs *r, unsigned n, uint8_t *out)
{
	size_t size;
	bool raw;
	void *slot = n < gdb_regs_count(r)
			     ? reg_slot((struct gdb_regs *)r, n, &size, &raw) : NULL;

	if (!slot)
		return 0;
	value_to_le(slot, size, raw, out);
	return size;
}

size_t gdb_reg_set(struct gdb_regs *r, unsigned n, const uint8_t *in)
{
	size_t size;
	bool raw;
	void *slot = n < gdb_regs_count(r) ? reg_slot(r, n, &size, &raw) : NULL;

	if (!slot)
		return 0;
	le_to_value(in, size, raw, slot);
	return size;
}
