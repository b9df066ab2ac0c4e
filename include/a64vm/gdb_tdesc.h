/*
 * The aarch64 target descriptions GDB reads through qXfer: the core
 * registers with the FP/SIMD ones, or with SVE's for a vector length.
 */
#ifndef A64VM_GDB_TDESC_H
#define A64VM_GDB_TDESC_H

#include <stddef.h>

/* Core and FP/SIMD: x0-x30, sp, pc, cpsr, v0-v31, fpsr, fpcr. */
extern const char gdb_target_xml[];

/* Room for the largest SVE description. */
#define GDB_TDESC_SVE_MAX 8192

/*
 * Core and SVE for vectors of vq quadwords (1..16): z0-z31, fpsr, fpcr,
 * p0-p15, ffr, vg. Written NUL-terminated into buf; its length, or 0 when
 * vq is out of range or cap too small.
 */
size_t gdb_tdesc_sve(unsigned vq, char *buf, size_t cap);

#endif
