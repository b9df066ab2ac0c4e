/*
 * The NISV path against KVM's own decode, on real KVM: every access size
 * (1, 2, 4, 8, 16 bytes; pairs of 4 and 8), every alignment within 16
 * bytes, loads and stores, general and SIMD&FP registers, once through an
 * instruction KVM decodes and once through one it cannot (a writeback, a
 * SIMD&FP register, a pair), on the PL031 (32-bit registers) and on the
 * test device. Registers, device state and aborts must agree. The MMU is
 * off. One "NISV-DIFF <device> <form> PASS|FAIL" line per device and form,
 * then "NISV-DIFF-DONE cases=N differ=N". tests/unit/test_nisv_direct.c
 * is the same table on a fake bus.
 */
#include "a64vm/memmap.h"
#include "a64vm/testdev.h"
#include "guest.h"

#define RTC MEMMAP_RTC_BASE
#define TESTDEV MEMMAP_TESTDEV_BASE

/* The data registers a form uses: x0, x2, v0, v1. */
struct regs {
	uint64_t x0, x2, v0_lo, v0_hi, v1_lo, v1_hi;
} __attribute__((aligned(16)));

/* Loads the data registers from r, runs insns with x1 = base, stores them back. */
#define OP(fn, insns)                                                          \
	static void fn(uint64_t base, struct regs *r)                          \
	{                                                                      \
		__asm__ volatile("ldp x0, x2, [%1]\n ldr q0, [%1, #16]\n"      \
				 "ldr q1, [%1, #32]\n mov x1, %0\n" insns "\n" \
				 "stp x0, x2, [%1]\n str q0, [%1, #16]\n"      \
				 "str q1, [%1, #32]"                           \
				 : : "r"(base), "r"(r)                         \
				 : "x0", "x1", "x2", "x9", "x10", "v0", "v1",  \
				   "memory");                                  \
	}

/* KVM decodes single general-register accesses without writeback. */
OP(k_ldrb, "ldrb w0, [x1]")
OP(k_ldrh, "ldrh w0, [x1]")
OP(k_ldrw, "ldr w0, [x1]")
OP(k_ldrx, "ldr x0, [x1]")
OP(k_ldr_b, "ldrb w9, [x1]\n fmov s0, w9")
OP(k_ldr_h, "ldrh w9, [x1]\n fmov s0, w9")
OP(k_ldr_s, "ldr w9, [x1]\n fmov s0, w9")
OP(k_ldr_d, "ldr x9, [x1]\n fmov d0, x9")
OP(k_ldr_q, "ldr x9, [x1]\n ldr x10, [x1, #8]\n fmov d0, x9\n mov v0.d[1], x10")
OP(k_ldp_w, "ldr w0, [x1]\n ldr w2, [x1, #4]")
OP(k_ldp_x, "ldr x0, [x1]\n ldr x2, [x1, #8]")
OP(k_ldp_s, "ldr w9, [x1]\n ldr w10, [x1, #4]\n fmov s0, w9\n fmov s1, w10")
OP(k_ldp_d, "ldr x9, [x1]\n ldr x10, [x1, #8]\n fmov d0, x9\n fmov d1, x10")
OP(k_strb, "strb w0, [x1]")
OP(k_strh, "strh w0, [x1]")
OP(k_strw, "str w0, [x1]")
OP(k_strx, "str x0, [x1]")
OP(k_str_b, "fmov x9, d0\n strb w9, [x1]")
OP(k_str_h, "fmov x9, d0\n strh w9, [x1]")
OP(k_str_s, "fmov w9, s0\n str w9, [x1]")
OP(k_str_d, "fmov x9, d0\n str x9, [x1]")
OP(k_str_q, "fmov x9, d0\n mov x10, v0.d[1]\n str x9, [x1]\n str x10, [x1, #8]")
OP(k_stp_w, "str w0, [x1]\n str w2, [x1, #4]")
OP(k_stp_x, "str x0, [x1]\n str x2, [x1, #8]")
OP(k_stp_s, "fmov w9, s0\n fmov w10, s1\n str w9, [x1]\n str w10, [x1, #4]")
OP(k_stp_d, "fmov x9, d0\n fmov x10, d1\n str x9, [x1]\n str x10, [x1, #8]")

/* KVM cannot: a writeback, a SIMD&FP register, a pair. */
OP(n_ldrb, "ldrb w0, [x1], #0")
OP(n_ldrh, "ldrh w0, [x1], #0")
OP(n_ldrw, "ldr w0, [x1], #0")
OP(n_ldrx, "ldr x0, [x1], #0")
OP(n_ldr_b, "ldr b0, [x1]")
OP(n_ldr_h, "ldr h0, [x1]")
OP(n_ldr_s, "ldr s0, [x1]")
OP(n_ldr_d, "ldr d0, [x1]")
OP(n_ldr_q, "ldr q0, [x1]")
OP(n_ldp_w, "ldp w0, w2, [x1]")
OP(n_ldp_x, "ldp x0, x2, [x1]")
OP(n_ldp_s, "ldp s0, s1, [x1]")
OP(n_ldp_d, "ldp d0, d1, [x1]")
OP(n_strb, "strb w0, [x1], #0")
OP(n_strh, "strh w0, [x1], #0")
OP(n_strw, "str w0, [x1], #0")
OP(n_strx, "str x0, [x1], #0")
OP(n_str_b, "str b0, [x1]")
OP(n_str_h, "str h0, [x1]")
OP(n_str_s, "str s0, [x1]")
OP(n_str_d, "str d0, [x1]")
OP(n_str_q, "str q0, [x1]")
OP(n_stp_w, "stp w0, w2, [x1]")
OP(n_stp_x, "stp x0, x2, [x1]")
OP(n_stp_s, "stp s0, s1, [x1]")
OP(n_stp_d, "stp d0, d1, [x1]")

