/*
 * Where an access KVM could not decode happens, when the fault IPA alone
 * tells: pure, so that the NISV path's choice is tested against KVM's own
 * decode on a fake bus.
 */
#ifndef A64VM_NISV_DIRECT_H
#define A64VM_NISV_DIRECT_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/a64_decode.h"
#include "a64vm/memory.h"

/*
 * Makes d a fixed-address access at fault_ipa when that is where it starts,
 * as KVM's own MMIO emulation takes the fault IPA as an access's address:
 * then neither its base nor its index register need be read, nor its
 * address walked. False (d unchanged) when the start is not certain: a
 * pair (which of its two accesses faulted is not known), a writeback, a
 * literal or unprivileged access, an access that runs into the next page,
 * or one that may have begun on the previous page. With the MMU off
 * (mmu_on false, VA = IPA) that is only so when the previous page is RAM,
 * since a device page would have faulted first.
 */
bool nisv_direct_at(struct a64_ldst *d, uint64_t fault_ipa, bool mmu_on,
		    const struct guest_mem *mem);

#endif
