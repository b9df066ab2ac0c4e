/*
 * The emulator against the processor. For random instances of every load
 * and store form, this aarch64 program (run under qemu-aarch64 by the cross
 * build's tests) executes the instruction on ordinary memory with random
 * registers, then has a64_emulate perform it on the same registers with a
 * bus backed by a copy of the same bytes. Registers and memory must agree.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "a64vm/a64_decode.h"
#include "a64vm/a64_emulate.h"

struct cpu_state {
	uint64_t x[31];
	uint64_t sp;
	struct a64_vreg v[32];
	uint64_t host[24];
};
_Static_assert(sizeof(struct a64_vreg) == 16, "vreg layout");
_Static_assert(__builtin_offsetof(struct cpu_state, v) == 256, "harness layout");
_Static_assert(__builtin_offsetof(struct cpu_state, host) == 768, "harness layout");

extern const uint8_t harness_start[], harness_insn[], harness_literal[], harness_end[];

#define MEM_SIZE 0x4000
#define CODE_OFF 0x2000 /* the harness lives inside the memory */
#define TARGET 0xc00	/* accesses land around here */
#define CASES_PER_FORM 300

static uint8_t *mem;		   /* RWX: data, then the harness */
static uint8_t snapshot[MEM_SIZE]; /* the emulator's bus */
static struct cpu_state hw;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int64_t rnd_range(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static int bus_read(void *ctx, uint64_t va, uint8_t *buf, unsigned size)
{
	uint64_t base = (uintptr_t)mem;

	(void)ctx;
	if (va < base || va + size > base + MEM_SIZE)
		return -1;
	memcpy(buf, snapshot + (va - base), size);
	return 0;
}

static int bus_write(void *ctx, uint64_t va, const uint8_t *buf, unsigned size)
{
	uint64_t base = (uintptr_t)mem;

	(void)ctx;
	if (va < base || va + size > base + MEM_SIZE)
		return -1;
	memcpy(snapshot + (va - base), buf, size);
	return 0;
}

static const struct a64_mem_ops bus = { bus_read, bus_write };

/* One generated instruction: its word, and where its base must point. */
struct gen {
	uint32_t insn;
	unsigned rt, rt2, rn, rm;
	bool pair, simd, writeback, literal, load;
	int64_t addr_offset; /* address = base + addr_offset (before writeback) */
	uint64_t rm_value;
	unsigned size;
};

/* Registers for an instance: distinct where the architecture needs it. */
static unsigned pick_reg(unsigned avoid_mask, bool allow_31)
{
	for (;;) {
		unsigned r = (unsigned)(rnd() % (allow_31 ? 32 : 29));

		if (!(avoid_mask & (1u << r)))
			return r;
	}
}

/* Single-register forms: (size, V, opc) combinations that exist. */
struct single_form {
	unsigned size, v, opc;
};
static const struct single_form single_forms[] = {
	{ 0, 0, 0 }, { 0, 0, 1 }, { 0, 0, 2 }, { 0, 0, 3 }, { 1, 0, 0 }, { 1, 0, 1 },
	{ 1, 0, 2 }, { 1, 0, 3 }, { 2, 0, 0 }, { 2, 0, 1 }, { 2, 0, 2 }, { 3, 0, 0 },
	{ 3, 0, 1 }, { 0, 1, 0 }, { 0, 1, 1 }, { 0, 1, 2 }, { 0, 1, 3 }, { 1, 1, 0 },
	{ 1, 1, 1 }, { 2, 1, 0 }, { 2, 1, 1 }, { 3, 1, 0 }, { 3, 1, 1 },
};

static unsigned single_bytes(const struct single_form *f)
{
	return f->v && (f->opc & 2) ? 16 : 1u << f->size;
}

enum single_mode { S_UNSIGNED, S_UNSCALED, S_POST, S_PRE, S_UNPRIV, S_REG, S_MODES };

static bool gen_single(struct gen *g, const struct single_form *f, enum single_mode m)
{
	unsigned bytes = single_bytes(f), rt, rn, opc = f->opc;
	bool load = f->v ? (opc & 1) : opc != 0;
	uint32_t insn = f->size << 30 | 7u << 27 | f->v << 26 | opc << 22;

	if (m == S_UNPRIV && f->v)
		return false;
	rt = pick_reg(0, true);
	/* Writeback with Rn == Rt is CONSTRAINED UNPREDICTABLE: stay clear. */
	rn = pick_reg(f->v || (m != S_POST && m != S_PRE) ? 0 : 1u << rt, true);
	if (rn == 31 && rt == 31 && !f->v && (m == S_POST || m == S_PRE))
		rn = pick_reg(1u << 31, false);
	*g = (struct gen){ .rt = rt, .rn = rn, .simd = f->v, .load = load, .size = bytes };
	switch (m) {
	case S_UNSIGNED: {
		uint32_t imm12 = (uint32_t)rnd_range(0, 1024 / bytes);

		insn |= 1u << 24 | imm12 << 10;
		g->addr_offset = (int64_t)imm12 * bytes;
		break;
	}
	case S_REG: {
		static const unsigned options[4] = { 2, 3, 6, 7 };
		unsigned option = options[rnd() % 4], s = (unsigned)(rnd() & 1);
		int64_t index = rnd_range(-64, 64);
		unsigned shift = s ? (unsigned)__builtin_ctz(bytes) : 0;

		if (option == 2 && index < 0)
			index = -index;
		g->rm = pick_reg(1u << rn, false);
		/* W extends ignore the upper half: fill it with noise. */
		g->rm_value = (option & 1) ? (uint64_t)index
					   : (rnd() << 32) | (uint32_t)index;
		insn |= 1u << 21 | g->rm << 16 | option << 13 | s << 12 | 2u << 10;
		g->addr_offset = index * (1 << shift);
		break;
	}
	default: {
		static const unsigned op4[S_MODES] = { [S_UNSCALED] = 0, [S_POST] = 1,
						       [S_PRE] = 3, [S_UNPRIV] = 2 };
		int64_t imm9 = rnd_range(-256, 255);

		insn |= ((uint32_t)imm9 & 0x1ff) << 12 | op4[m] << 10;
		g->addr_offset = m == S_POST ? 0 : imm9;
		g->writeback = m == S_POST || m == S_PRE;
		break;
	}
	}
	g->insn = insn | rn << 5 | rt;
	/* PRFM-shaped and unallocated words are not in single_forms. */
	return true;
}

/* Pair forms: (opc, V, L) that exist; LDPSW has no non-temporal form. */
struct pair_form {
	unsigned opc, v, l;
};
static const struct pair_form pair_forms[] = {
	{ 0, 0, 0 }, { 0, 0, 1 }, { 1, 0, 1 }, { 2, 0, 0 }, { 2, 0, 1 }, { 0, 1, 0 },
	{ 0, 1, 1 }, { 1, 1, 0 }, { 1, 1, 1 }, { 2, 1, 0 }, { 2, 1, 1 },
};

static bool gen_pair(struct gen *g, const struct pair_form *f, unsigned mode)
{
	unsigned bytes = f->v ? 4u << f->opc : (f->opc == 2 ? 8 : 4);
	unsigned rt, rt2, rn, avoid;
	int64_t imm7 = rnd_range(-64, 63);

	if (f->opc == 1 && !f->v && mode == 0)
		return false;
	rt = pick_reg(0, true);
	rt2 = pick_reg(f->l ? 1u << rt : 0, true); /* LDP Rt == Rt2: unpredictable */
	avoid = (!f->v && (mode == 1 || mode == 3)) ? (1u << rt | 1u << rt2) : 0;
	rn = pick_reg(avoid & ~(1u << 31), true);
	if (avoid && rn == 31 && (rt == 31 || rt2 == 31))
		rn = pick_reg(avoid | 1u << 31, false);
	*g = (struct gen){ .rt = rt, .rt2 = rt2, .rn = rn, .pair = true, .simd = f->v,
			   .load = f->l, .size = bytes,
			   .writeback = mode == 1 || mode == 3 };
	g->insn = f->opc << 30 | 5u << 27 | f->v << 26 | mode << 23 | f->l << 22 |
		  ((uint32_t)imm7 & 0x7f) << 15 | rt2 << 10 | rn << 5 | rt;
	g->addr_offset = mode == 1 ? 0 : imm7 * bytes;
	return true;
}

static bool gen_literal(struct gen *g, unsigned opc, unsigned v)
{
	int64_t words = rnd_range(-256, 255);

	if (opc == 3)
		return false;
	*g = (struct gen){ .rt = pick_reg(0, true), .simd = v, .literal = true,
			   .load = true, .size = v ? 4u << opc : (opc == 1 ? 8 : 4) };
	g->insn = opc << 30 | 3u << 27 | v << 26 | ((uint32_t)words & 0x7ffff) << 5 | g->rt;
	g->addr_offset = words * 4;
	return true;
}

static void randomise(struct cpu_state *s, const struct gen *g)
{
	uint64_t target = (uintptr_t)mem + TARGET + (rnd() % 64);

	for (unsigned i = 0; i < 31; i++)
		s->x[i] = rnd();
	for (unsigned i = 0; i < 32; i++)
		s->v[i] = (struct a64_vreg){ rnd(), rnd() };
	s->sp = ((uintptr_t)mem + 0x1800) & ~15ull;
	if (g->literal)
		return;
	if (g->rn == 31) /* SP must stay 16-byte aligned as a base */
		s->sp = (target - (uint64_t)g->addr_offset) & ~15ull;
	else
		s->x[g->rn] = target - (uint64_t)g->addr_offset;
	if (g->rm || (!g->pair && (g->insn >> 21 & 1) && (g->insn >> 10 & 3) == 2))
		s->x[g->rm] = g->rm_value;
}

static unsigned mismatches, cases_run;

static void report(const struct gen *g, const char *what, unsigned i, uint64_t got,
		   uint64_t want)
{
	if (++mismatches > 20)
		return;
	printf("MISMATCH insn %08x %s %u: emulator %#" PRIx64 ", processor %#" PRIx64 "\n",
	       g->insn, what, i, got, want);
}

static void run_case(const struct gen *g)
{
	uint8_t *code = mem + CODE_OFF;
	void (*run)(struct cpu_state *) = (void (*)(struct cpu_state *))(void *)code;
	struct a64_regs emu;
	struct a64_reg_use w;
	struct a64_ldst d;
	struct cpu_state before;

	if (a64_decode_ldst(g->insn, &d)) {
		report(g, "decode", 0, 1, 0);
		return;
	}
	memcpy(code + (harness_insn - harness_start), &g->insn, 4);
	__builtin___clear_cache((char *)code, (char *)code + (harness_end - harness_start));
	randomise(&hw, g);
	for (unsigned i = 0; i < TARGET * 2; i++)
		mem[i] = (uint8_t)rnd();
	memcpy(snapshot, mem, MEM_SIZE);
	before = hw;

	for (unsigned i = 0; i < 31; i++)
		emu.x[i] = hw.x[i];
	emu.x[31] = hw.sp;
	memcpy(emu.v, hw.v, sizeof(emu.v));
	emu.pc = (uintptr_t)code + (uint64_t)(harness_insn - harness_start);

	run(&hw);
	if (a64_emulate(&d, &emu, false, &bus, NULL, &w)) {
		report(g, "emulate failed", 0, 1, 0);
		return;
	}
	cases_run++;
	for (unsigned i = 0; i < 31; i++)
		if (emu.x[i] != hw.x[i])
			report(g, "x", i, emu.x[i], hw.x[i]);
	if (emu.x[31] != hw.sp)
		report(g, "sp", 0, emu.x[31], hw.sp);
	for (unsigned i = 0; i < 32; i++) {
		if (emu.v[i].lo != hw.v[i].lo)
			report(g, "v.lo", i, emu.v[i].lo, hw.v[i].lo);
		if (emu.v[i].hi != hw.v[i].hi)
			report(g, "v.hi", i, emu.v[i].hi, hw.v[i].hi);
	}
	for (unsigned i = 0; i < MEM_SIZE; i++)
		if (snapshot[i] != mem[i]) {
			report(g, "memory byte", i, snapshot[i], mem[i]);
			break;
		}
	(void)before;
}

int main(int argc, char **argv)
{
	static const char *const single_names[S_MODES] = {
		"unsigned-offset", "unscaled", "post-index", "pre-index",
		"unprivileged", "register-offset",
	};
	static const char *const pair_names[4] = { "non-temporal", "post-index",
						   "offset", "pre-index" };
	unsigned per_form = argc > 1 ? (unsigned)atoi(argv[1]) : CASES_PER_FORM;
	struct gen g;

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	memcpy(mem + CODE_OFF, harness_start, (size_t)(harness_end - harness_start));
	{
		uint64_t state = (uintptr_t)&hw;

		memcpy(mem + CODE_OFF + (harness_literal - harness_start), &state, 8);
	}
	for (unsigned m = 0; m < S_MODES; m++) {
		unsigned before = cases_run;

		for (size_t f = 0; f < sizeof(single_forms) / sizeof(single_forms[0]); f++)
			for (unsigned i = 0; i < per_form / 4 + 1; i++)
				if (gen_single(&g, &single_forms[f], m))
					run_case(&g);
		printf("single %-16s %5u cases\n", single_names[m], cases_run - before);
	}
	for (unsigned mode = 0; mode < 4; mode++) {
		unsigned before = cases_run;

		for (size_t f = 0; f < sizeof(pair_forms) / sizeof(pair_forms[0]); f++)
			for (unsigned i = 0; i < per_form / 2; i++)
				if (gen_pair(&g, &pair_forms[f], mode))
					run_case(&g);
		printf("pair   %-16s %5u cases\n", pair_names[mode], cases_run - before);
	}
	{
		unsigned before = cases_run;

		for (unsigned opc = 0; opc < 4; opc++)
			for (unsigned v = 0; v < 2; v++)
				for (unsigned i = 0; i < per_form; i++)
					if (gen_literal(&g, opc, v))
						run_case(&g);
		printf("literal %-15s %5u cases\n", "", cases_run - before);
	}
	printf("%u cases, %u mismatches\n", cases_run, mismatches);
	return mismatches || cases_run < 1000;
}
