#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/a64_decode.h"
#include "unit.h"

struct decode_case {
	uint32_t word;
	int line; /* in a64_ldst_cases.S */
	const char *text;
	int ret;
	struct a64_ldst want;
};

/* Words from the cross assembler, paired with their expected decode. */
static const struct decode_case cases[] = {
#include "a64_ldst_cases.h"
};

static bool same(const struct a64_ldst *a, const struct a64_ldst *b)
{
	return a->load == b->load && a->simd == b->simd && a->pair == b->pair &&
	       a->sign_extend == b->sign_extend &&
	       a->unprivileged == b->unprivileged && a->size == b->size &&
	       a->dest_bits == b->dest_bits && a->rt == b->rt &&
	       a->rn == b->rn && a->mode == b->mode && a->imm == b->imm &&
	       (!a->pair || a->rt2 == b->rt2) &&
	       (a->mode != A64_ADDR_REG ||
		(a->rm == b->rm && a->extend == b->extend && a->shift == b->shift));
}

static void print_decode(const char *what, const struct a64_ldst *d)
{
	fprintf(stderr, "  %s: %s%s%s%s size=%u dest=%u rt=%u rt2=%u rn=%u rm=%u "
		"mode=%d imm=%lld ext=%d shift=%u\n", what, d->load ? "L" : "S",
		d->simd ? " simd" : "", d->pair ? " pair" : "",
		d->sign_extend ? " sx" : "", d->size, d->dest_bits, d->rt, d->rt2,
		d->rn, d->rm, d->mode, (long long)d->imm, d->extend, d->shift);
}

static void test_assembled_table(void)
{
	unsigned accepted = 0, rejected = 0;

	CU_ASSERT(sizeof(cases) / sizeof(cases[0]) > 100);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct decode_case *c = &cases[i];
		struct a64_ldst got;
		int ret;

		memset(&got, 0x5a, sizeof(got));
		ret = a64_decode_ldst(c->word, &got);
		if (ret != c->ret || (!ret && !same(&got, &c->want))) {
			fprintf(stderr, "\na64_ldst_cases.S:%d: %08x %s: ret %d, want %d\n",
				c->line, c->word, c->text, ret, c->ret);
			if (!ret)
				print_decode("got ", &got);
			if (!c->ret)
				print_decode("want", &c->want);
			CU_FAIL("decode differs");
			continue;
		}
		CU_PASS(c->text);
		if (ret)
			rejected++;
		else
			accepted++;
	}
	CU_ASSERT(accepted > 60);
	CU_ASSERT(rejected > 20);
}

/* A rejected word leaves the output alone. */
static void test_reject_keeps_output(void)
{
	struct a64_ldst d, before;

	memset(&d, 0x77, sizeof(d));
	before = d;
	CU_ASSERT_EQUAL(a64_decode_ldst(0xd503201f /* nop */, &d), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(&d, &before, sizeof(d)), 0);
}

const char unit_suite_name[] = "a64_decode";
const struct unit_test unit_tests[] = {
	{ "words from the assembler", test_assembled_table },
	{ "rejection leaves the output alone", test_reject_keeps_output },
	{ NULL, NULL },
};
