/*
 * Benchmark: an ordinary MMIO exit (STR, syndrome valid: KVM decodes it)
 * against a NISV access (STP, no syndrome: a64vm fetches, decodes and
 * emulates it), the same number of each in the same run, timed with the
 * virtual counter. Loads (LDR against LDP) too.
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

int main(void);
int main(void)
{
	uintptr_t dev = MEMMAP_TESTDEV_BASE;
	uint64_t hz = counter_hz(), t0, t1, t2, v;

	t0 = counter();
	for (uint32_t i = 0; i < ROUNDS; i++)
		__asm__ volatile("str %w1, [%0]" : : "r"(dev), "r"(i) : "memory");
	t1 = counter();
	for (uint32_t i = 0; i < ROUNDS; i++)
		__asm__ volatile("stp %w1, %w1, [%0]" : : "r"(dev), "r"(i) : "memory");
	t2 = counter();
	report("store", t1 - t0, t2 - t1, hz);

	t0 = counter();
	for (uint32_t i = 0; i < ROUNDS; i++)
		__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(dev) : "memory");
	t1 = counter();
	for (uint32_t i = 0; i < ROUNDS; i++)
		__asm__ volatile("ldp %w0, %w0, [%1]" : "=&r"(v) : "r"(dev) : "memory");
	t2 = counter();
	report("load", t1 - t0, t2 - t1, hz);
	return 0;
}