struct form {
	const char *name;
	void (*kvm)(uint64_t base, struct regs *r);
	void (*nisv)(uint64_t base, struct regs *r);
};

static const struct form forms[] = {
	{ "ldrb-w", k_ldrb, n_ldrb },	  { "ldrh-w", k_ldrh, n_ldrh },
	{ "ldr-w", k_ldrw, n_ldrw },	  { "ldr-x", k_ldrx, n_ldrx },
	{ "ldr-b", k_ldr_b, n_ldr_b },	  { "ldr-h", k_ldr_h, n_ldr_h },
	{ "ldr-s", k_ldr_s, n_ldr_s },	  { "ldr-d", k_ldr_d, n_ldr_d },
	{ "ldr-q", k_ldr_q, n_ldr_q },	  { "ldp-w", k_ldp_w, n_ldp_w },
	{ "ldp-x", k_ldp_x, n_ldp_x },	  { "ldp-s", k_ldp_s, n_ldp_s },
	{ "ldp-d", k_ldp_d, n_ldp_d },	  { "strb-w", k_strb, n_strb },
	{ "strh-w", k_strh, n_strh },	  { "str-w", k_strw, n_strw },
	{ "str-x", k_strx, n_strx },	  { "str-b", k_str_b, n_str_b },
	{ "str-h", k_str_h, n_str_h },	  { "str-s", k_str_s, n_str_s },
	{ "str-d", k_str_d, n_str_d },	  { "str-q", k_str_q, n_str_q },
	{ "stp-w", k_stp_w, n_stp_w },	  { "stp-x", k_stp_x, n_stp_x },
	{ "stp-s", k_stp_s, n_stp_s },	  { "stp-d", k_stp_d, n_stp_d },
};

#define NFORMS (sizeof(forms) / sizeof(forms[0]))

/* What one way left: registers, device state, aborts taken. */
struct outcome {
	struct regs r;
	uint32_t dev[12];
	uint64_t aborts;
};

static void reset_devices(void)
{
	mmio_write32(RTC + 0x04, 0xcafef00d);  /* MR */
	mmio_write32(RTC + 0x08, 0x15667788);  /* LR */
	mmio_write32(RTC + 0x10, 0);	       /* IMSC */
	*(volatile uint64_t *)(uintptr_t)(TESTDEV + TESTDEV_RESET) = 1;
}

static void run(const struct form *f, bool nisv, uint64_t place, uint64_t addr,
		struct outcome *o)
{
	static const unsigned rtc_regs[3] = { 0x04, 0x08, 0x10 }; /* MR, LR, IMSC */
	uint64_t before = aborts_taken;

	reset_devices();
	o->r = (struct regs){ 0x8877665544332211ull, 0xf0e0d0c0b0a09080ull,
			      0x1817161514131211ull, 0x2827262524232221ull,
			      0x3837363534333231ull, 0x4847464544434241ull };
	expect_aborts = true;
	(nisv ? f->nisv : f->kvm)(addr, &o->r);
	expect_aborts = false;
	o->aborts = aborts_taken - before;
	for (unsigned i = 0; i < 12; i++)
		o->dev[i] = place == RTC ? (i < 3 ? mmio_read32(RTC + rtc_regs[i]) : 0)
					 : mmio_read32(TESTDEV + 4 * i);
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	const uint64_t *x = (const uint64_t *)&a->r, *y = (const uint64_t *)&b->r;

	for (unsigned i = 0; i < sizeof(a->r) / 8; i++)
		if (x[i] != y[i])
			return false;
	for (unsigned i = 0; i < 12; i++)
		if (a->dev[i] != b->dev[i])
			return false;
	return a->aborts == b->aborts;
}

static unsigned cases, differ;

/* Every alignment of one form on one device; loads on the PL031 skip DR. */
static void compare(const char *dev_name, uint64_t place, const struct form *f)
{
	static struct outcome kvm, nisv;
	uint64_t start = place == RTC ? RTC + 4 : place;
	bool ok = true;

	for (unsigned align = 0; align < 16; align++) {
		run(f, false, place, start + align, &kvm);
		run(f, true, place, start + align, &nisv);
		cases++;
		if (same(&kvm, &nisv))
			continue;
		differ++;
		if (ok) {
			puts_uart("  at +");
			putdec(align);
			expect(" x0", nisv.r.x0, kvm.r.x0);
			expect(" x2", nisv.r.x2, kvm.r.x2);
			expect(" v0.lo", nisv.r.v0_lo, kvm.r.v0_lo);
			expect(" v0.hi", nisv.r.v0_hi, kvm.r.v0_hi);
			expect(" v1.lo", nisv.r.v1_lo, kvm.r.v1_lo);
			expect(" device word 0", nisv.dev[0], kvm.dev[0]);
			expect(" aborts", nisv.aborts, kvm.aborts);
			puts_uart("\n");
		}
		ok = false;
	}
	puts_uart("NISV-DIFF ");
	puts_uart(dev_name);
	puts_uart(" ");
	puts_uart(f->name);
	puts_uart(ok ? " PASS\n" : " FAIL\n");
}

void secondary_main(uint64_t cpu)
{
	(void)cpu;
}

int main(void);
int main(void)
{
	for (unsigned i = 0; i < NFORMS; i++)
		compare("pl031", RTC, &forms[i]);
	for (unsigned i = 0; i < NFORMS; i++)
		compare("testdev", TESTDEV, &forms[i]);
	puts_uart("NISV-DIFF-DONE cases=");
	putdec(cases);
	puts_uart(" differ=");
	putdec(differ);
	puts_uart("\n");
	return 0;
}
