/* Debug register encodings, and the interrupt mask a step puts back. */
#include <errno.h>

#include "a64vm/hw_debug.h"
#include "unit.h"

static void test_breakpoints(void)
{
	struct hw_debug d;
	struct kvm_guest_debug_arch a;

	hw_debug_init(&d, 2, 2);
	CU_ASSERT_FALSE(hw_debug_any(&d));
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_BP_HW, 0xffff800008001000ull, 4), 0);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_BP_HW, 0xffff800008001000ull, 4), 0);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_BP_HW, 0x40001002, 4), -EINVAL);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_BP_HW, 0x40001004, 4), 0);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_BP_HW, 0x40001008, 4), -ENOSPC);
	hw_debug_to_kvm(&d, &a);
	CU_ASSERT_EQUAL(a.dbg_bvr[0], 0xffff800008001000ull);
	/* E, PMC=0b11 (EL1 and EL0), BAS=0b1111 */
	CU_ASSERT_EQUAL(a.dbg_bcr[0], 0x1e7);
	CU_ASSERT_EQUAL(a.dbg_bcr[1], 0x1e7);
	CU_ASSERT_EQUAL(a.dbg_bcr[2], 0);
	CU_ASSERT_EQUAL(hw_debug_remove(&d, GDB_BP_HW, 0xffff800008001000ull, 4), 0);
	CU_ASSERT_EQUAL(hw_debug_remove(&d, GDB_BP_HW, 0xffff800008001000ull, 4), -ENOENT);
	hw_debug_to_kvm(&d, &a);
	CU_ASSERT_EQUAL(a.dbg_bvr[0], 0x40001004);
	CU_ASSERT_EQUAL(a.dbg_bcr[1], 0);
	/* a host with no registers */
	hw_debug_init(&d, 0, 0);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_BP_HW, 0x1000, 4), -ENOSPC);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0x1000, 4), -ENOSPC);
}

static void test_watchpoints(void)
{
	struct hw_debug d;
	struct kvm_guest_debug_arch a;

	hw_debug_init(&d, 6, 4);
	/* 4 bytes at offset 4 of a doubleword: BAS 0b11110000, stores */
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0x40200004, 4), 0);
	/* 1 byte, loads */
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_READ, 0x40200011, 1), 0);
	/* 64 aligned bytes: MASK=6, both */
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_ACCESS, 0x40200040, 64), 0);
	hw_debug_to_kvm(&d, &a);
	CU_ASSERT_EQUAL(a.dbg_wvr[0], 0x40200000);
	CU_ASSERT_EQUAL(a.dbg_wcr[0], 1 | 3 << 1 | 2 << 3 | 0xf0 << 5);
	CU_ASSERT_EQUAL(a.dbg_wvr[1], 0x40200010);
	CU_ASSERT_EQUAL(a.dbg_wcr[1], 1 | 3 << 1 | 1 << 3 | 0x02 << 5);
	CU_ASSERT_EQUAL(a.dbg_wvr[2], 0x40200040);
	CU_ASSERT_EQUAL(a.dbg_wcr[2], 1 | 3 << 1 | 3 << 3 | 0xff << 5 | 6u << 24);
	/* what one register cannot watch */
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0x40200006, 4), -EINVAL);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0x40200000, 24), -EINVAL);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0x40200008, 16), -EINVAL);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0x40200000, 0), -EINVAL);
	/* lengths the hardware cannot watch, refused at once (these hung or wrapped) */
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0, 0x8000000000000001ull), -EINVAL);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0, 0x8000000000000000ull), -EINVAL);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0x1007, ~0ull), -EINVAL);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0, 1ull << 32), -EINVAL);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_ACCESS, 0x80000000, 1ull << 31), 0);
	CU_ASSERT_EQUAL(hw_debug_remove(&d, GDB_WP_ACCESS, 0x80000000, 1ull << 31), 0);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_BP_SW, 0x40200000, 4), -EINVAL);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0x40300000, 8), 0);
	CU_ASSERT_EQUAL(hw_debug_insert(&d, GDB_WP_WRITE, 0x40400000, 8), -ENOSPC);
	/* removal matches type, address and length */
	CU_ASSERT_EQUAL(hw_debug_remove(&d, GDB_WP_READ, 0x40200004, 4), -ENOENT);
	CU_ASSERT_EQUAL(hw_debug_remove(&d, GDB_WP_WRITE, 0x40200004, 4), 0);
	CU_ASSERT_EQUAL(d.nwps, 3);
}

static void test_watch_hit(void)
{
	struct hw_debug d;
	const struct hw_watch *w;
	uint64_t at = 0;

	hw_debug_init(&d, 6, 4);
	CU_ASSERT_PTR_NULL(hw_debug_watch_hit(&d, 0x1000, &at));
	hw_debug_insert(&d, GDB_WP_WRITE, 0x40200004, 4);
	hw_debug_insert(&d, GDB_WP_ACCESS, 0x40200040, 64);
	w = hw_debug_watch_hit(&d, 0x40200006, &at);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(w->type, GDB_WP_WRITE);
	CU_ASSERT_EQUAL(at, 0x40200006);
	/* an STP starting below the range: reported inside it */
	w = hw_debug_watch_hit(&d, 0x40200000, &at);
	CU_ASSERT_EQUAL(w->type, GDB_WP_WRITE);
	CU_ASSERT_EQUAL(at, 0x40200004);
	w = hw_debug_watch_hit(&d, 0x40200078, &at);
	CU_ASSERT_EQUAL(w->type, GDB_WP_ACCESS);
	CU_ASSERT_EQUAL(at, 0x40200078);
}

#define I (1ull << 7)
#define F (1ull << 6)

static void test_step_mask(void)
{
	uint64_t forced = 0x3c5 | I | F; /* EL1h, D and A set, masked for the step */

	/* an ordinary instruction: the guest's own mask comes back */
	CU_ASSERT_EQUAL(hw_debug_step_pstate(0xd503201f, 0x345, forced), 0x345);
	CU_ASSERT_EQUAL(hw_debug_step_pstate(0x91000400, 0x305, forced | 1ull << 30),
			0x305 | 1ull << 30); /* flags the step set are kept */
	/* MSR DAIFSet, #2 (I) from unmasked: I set, F as it was */
	CU_ASSERT_EQUAL(hw_debug_step_pstate(0xd50342df, 0x305, forced), 0x305 | I);
	/* MSR DAIFClr, #3 (I, F) from masked: both clear */
	CU_ASSERT_EQUAL(hw_debug_step_pstate(0xd50343ff, 0x3c5, forced), 0x305);
	/* MSR DAIF, X0 and ERET decide the mask themselves */
	CU_ASSERT_EQUAL(hw_debug_step_pstate(0xd51b4220, 0x305, 0x3c5), 0x3c5);
	CU_ASSERT_EQUAL(hw_debug_step_pstate(0xd69f03e0, 0x305, 0x3c0), 0x3c0);
}

const char unit_suite_name[] = "hw_debug";
const struct unit_test unit_tests[] = {
	{ "hardware breakpoints", test_breakpoints },
	{ "watchpoint encodings", test_watchpoints },
	{ "which watchpoint fired", test_watch_hit },
	{ "a step's interrupt mask", test_step_mask },
	{ NULL, NULL },
};
