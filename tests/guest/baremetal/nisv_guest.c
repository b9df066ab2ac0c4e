/*
 * Loads and stores KVM cannot decode, against a64vm's test device, first
 * with the MMU off, then with the MMU on and the device mapped high through
 * TTBR1. Each case prints "NISV-TEST <mmu> <name> PASS|FAIL"; the last line
 * is "NISV-DONE passed=N failed=N".
 */
#include "a64vm/memmap.h"
#include "a64vm/testdev.h"
#include "guest.h"

#define DEV_PA MEMMAP_TESTDEV_BASE
#define DEV_HIGH_VA 0xffffff8000201000ull

static uintptr_t dev;
static const char *mmu_name = "mmu-off";
static unsigned passed, failed;

static uint64_t pat(uint64_t off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)testdev_pattern(off + i) << (8 * i);
	return v;
}

static int64_t sext(uint64_t v, unsigned bits)
{
	return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static volatile uint64_t *reg64(uint64_t off)
{
	return (volatile uint64_t *)(dev + off);
}

static void dev_reset(void)
{
	*reg64(TESTDEV_RESET) = 1;
}

/* Each case starts on a fresh device and checks values and access counts. */
struct nisv_case {
	const char *name;
	bool (*run)(void);
	bool mmu_off_only;
};

#define DEV_COUNTS(r, w)                                                       \
	(expect("reads", *reg64(TESTDEV_READS), r) &                          \
	 expect("writes", *reg64(TESTDEV_WRITES), w))

static bool ldp_x_offset(void)
{
	uint64_t a, b;

	__asm__ volatile(".globl first_nisv\nfirst_nisv: ldp %0, %1, [%2, #16]"
			 : "=&r"(a), "=&r"(b) : "r"(dev) : "memory");
	return expect("x2", a, pat(16, 8)) & expect("x3", b, pat(24, 8)) & DEV_COUNTS(2, 0);
}

static bool ldp_w_pre(void)
{
	uint64_t a, b, base = dev + 32;

	__asm__ volatile("ldp %w0, %w1, [%2, #8]!" : "=&r"(a), "=&r"(b), "+r"(base) : : "memory");
	return expect("w2", a, pat(40, 4)) & expect("w3", b, pat(44, 4)) &
	       expect("base", base, dev + 40);
}

static bool ldp_x_post(void)
{
	uint64_t a, b, base = dev;

	__asm__ volatile("ldp %0, %1, [%2], #16" : "=&r"(a), "=&r"(b), "+r"(base) : : "memory");
	return expect("x2", a, pat(0, 8)) & expect("x3", b, pat(8, 8)) &
	       expect("base", base, dev + 16);
}

static bool ldpsw(void)
{
	uint64_t a, b;

	__asm__ volatile("ldpsw %0, %1, [%2, #8]" : "=&r"(a), "=&r"(b) : "r"(dev) : "memory");
	return expect("x2", a, (uint64_t)sext(pat(8, 4), 32)) &
	       expect("x3", b, (uint64_t)sext(pat(12, 4), 32));
}

static bool ldnp_x(void)
{
	uint64_t a, b;

	__asm__ volatile("ldnp %0, %1, [%2, #48]" : "=&r"(a), "=&r"(b) : "r"(dev) : "memory");
	return expect("x2", a, pat(48, 8)) & expect("x3", b, pat(56, 8));
}

static bool stp_x_offset(void)
{
	uint64_t a = 0x1122334455667788ull, b = 0x99aabbccddeeff00ull;

	__asm__ volatile("stp %1, %2, [%0, #64]" : : "r"(dev), "r"(a), "r"(b) : "memory");
	return expect("[64]", *reg64(64), a) & expect("[72]", *reg64(72), b) &
	       DEV_COUNTS(2, 2);
}

static bool stp_w_pre(void)
{
	uint64_t base = dev + 80;

	__asm__ volatile("stp %w1, %w2, [%0, #-8]!" : "+r"(base)
			 : "r"(0xdeadbeefull), "r"(0xcafef00dull) : "memory");
	return expect("[72]", *reg64(72), 0xcafef00ddeadbeefull) &
	       expect("base", base, dev + 72);
}

static bool stp_x_post(void)
{
	uint64_t base = dev + 96;

	__asm__ volatile("stp %1, %2, [%0], #16" : "+r"(base) : "r"(1ull), "r"(2ull) : "memory");
	return expect("[96]", *reg64(96), 1) & expect("[104]", *reg64(104), 2) &
	       expect("base", base, dev + 112);
}

static bool stnp_w(void)
{
	__asm__ volatile("stnp %w1, %w2, [%0, #120]" : : "r"(dev), "r"(0x11111111ull),
			 "r"(0x22222222ull) : "memory");
	return expect("[120]", *reg64(120), 0x2222222211111111ull);
}

static bool stp_xzr(void)
{
	__asm__ volatile("stp xzr, %1, [%0, #128]" : : "r"(dev), "r"(7ull) : "memory");
	return expect("[128]", *reg64(128), 0) & expect("[136]", *reg64(136), 7);
}

static bool str_x_post(void)
{
	uint64_t base = dev + 144;

	__asm__ volatile("str %1, [%0], #8" : "+r"(base) : "r"(0x0123456789abcdefull) : "memory");
	return expect("[144]", *reg64(144), 0x0123456789abcdefull) &
	       expect("base", base, dev + 152) & DEV_COUNTS(1, 1);
}

static bool ldr_w_pre(void)
{
	uint64_t v, base = dev + 200;

	__asm__ volatile("ldr %w0, [%1, #4]!" : "=&r"(v), "+r"(base) : : "memory");
	return expect("w", v, pat(204, 4)) & expect("base", base, dev + 204);
}

static bool ldrb_post(void)
{
	uint64_t v, base = dev + 250;

	__asm__ volatile("ldrb %w0, [%1], #1" : "=&r"(v), "+r"(base) : : "memory");
	return expect("b", v, pat(250, 1)) & expect("base", base, dev + 251);
}

static bool ldrsh_x_pre(void)
{
	uint64_t v, base = dev + 300;

	__asm__ volatile("ldrsh %0, [%1, #2]!" : "=&r"(v), "+r"(base) : : "memory");
	return expect("x", v, (uint64_t)sext(pat(302, 2), 16)) &
	       expect("base", base, dev + 302);
}

static bool ldrsb_w_post(void)
{
	uint64_t v, base = dev + 311;

	__asm__ volatile("ldrsb %w0, [%1], #-1" : "=&r"(v), "+r"(base) : : "memory");
	return expect("w", v, (uint32_t)sext(pat(311, 1), 8)) &
	       expect("base", base, dev + 310);
}

static bool strh_pre(void)
{
	uint64_t base = dev + 322;

	__asm__ volatile("strh %w1, [%0, #-2]!" : "+r"(base) : "r"(0xabcdull) : "memory");
	return expect("[320]", *reg64(320) & 0xffff, 0xabcd) & expect("base", base, dev + 320);
}

static bool ldr_reg_offset(void)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1, %2, lsl #3]" : "=&r"(v) : "r"(dev), "r"(5ull) : "memory");
	return expect("x", v, pat(40, 8));
}

