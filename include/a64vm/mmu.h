/*
 * A stage-1 translation table walker for the EL1&0 regime: guest virtual
 * to intermediate physical addresses, as the guest's own MMU would. Pure:
 * guest memory is read through a callback.
 */
#ifndef A64VM_MMU_H
#define A64VM_MMU_H

#include <stdbool.h>
#include <stdint.h>

struct mmu_regs {
	uint64_t sctlr; /* SCTLR_EL1 */
	uint64_t tcr;	/* TCR_EL1 */
	uint64_t ttbr0; /* TTBR0_EL1 */
	uint64_t ttbr1; /* TTBR1_EL1 */
};

enum mmu_fault {
	MMU_OK,
	MMU_FAULT_TRANSLATION,	/* no valid mapping */
	MMU_FAULT_ADDRESS_SIZE, /* VA or output address out of range */
	MMU_FAULT_WALK,		/* a descriptor could not be read */
};

struct mmu_result {
	uint64_t ipa;
	enum mmu_fault fault;
	int level;	   /* where the walk ended (-1..3) */
	bool el0;	   /* AP[1]: EL0 may access */
	bool read_only;	   /* AP[2] */
};

/* The TTBR a VA's translation starts from: 0 or 1, by VA bit 55. */
static inline unsigned mmu_ttbr_of(uint64_t va)
{
	return (va >> 55) & 1;
}

/* Reads the 8 bytes at ipa as they are in memory; 0 or -errno. */
typedef int (*mmu_read_fn)(void *ctx, uint64_t ipa, uint64_t *val);

/*
 * Translates va. fetch selects instruction-fetch rules for top-byte
 * ignore (TBID). Returns 0, or -EFAULT with out->fault saying why.
 */
int mmu_translate(const struct mmu_regs *regs, uint64_t va, bool fetch,
		  mmu_read_fn read, void *ctx, struct mmu_result *out);

#endif
