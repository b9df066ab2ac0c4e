#include "a64vm/hw_debug.h"

#include <errno.h>
#include <string.h>

#include "a64vm/sysreg.h"

#define CR_ENABLE (1u << 0)
#define CR_EL1_EL0 (3u << 1) /* PMC/PAC: EL1 and EL0 */
#define BCR_BAS_A64 (0xfu << 5)
#define WCR_LSC_LOAD (1u << 3)
#define WCR_LSC_STORE (2u << 3)
#define WCR_BAS_SHIFT 5
#define WCR_MASK_SHIFT 24

void hw_debug_init(struct hw_debug *d, unsigned max_bps, unsigned max_wps)
{
	memset(d, 0, sizeof(*d));
	d->max_bps = max_bps < HW_DEBUG_MAX ? max_bps : HW_DEBUG_MAX;
	d->max_wps = max_wps < HW_DEBUG_MAX ? max_wps : HW_DEBUG_MAX;
}

/* One watchpoint register's WCR/WVR for [addr, addr+len). */
static int encode_watch(struct hw_watch *w)
{
	uint64_t lsc = w->type == GDB_WP_WRITE ? WCR_LSC_STORE
		     : w->type == GDB_WP_READ  ? WCR_LSC_LOAD
					       : WCR_LSC_LOAD | WCR_LSC_STORE;
	uint64_t off = w->addr & 7;

	if (!w->len)
		return -EINVAL;
	if (w->len <= 8 - off) {
		/* Byte-address select within one doubleword. */
		w->wvr = w->addr & ~7ull;
		w->wcr = CR_ENABLE | CR_EL1_EL0 | lsc |
			 (((1ull << w->len) - 1) << off) << WCR_BAS_SHIFT;
		return 0;
	}
	/* An aligned power-of-two range: address mask, 8 bytes to 2 GiB. */
	if (w->len < 8 || w->len > (1ull << 31) || (w->len & (w->len - 1)) ||
	    (w->addr & (w->len - 1)))
		return -EINVAL;
	w->wvr = w->addr;
	w->wcr = CR_ENABLE | CR_EL1_EL0 | lsc | (0xffull << WCR_BAS_SHIFT) |
		 (uint64_t)__builtin_ctzll(w->len) << WCR_MASK_SHIFT;
	return 0;
}

int hw_debug_insert(struct hw_debug *d, enum gdb_bp_type type, uint64_t addr,
		    uint64_t len)
{
	struct hw_watch w = { .addr = addr, .len = len, .type = type };
	int ret;

	if (type == GDB_BP_HW) {
		if (addr & 3)
			return -EINVAL;
		for (unsigned i = 0; i < d->nbps; i++)
			if (d->bp[i] == addr)
				return 0;
		if (d->nbps >= d->max_bps)
			return -ENOSPC;
		d->bp[d->nbps++] = addr;
		return 0;
	}
	if (type < GDB_WP_WRITE || type > GDB_WP_ACCESS)
		return -EINVAL;
	ret = encode_watch(&w);
	if (ret)
		return ret;
	if (d->nwps >= d->max_wps)
		return -ENOSPC;
	d->wp[d->nwps++] = w;
	return 0;
}

int hw_debug_remove(struct hw_debug *d, enum gdb_bp_type type, uint64_t addr,
		    uint64_t len)
{
	if (type == GDB_BP_HW) {
		for (unsigned i = 0; i < d->nbps; i++)
			if (d->bp[i] == addr) {
				d->bp[i] = d->bp[--d->nbps];
				return 0;
			}
		return -ENOENT;
	}
	for (unsigned i = 0; i < d->nwps; i++)
		if (d->wp[i].addr == addr && d->wp[i].len == len &&
		    d->wp[i].type == type) {
			d->wp[i] = d->wp[--d->nwps];
			return 0;
		}
	return -ENOENT;
}

bool hw_debug_any(const struct hw_debug *d)
{
	return d->nbps || d->nwps;
}

void hw_debug_to_kvm(const struct hw_debug *d, struct kvm_guest_debug_arch *arch)
{
	memset(arch, 0, sizeof(*arch));
	for (unsigned i = 0; i < d->nbps; i++) {
		arch->dbg_bvr[i] = d->bp[i];
		arch->dbg_bcr[i] = CR_ENABLE | CR_EL1_EL0 | BCR_BAS_A64;
	}
	for (unsigned i = 0; i < d->nwps; i++) {
		arch->dbg_wvr[i] = d->wp[i].wvr;
		arch->dbg_wcr[i] = d->wp[i].wcr;
	}
}

const struct hw_watch *hw_debug_watch_hit(const struct hw_debug *d, uint64_t far,
					  uint64_t *report)
{
	const struct hw_watch *best = NULL;
	uint64_t best_dist = UINT64_MAX;

	/* FAR may be any byte the access touched, even below the range. */
	for (unsigned i = 0; i < d->nwps; i++) {
		const struct hw_watch *w = &d->wp[i];
		uint64_t dist = far < w->addr		  ? w->addr - far
				: far - w->addr < w->len ? 0
							  : far - (w->addr + w->len - 1);

		if (dist < best_dist) {
			best = w;
			best_dist = dist;
		}
	}
	if (best)
		*report = far < best->addr		    ? best->addr
			  : far - best->addr < best->len ? far
							  : best->addr + best->len - 1;
	return best;
}

#define MSR_DAIFSET 0xd50340dfu /* CRm (bits 11:8) holds D, A, I, F */
#define MSR_DAIFCLR 0xd50340ffu
#define MSR_IMM_MASK 0xfffff0ffu

uint64_t hw_debug_step_pstate(uint32_t insn, uint64_t orig, uint64_t after)
{
	uint64_t bits = (uint64_t)((insn >> 8) & 0xf) << 6;

	/* DAIFSet/DAIFClr change the guest's own mask, not the forced one. */
	if ((insn & MSR_IMM_MASK) == MSR_DAIFSET)
		return (after & ~PSTATE_IF) | ((orig | bits) & PSTATE_IF);
	if ((insn & MSR_IMM_MASK) == MSR_DAIFCLR)
		return (after & ~PSTATE_IF) | (orig & ~bits & PSTATE_IF);
	/* MSR DAIF, Xt and the ERETs set the mask outright: keep theirs. */
	if ((insn & ~0x1fu) == 0xd51b4220u || insn == 0xd69f03e0u ||
	    insn == 0xd69f0bffu || insn == 0xd69f0fffu)
		return after;
	return (after & ~PSTATE_IF) | (orig & PSTATE_IF);
}