static bool ldr_q(void)
{
	uint64_t lo, hi;

	__asm__ volatile("ldr q0, [%2]\n fmov %0, d0\n mov %1, v0.d[1]"
			 : "=&r"(lo), "=&r"(hi) : "r"(dev) : "v0", "memory");
	return expect("lo", lo, pat(0, 8)) & expect("hi", hi, pat(8, 8)) & DEV_COUNTS(2, 0);
}

static bool str_q_pre(void)
{
	uint64_t base = dev + 384;

	__asm__ volatile("fmov d0, %1\n mov v0.d[1], %2\n str q0, [%0, #16]!"
			 : "+r"(base) : "r"(0xa1a2a3a4a5a6a7a8ull), "r"(0xb1b2b3b4b5b6b7b8ull)
			 : "v0", "memory");
	return expect("[400]", *reg64(400), 0xa1a2a3a4a5a6a7a8ull) &
	       expect("[408]", *reg64(408), 0xb1b2b3b4b5b6b7b8ull) &
	       expect("base", base, dev + 400);
}

static bool ldr_d_post(void)
{
	uint64_t v, base = dev + 416;

	__asm__ volatile("ldr d0, [%1], #8\n fmov %0, d0" : "=&r"(v), "+r"(base) : : "v0", "memory");
	return expect("d", v, pat(416, 8)) & expect("base", base, dev + 424);
}

