/*
 * The stage-1 walker with random registers and random tables: a 64 KiB
 * window of "guest memory" at a random IPA holds the descriptors, reads
 * elsewhere fail. The walk must end (a fault or an IPA), never read out
 * of its window, and a result must be consistent.
 */
#include <errno.h>
#include <string.h>

#include "a64vm/mmu.h"
#include "fuzz.h"

#define WINDOW (64u << 10)

struct tables {
	uint64_t base;
	uint8_t bytes[WINDOW];
	unsigned reads;
};

static int read_desc(void *ctx, uint64_t ipa, uint64_t *val)
{
	struct tables *t = ctx;

	FUZZ_CHECK(++t->reads <= 64); /* a walk has at most 4 levels per try */
	if (ipa < t->base || ipa - t->base > WINDOW - 8)
		return -EFAULT;
	memcpy(val, t->bytes + (ipa - t->base), 8);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tables t;
	struct fuzz_in in = { data, size };
	struct mmu_regs regs;
	struct mmu_result r;
	uint64_t va;
	bool fetch;
	int ret;

	regs.sctlr = fuzz_take(&in, 8);
	regs.tcr = fuzz_take(&in, 8);
	regs.ttbr0 = fuzz_take(&in, 8);
	regs.ttbr1 = fuzz_take(&in, 8);
	va = fuzz_take(&in, 8);
	fetch = fuzz_take(&in, 1) & 1;
	t.base = fuzz_take(&in, 6) & ~7ull;
	t.reads = 0;
	memset(t.bytes, 0, sizeof(t.bytes));
	memcpy(t.bytes, in.p, in.left < WINDOW ? in.left : WINDOW);
	ret = mmu_translate(&regs, va, fetch, read_desc, &t, &r);
	FUZZ_CHECK(ret == 0 || ret == -EFAULT);
	FUZZ_CHECK(r.level >= -1 && r.level <= 3);
	FUZZ_CHECK(ret ? r.fault != MMU_OK : r.fault == MMU_OK);
	return 0;
}
