/* Bits of PSTATE (as SPSR lays it out) and SCTLR_EL1 the arm64 code reads. */
#ifndef A64VM_SYSREG_H
#define A64VM_SYSREG_H

#define PSTATE_SP (1ull << 0) /* SP_ELx, not SP_EL0 */
#define PSTATE_EL(p) (((p) >> 2) & 3)
#define PSTATE_nRW (1ull << 4) /* AArch32 */
#define PSTATE_IF (3ull << 6)  /* I and F: IRQ and FIQ masked */

#define SCTLR_M (1ull << 0)    /* stage-1 MMU on */
#define SCTLR_E0E (1ull << 24) /* EL0 data big-endian */
#define SCTLR_EE (1ull << 25)  /* EL1 data and table walks big-endian */

#endif