static bool ldr_s_h_b(void)
{
	uint64_t s, h, b;

	__asm__ volatile("ldr s0, [%3, #4]\n fmov %w0, s0\n"
			 "ldr h1, [%3, #2]\n umov %w1, v1.h[0]\n"
			 "ldr b2, [%3, #1]\n umov %w2, v2.b[0]"
			 : "=&r"(s), "=&r"(h), "=&r"(b) : "r"(dev) : "v0", "v1", "v2", "memory");
	return expect("s", s, pat(4, 4)) & expect("h", h, pat(2, 2)) & expect("b", b, pat(1, 1));
}

static bool str_b_post(void)
{
	uint64_t base = dev + 440;

	__asm__ volatile("fmov s0, %w1\n str b0, [%0], #1" : "+r"(base) : "r"(0x5aull) : "v0", "memory");
	return expect("[440]", *reg64(440) & 0xff, 0x5a) & expect("base", base, dev + 441);
}

static bool ldp_q(void)
{
	uint64_t a, b;

	__asm__ volatile("ldp q0, q1, [%2, #32]\n fmov %0, d0\n mov %1, v1.d[1]"
			 : "=&r"(a), "=&r"(b) : "r"(dev) : "v0", "v1", "memory");
	return expect("q0.lo", a, pat(32, 8)) & expect("q1.hi", b, pat(56, 8)) & DEV_COUNTS(4, 0);
}

static bool stp_q_pre(void)
{
	uint64_t base = dev + 480;

	__asm__ volatile("fmov d0, %1\n mov v0.d[1], %2\n fmov d1, %2\n mov v1.d[1], %1\n"
			 "stp q0, q1, [%0, #32]!"
			 : "+r"(base) : "r"(0x1010101010101010ull), "r"(0x2020202020202020ull)
			 : "v0", "v1", "memory");
	return expect("[512]", *reg64(512), 0x1010101010101010ull) &
	       expect("[520]", *reg64(520), 0x2020202020202020ull) &
	       expect("[528]", *reg64(528), 0x2020202020202020ull) &
	       expect("[536]", *reg64(536), 0x1010101010101010ull) &
	       expect("base", base, dev + 512);
}

static bool ldp_s_stp_d_post(void)
{
	uint64_t a, b, base = dev + 544;

	__asm__ volatile("ldp s0, s1, [%3]\n fmov %w0, s0\n fmov %w1, s1\n"
			 "stp d0, d1, [%2], #-16"
			 : "=&r"(a), "=&r"(b), "+r"(base) : "r"(dev + 8) : "v0", "v1", "memory");
	return expect("s0", a, pat(8, 4)) & expect("s1", b, pat(12, 4)) &
	       expect("[544]", *reg64(544), pat(8, 4)) & expect("base", base, dev + 528);
}

static bool ldr_q_reg_offset(void)
{
	uint64_t lo, hi;

	__asm__ volatile("ldr q0, [%2, %3, lsl #4]\n fmov %0, d0\n mov %1, v0.d[1]"
			 : "=&r"(lo), "=&r"(hi) : "r"(dev), "r"(3ull) : "v0", "memory");
	return expect("lo", lo, pat(48, 8)) & expect("hi", hi, pat(56, 8));
}

