/*
 * Benchmark: an ordinary MMIO exit (STR, syndrome valid: KVM decodes it)
 * against a NISV access (STP, no syndrome: a64vm fetches, decodes and
 * emulates it), the same number of each in the same run, timed with the
 * virtual counter. Loads (LDR against LDP) too, and a single SIMD&FP
 * access (STR D, LDR D: no syndrome either, but no pair).
 */
#include "a64vm/memmap.h"
#include "a64vm/testdev.h"
#include "guest.h"

#define ROUNDS 100000u

static uint64_t ns_per_access(uint64_t ticks, uint64_t hz)
{
	return ticks * 1000000000ull / hz / ROUNDS;
}

static void report(const char *what, uint64_t ordinary, uint64_t nisv, uint64_t hz)
{
	uint64_t a = ns_per_access(ordinary, hz), b = ns_per_access(nisv, hz);

	puts_uart("BENCH ");
	puts_uart(what);
	puts_uart(" rounds=");
	putdec(ROUNDS);
	puts_uart(" mmio_exit_ns=");
	putdec(a);
	puts_uart(" nisv_ns=");
	putdec(b);
	puts_uart(" ratio_x100=");
	putdec(a ? b * 100 / a : 0);
	puts_uart("\n");
}

void secondary_main(uint64_t cpu)
{
	(void)cpu;
}

#define DEV MEMMAP_TESTDEV_BASE

/* One access each; a call costs nothing beside an exit. */
static void str_w(uint32_t i)
{
	__asm__ volatile("str %w1, [%0]" : : "r"(DEV), "r"(i) : "memory");
}

static void stp_w(uint32_t i)
{
	__asm__ volatile("stp %w1, %w1, [%0]" : : "r"(DEV), "r"(i) : "memory");
}

static void ldr_w(uint32_t i)
{
	uint64_t v;

	(void)i;
	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(DEV) : "memory");
}

static void ldp_w(uint32_t i)
{
	uint64_t v;

	(void)i;
	__asm__ volatile("ldp %w0, %w0, [%1]" : "=&r"(v) : "r"(DEV) : "memory");
}

static void str_d(uint32_t i)
{
	__asm__ volatile("fmov d0, %1\n\tstr d0, [%0]" : : "r"(DEV), "r"((uint64_t)i)
			 : "v0", "memory");
}

static void ldr_d(uint32_t i)
{
	(void)i;
	__asm__ volatile("ldr d0, [%0]" : : "r"(DEV) : "v0", "memory");
}

static uint64_t timed(void (*access)(uint32_t))
{
	uint64_t t0 = counter();

	for (uint32_t i = 0; i < ROUNDS; i++)
		access(i);
	return counter() - t0;
}

int main(void);
int main(void)
{
	uint64_t hz = counter_hz();

	report("store", timed(str_w), timed(stp_w), hz);
	report("load", timed(ldr_w), timed(ldp_w), hz);
	report("simd-store", timed(str_w), timed(str_d), hz);
	report("simd-load", timed(ldr_w), timed(ldr_d), hz);
	return 0;
}
