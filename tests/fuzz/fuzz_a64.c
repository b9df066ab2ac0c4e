/*
 * The load/store decoder and emulator: any instruction word, any register
 * values. The accesses the emulator makes must be exactly those
 * a64_emulate_accesses announced (the NISV path resolves and checks them
 * before any is made), in order, and a store writes what it reads back.
 */
#include <errno.h>
#include <string.h>

#include "a64vm/a64_emulate.h"
#include "fuzz.h"

struct mem_log {
	struct a64_access made[2 * A64_MAX_ACCESSES];
	unsigned n;
	struct fuzz_in *in;
	int fail_at; /* the access that fails, or -1 */
};

static int record(struct mem_log *m, uint64_t va, unsigned size)
{
	FUZZ_CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	FUZZ_CHECK(m->n < 2 * A64_MAX_ACCESSES);
	m->made[m->n] = (struct a64_access){ va, size };
	return (int)m->n++ == m->fail_at ? -EIO : 0;
}

static int mem_read(void *ctx, uint64_t va, uint8_t *buf, unsigned size)
{
	struct mem_log *m = ctx;

	for (unsigned i = 0; i < size; i++)
		buf[i] = (uint8_t)fuzz_take(m->in, 1);
	return record(m, va, size);
}

static int mem_write(void *ctx, uint64_t va, const uint8_t *buf, unsigned size)
{
	(void)buf;
	return record(ctx, va, size);
}

static const struct a64_mem_ops ops = { .read = mem_read, .write = mem_write };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint32_t insn = (uint32_t)fuzz_take(&in, 4);
	unsigned flags = (unsigned)fuzz_take(&in, 1);
	struct a64_access want[A64_MAX_ACCESSES];
	struct mem_log m = { .in = &in, .fail_at = (flags & 8) ? (int)(flags >> 4) : -1 };
	struct a64_regs regs, before;
	struct a64_reg_use written;
	struct a64_ldst d;
	unsigned n;
	int ret;

	if (a64_decode_ldst(insn, &d))
		return 0;
	for (unsigned i = 0; i < 32; i++) {
		regs.x[i] = fuzz_take(&in, 8);
		regs.v[i] = (struct a64_vreg){ fuzz_take(&in, 8), fuzz_take(&in, 8) };
	}
	regs.pc = fuzz_take(&in, 8);
	before = regs;
	n = a64_emulate_accesses(&d, &regs, want);
	FUZZ_CHECK(n >= 1 && n <= A64_MAX_ACCESSES);
	ret = a64_emulate(&d, &regs, flags & 1, &ops, &m, &written);
	if (ret) {
		/* a failed access leaves every register as it was */
		FUZZ_CHECK(!memcmp(&regs, &before, sizeof(regs)));
		FUZZ_CHECK(m.fail_at >= 0 && m.n == (unsigned)m.fail_at + 1);
	} else {
		FUZZ_CHECK(m.n == n);
	}
	for (unsigned i = 0; i < m.n; i++)
		FUZZ_CHECK(m.made[i].va == want[i].va && m.made[i].size == want[i].size);
	return 0;
}
