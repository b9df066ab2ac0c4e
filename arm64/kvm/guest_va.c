#include "a64vm/guest_va.h"

#include "a64vm/regs.h"

int guest_va_init(struct guest_va *g, int vcpu_fd, const struct guest_mem *mem)
{
	int ret;

	*g = (struct guest_va){ .vcpu_fd = vcpu_fd, .mem = mem };
	ret = regs_get(vcpu_fd, regs_sys_id(REGS_SCTLR_EL1), &g->mmu.sctlr);
	/* The translation registers matter only with the MMU on. */
	if (!ret && (g->mmu.sctlr & SCTLR_M))
		ret = regs_get(vcpu_fd, regs_sys_id(REGS_TCR_EL1), &g->mmu.tcr);
	return ret;
}

static int read_desc(void *ctx, uint64_t ipa, uint64_t *val)
{
	return memory_read(ctx, ipa, val, sizeof(*val));
}

int guest_va_translate(struct guest_va *g, uint64_t va, bool fetch,
		       struct mmu_result *out)
{
	unsigned half = mmu_ttbr_of(va);

	if ((g->mmu.sctlr & SCTLR_M) && !g->have_ttbr[half]) {
		int ret = regs_get(g->vcpu_fd,
				   half ? regs_sys_id(REGS_TTBR1_EL1)
					: regs_sys_id(REGS_TTBR0_EL1),
				   half ? &g->mmu.ttbr1 : &g->mmu.ttbr0);

		if (ret)
			return ret;
		g->have_ttbr[half] = true;
	}
	return mmu_translate(&g->mmu, va, fetch, read_desc, (void *)g->mem, out);
}
