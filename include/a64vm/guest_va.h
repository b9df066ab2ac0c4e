/*
 * Guest virtual addresses as one vCPU sees them: its stage-1 registers,
 * read through ONE_REG only as a walk needs them (each read is a system
 * call), and the pure walker over guest RAM. Shared by the NISV path and
 * the debugger's target.
 */
#ifndef A64VM_GUEST_VA_H
#define A64VM_GUEST_VA_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/memory.h"
#include "a64vm/mmu.h"

struct guest_va {
	int vcpu_fd;
	const struct guest_mem *mem;
	struct mmu_regs mmu;
	bool have_ttbr[2];
};

/* Reads SCTLR_EL1 and, with the MMU on, TCR_EL1; 0 or -errno. */
int guest_va_init(struct guest_va *g, int vcpu_fd, const struct guest_mem *mem);

/*
 * Translates va (fetch: instruction-fetch rules). 0; -EFAULT with
 * out->fault saying why; or -errno when a register cannot be read.
 */
int guest_va_translate(struct guest_va *g, uint64_t va, bool fetch,
		       struct mmu_result *out);

#endif
