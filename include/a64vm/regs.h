/* vCPU registers through KVM_{GET,SET}_ONE_REG. */
#ifndef A64VM_REGS_H
#define A64VM_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/sysreg.h"

/* ONE_REG id of a 64-bit field of struct kvm_regs at a byte offset. */
uint64_t regs_core_id(uint64_t offset);
/* ONE_REG id of a system register by its encoding. */
uint64_t regs_sys_id(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
		     unsigned op2);

int regs_get(int vcpu_fd, uint64_t id, uint64_t *val);
int regs_set(int vcpu_fd, uint64_t id, uint64_t val);

/* X0..X30. */
uint64_t regs_x_id(unsigned n);
uint64_t regs_pc_id(void);
uint64_t regs_pstate_id(void);
uint64_t regs_sp_el0_id(void);
uint64_t regs_sp_el1_id(void);
uint64_t regs_mpidr_id(void);
/* V0..V31, 128 bits: get/set through regs_get128/regs_set128. */
uint64_t regs_v_id(unsigned n);

uint64_t regs_spsr_el1_id(void);
/* FPSR and FPCR are 32 bits wide: get/set through regs_get32/regs_set32. */
uint64_t regs_fpsr_id(void);
uint64_t regs_fpcr_id(void);

int regs_get32(int vcpu_fd, uint64_t id, uint32_t *val);
int regs_set32(int vcpu_fd, uint64_t id, uint32_t val);

/* 128-bit registers as {low, high} 64-bit halves. */
int regs_get128(int vcpu_fd, uint64_t id, uint64_t val[2]);
int regs_set128(int vcpu_fd, uint64_t id, const uint64_t val[2]);

/* Registers of any size the id says (SVE's), to or from buf. */
int regs_get_wide(int vcpu_fd, uint64_t id, void *buf);
int regs_set_wide(int vcpu_fd, uint64_t id, const void *buf);

/*
 * Vn as {low, high}. With SVE, KVM keeps V in Z's low 128 bits and refuses
 * the FP/SIMD ids; writing Vn zeroes the rest of Zn, as an FP/SIMD
 * instruction writing Vn does.
 */
int regs_get_v(int vcpu_fd, unsigned n, bool sve, uint64_t val[2]);
int regs_set_v(int vcpu_fd, unsigned n, bool sve, const uint64_t val[2]);

/* The register system calls (ONE_REG) this thread has made. */
uint64_t regs_calls(void);

#define REGS_ZREG_BYTES 256 /* KVM's Z slice: 2048 bits, whatever the length */
#define REGS_PREG_BYTES 32

/* The SP a PSTATE selects: SP_EL1 at EL1h, SP_EL0 otherwise. */
uint64_t regs_sp_id(uint64_t pstate);

#define REGS_SCTLR_EL1 3, 0, 1, 0, 0
#define REGS_ID_AA64PFR0_EL1 3, 0, 0, 4, 0
#define REGS_TTBR0_EL1 3, 0, 2, 0, 0
#define REGS_TTBR1_EL1 3, 0, 2, 0, 1
#define REGS_TCR_EL1 3, 0, 2, 0, 2
#define REGS_VBAR_EL1 3, 0, 12, 0, 0
#define REGS_ESR_EL1 3, 0, 5, 2, 0
#define REGS_FAR_EL1 3, 0, 6, 0, 0

#endif