/* SP as the base, with writeback: the stack pointer lands on the device. */
static bool ldp_sp_post(void)
{
	uint64_t a, b, base = dev + 64;

	__asm__ volatile("mov x9, sp\n mov sp, %2\n ldp %0, %1, [sp], #16\n"
			 "mov %2, sp\n mov sp, x9"
			 : "=&r"(a), "=&r"(b), "+r"(base) : : "x9", "memory");
	return expect("x2", a, pat(64, 8)) & expect("x3", b, pat(72, 8)) &
	       expect("sp", base, dev + 80);
}

/* SCTLR_EL1.EE: data big-endian for one LDP and one STP. */
static bool big_endian(void)
{
	uint64_t a, b;

	__asm__ volatile("mrs x9, sctlr_el1\n orr x10, x9, #(1 << 25)\n"
			 "msr sctlr_el1, x10\n isb\n"
			 "ldp %0, %1, [%2]\n stp %0, %1, [%2, #496]\n"
			 "msr sctlr_el1, x9\n isb"
			 : "=&r"(a), "=&r"(b) : "r"(dev) : "x9", "x10", "memory");
	return expect("x2", a, __builtin_bswap64(pat(0, 8))) &
	       expect("x3", b, __builtin_bswap64(pat(8, 8))) &
	       expect("[496]", *reg64(496), pat(0, 8));
}

/* An LSE atomic on MMIO: an external abort in the guest, which goes on. */
static bool lse_atomic_aborts(void)
{
	uint64_t old = 0, before = aborts_taken, a, b;

	expect_abort = true;
	__asm__ volatile(".arch_extension lse\n ldadd %w1, %w0, [%2]"
			 : "+r"(old) : "r"(1ull), "r"(dev) : "memory");
	if (!expect("aborts", aborts_taken, before + 1) |
	    !expect("ESR.EC", (last_esr >> 26) & 0x3f, 0x25) | !expect("DFSC", last_esr & 0x3f, 0x10))
		return false;
	__asm__ volatile("ldp %0, %1, [%2]" : "=&r"(a), "=&r"(b) : "r"(dev) : "memory");
	return expect("after", a, pat(0, 8)) & DEV_COUNTS(2, 0);
}

/*
 * Unaligned accesses that cross from one page into a differently-mapped one
 * (Normal memory allows them). With the MMU on only: the device and RAM
 * pages are laid out by mmu_on below.
 */
#define CROSS_DEV_RAM (DEV_HIGH_VA + 0x3000)  /* device scratch, then ram_page */
#define CROSS_RAM_DEV (DEV_HIGH_VA + 0x5000)  /* ram_page2, then device scratch */
#define CROSS_DEV_RO (DEV_HIGH_VA + 0x7000)   /* device scratch, then read-only RAM */

static uint8_t ram_page[4096] __attribute__((aligned(4096)));
static uint8_t ram_page2[4096] __attribute__((aligned(4096)));

static uint64_t load_d(uint64_t va)
{
	uint64_t v;

	__asm__ volatile("ldr d0, [%1]\n fmov %0, d0" : "=r"(v) : "r"(va) : "v0", "memory");
	return v;
}

static bool ldr_d_dev_then_ram(void)
{
	uint64_t v;

	ram_page[0] = 0x11, ram_page[1] = 0x22, ram_page[2] = 0x33, ram_page[3] = 0x44;
	v = load_d(CROSS_DEV_RAM + 0xffc);
	return expect("device half", (uint32_t)v, pat(0xffc, 4)) &
	       expect("RAM half", v >> 32, 0x44332211);
}

static bool str_d_dev_then_ram(void)
{
	uint64_t v = 0x8877665544332211ull;

	__asm__ volatile("fmov d1, %0\n str d1, [%1]"
			 : : "r"(v), "r"(CROSS_DEV_RAM + 0xffc) : "v1", "memory");
	return expect("device half", *(volatile uint32_t *)(dev + 0xffc), 0x44332211) &
	       expect("RAM half", *(volatile uint32_t *)ram_page, 0x88776655);
}

