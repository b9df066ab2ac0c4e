/*
 * Hardware breakpoints and watchpoints as the debug registers encode them
 * (DBGBCR/DBGBVR, DBGWCR/DBGWVR), for KVM_SET_GUEST_DEBUG. Pure.
 */
#ifndef A64VM_HW_DEBUG_H
#define A64VM_HW_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "a64vm/gdb_cmd.h"

#define HW_DEBUG_MAX 16 /* the architecture's limit per kind */

struct hw_debug {
	unsigned max_bps, max_wps; /* what the host reports */
	unsigned nbps, nwps;
	uint64_t bp[HW_DEBUG_MAX];
	struct hw_watch {
		uint64_t addr, len;
		enum gdb_bp_type type;
		uint64_t wcr, wvr;
	} wp[HW_DEBUG_MAX];
};

void hw_debug_init(struct hw_debug *d, unsigned max_bps, unsigned max_wps);

/*
 * A breakpoint (GDB_BP_HW) or a watchpoint (GDB_WP_*): 0, -ENOSPC when all
 * the host's registers are taken, -EINVAL for what one register cannot
 * watch (a range that is neither inside one aligned doubleword nor an
 * aligned power of two).
 */
int hw_debug_insert(struct hw_debug *d, enum gdb_bp_type type, uint64_t addr,
		    uint64_t len);
/* 0, or -ENOENT. */
int hw_debug_remove(struct hw_debug *d, enum gdb_bp_type type, uint64_t addr,
		    uint64_t len);

bool hw_debug_any(const struct hw_debug *d);

void hw_debug_to_kvm(const struct hw_debug *d, struct kvm_guest_debug_arch *arch);

/*
 * The watchpoint a data address (FAR) belongs to; the address GDB is told
 * is clamped into its range. NULL when none matches.
 */
const struct hw_watch *hw_debug_watch_hit(const struct hw_debug *d, uint64_t far,
					  uint64_t *report);

/*
 * A single-step runs with IRQ and FIQ masked (so that it does not end in an
 * interrupt handler). Given the stepped instruction and PSTATE before and
 * after the step, the PSTATE to put back: the guest's own mask, unless the
 * instruction itself changed it.
 */
uint64_t hw_debug_step_pstate(uint32_t insn, uint64_t orig, uint64_t after);

#endif
