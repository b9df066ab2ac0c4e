#include "a64vm/nisv_direct.h"

#include "a64vm/a64_emulate.h"

#define SMALLEST_PAGE 4096u

bool nisv_direct_at(struct a64_ldst *d, uint64_t fault_ipa, bool mmu_on,
		    const struct guest_mem *mem)
{
	unsigned size = d->size, in_page = (unsigned)(fault_ipa % SMALLEST_PAGE);

	if (d->pair || d->mode == A64_ADDR_LITERAL || d->unprivileged)
		return false;
	if (in_page + size > SMALLEST_PAGE)
		return false;
	if (in_page + 1 < size &&
	    (mmu_on || fault_ipa < SMALLEST_PAGE ||
	     memory_gpa_to_hva(mem, fault_ipa - in_page - 1, 1)))
		return false;
	return a64_ldst_at(d, fault_ipa);
}