static bool ldr_d_ram_then_dev(void)
{
	uint64_t v;

	for (unsigned i = 0; i < 4; i++)
		ram_page2[0xffc + i] = (uint8_t)(0xa0 + i);
	v = load_d(CROSS_RAM_DEV + 0xffc);
	return expect("RAM half", (uint32_t)v, 0xa3a2a1a0) &
	       expect("device half", v >> 32, pat(0, 4));
}

/* The second page is read-only: the store faults and writes nothing. */
static bool str_d_into_read_only(void)
{
	uint64_t before = aborts_taken;
	uint32_t ram = *(volatile uint32_t *)ram_page;

	expect_abort = true;
	__asm__ volatile("fmov d1, %0\n str d1, [%1]"
			 : : "r"(~0ull), "r"(CROSS_DEV_RO + 0xffc) : "v1", "memory");
	expect_abort = false;
	return expect("aborts", aborts_taken, before + 1) &
	       expect("device half untouched", *(volatile uint32_t *)(dev + 0xffc),
		      pat(0xffc, 4)) &
	       expect("RAM half untouched", *(volatile uint32_t *)ram_page, ram);
}

static const struct nisv_case cross_cases[] = {
	{ "ldr-d-across-device-ram", ldr_d_dev_then_ram, false },
	{ "str-d-across-device-ram", str_d_dev_then_ram, false },
	{ "ldr-d-across-ram-device", ldr_d_ram_then_dev, false },
	{ "str-d-into-read-only-page", str_d_into_read_only, false },
};

static const struct nisv_case cases[] = {
	{ "ldp-x-offset", ldp_x_offset, false },   { "ldp-w-pre", ldp_w_pre, false },
	{ "ldp-x-post", ldp_x_post, false },	   { "ldpsw", ldpsw, false },
	{ "ldnp-x", ldnp_x, false },		   { "stp-x-offset", stp_x_offset, false },
	{ "stp-w-pre", stp_w_pre, false },	   { "stp-x-post", stp_x_post, false },
	{ "stnp-w", stnp_w, false },		   { "stp-xzr", stp_xzr, false },
	{ "str-x-post", str_x_post, false },	   { "ldr-w-pre", ldr_w_pre, false },
	{ "ldrb-post", ldrb_post, false },	   { "ldrsh-x-pre", ldrsh_x_pre, false },
	{ "ldrsb-w-post", ldrsb_w_post, false },   { "strh-pre", strh_pre, false },
	{ "ldr-reg-offset", ldr_reg_offset, false }, { "ldr-q", ldr_q, false },
	{ "str-q-pre", str_q_pre, false },	   { "ldr-d-post", ldr_d_post, false },
	{ "ldr-s-h-b", ldr_s_h_b, false },	   { "str-b-post", str_b_post, false },
	{ "ldp-q", ldp_q, false },		   { "stp-q-pre", stp_q_pre, false },
	{ "ldp-s-stp-d-post", ldp_s_stp_d_post, false },
	{ "ldr-q-reg-offset", ldr_q_reg_offset, false },
	{ "ldp-sp-post", ldp_sp_post, false },	   { "big-endian", big_endian, true },
	{ "lse-atomic-aborts", lse_atomic_aborts, false },
};

static void run_all(const struct nisv_case *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		bool ok;

		if (list[i].mmu_off_only && dev != DEV_PA)
			continue;
		dev_reset();
		ok = list[i].run();
		puts_uart("NISV-TEST ");
		puts_uart(mmu_name);
		puts_uart(" ");
		puts_uart(list[i].name);
		puts_uart(ok ? " PASS\n" : " FAIL\n");
		if (ok)
			passed++;
		else
			failed++;
	}
}

/* 4K granule, 39-bit VAs: RAM and devices identity-mapped by 1 GiB blocks
 * through TTBR0, the test device at DEV_HIGH_VA through TTBR1 tables. */
static uint64_t l1_lo[512] __attribute__((aligned(4096)));
static uint64_t l1_hi[512] __attribute__((aligned(4096)));
static uint64_t l2_hi[512] __attribute__((aligned(4096)));
static uint64_t l3_hi[512] __attribute__((aligned(4096)));

#define AF (1ull << 10)
#define SH_INNER (3ull << 8)
#define ATTR_NORMAL (0ull << 2)
#define ATTR_DEVICE (1ull << 2)
#define AP_EL0 (1ull << 6)
#define AP_RO (1ull << 7)

static void mmu_on(void)
{
	uint64_t tcr = 25 | (25ull << 16) | (2ull << 30) /* TG1 4K */ |
		       (1ull << 8) | (1ull << 10) | (3ull << 12) /* TTBR0 walks WB, inner */ |
		       (1ull << 24) | (1ull << 26) | (3ull << 28) /* TTBR1 walks */ |
		       (2ull << 32) /* IPS 40 bits */;
	uint64_t sctlr;

	l1_lo[0] = 0x00000000 | AF | ATTR_DEVICE | 1;
	l1_lo[1] = 0x40000000 | AF | SH_INNER | ATTR_NORMAL | 1;
	l1_hi[0] = (uint64_t)(uintptr_t)l2_hi | 3;
	l2_hi[1] = (uint64_t)(uintptr_t)l3_hi | 3;
	l3_hi[1] = DEV_PA | AF | AP_EL0 | ATTR_DEVICE | 3;
	l3_hi[2] = (DEV_PA + 0x1000) | AF | ATTR_DEVICE | 3;
	/* the page-crossing cases: Normal memory, where unaligned is allowed */
	l3_hi[4] = DEV_PA | AF | ATTR_NORMAL | 3;
	l3_hi[5] = (uint64_t)(uintptr_t)ram_page | AF | SH_INNER | ATTR_NORMAL | 3;
	l3_hi[6] = (uint64_t)(uintptr_t)ram_page2 | AF | SH_INNER | ATTR_NORMAL | 3;
	l3_hi[7] = DEV_PA | AF | ATTR_NORMAL | 3;
	l3_hi[8] = DEV_PA | AF | ATTR_NORMAL | 3;
	l3_hi[9] = (uint64_t)(uintptr_t)ram_page | AF | SH_INNER | ATTR_NORMAL | AP_RO | 3;
	__asm__ volatile("msr mair_el1, %0" : : "r"(0x04ffull)); /* 0: normal, 1: device */
	__asm__ volatile("msr tcr_el1, %0" : : "r"(tcr));
	__asm__ volatile("msr ttbr0_el1, %0" : : "r"(l1_lo));
	__asm__ volatile("msr ttbr1_el1, %0" : : "r"(l1_hi));
	__asm__ volatile("dsb ish\n tlbi vmalle1\n dsb ish\n isb" : : : "memory");
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	sctlr |= 1 | (1 << 2) | (1 << 12); /* M, C, I */
	__asm__ volatile("msr sctlr_el1, %0\n isb" : : "r"(sctlr) : "memory");
}

void secondary_main(uint64_t cpu)
{
	(void)cpu;
}

int main(void);
int main(void)
{
	extern char first_nisv[];

	puts_uart("NISV-GUEST first_nisv ");
	puthex((uint64_t)(uintptr_t)first_nisv);
	puts_uart("\n");
	dev = DEV_PA;
	run_all(cases, sizeof(cases) / sizeof(cases[0]));
	mmu_on();
	dev = DEV_HIGH_VA;
	mmu_name = "mmu-on";
	run_all(cases, sizeof(cases) / sizeof(cases[0]));
	run_all(cross_cases, sizeof(cross_cases) / sizeof(cross_cases[0]));
	puts_uart("NISV-DONE passed=");
	putdec(passed);
	puts_uart(" failed=");
	putdec(failed);
	puts_uart("\n");
	return 0;
}
