/*
 * For the snapshot tests: a computation whose result is known, to be cut
 * by snapshots and finished by restores. Every vCPU mixes its own MiB of
 * RAM for ROUNDS rounds, keeping running values in integer and FP/SIMD
 * registers; vCPU 0 says each tenth round. Along the way each vCPU checks
 * that the virtual counter never goes back nor jumps (the snapshot's
 * pause is not seen), and, with a PMU, that the cycle counter never goes
 * back; vCPU 0 takes the virtual timer's interrupt every 20 ms, and at the
 * end waits for five more (the timer and the GIC work after a restore).
 */
#include "a64vm/memmap.h"
#include "guest.h"

#define REGION 0x40400000ull /* a MiB per vCPU, past the image */
#define WORDS ((1u << 20) / 8)
#define ROUNDS 240
#define TIMER_PPI 27
#define TICK_MS 20

struct cpu_result {
	volatile uint64_t sum, fp_bits, done;
	volatile uint64_t backwards, max_step, pmu_backwards;
} __attribute__((aligned(64)));

static struct cpu_result results[MAX_VCPUS];
static volatile uint64_t ticks;
static bool pmu;

static uint64_t cycles(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v));
	return v;
}

static void start_pmu(void)
{
	uint64_t dfr0, ver;

	__asm__ volatile("mrs %0, id_aa64dfr0_el1" : "=r"(dfr0));
	ver = (dfr0 >> 8) & 0xf;
	pmu = ver != 0 && ver != 0xf;
	if (!pmu)
		return;
	__asm__ volatile("msr pmcr_el0, %0" : : "r"(1ull)); /* E */
	__asm__ volatile("msr pmcntenset_el0, %0; isb" : : "r"(1ull << 31)); /* the cycle counter */
}

static void arm_timer(void)
{
	__asm__ volatile("msr cntv_tval_el0, %0" : : "r"(counter_hz() * TICK_MS / 1000));
	__asm__ volatile("msr cntv_ctl_el0, %0; isb" : : "r"(1ull)); /* enabled, unmasked */
}

void irq_handler(void)
{
	uint64_t iar;

	__asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(iar)); /* ICC_IAR1_EL1 */
	if ((iar & 0xffffff) == TIMER_PPI) {
		ticks++;
		arm_timer();
	}
	__asm__ volatile("msr S3_0_C12_C12_1, %0; isb" : : "r"(iar)); /* ICC_EOIR1_EL1 */
}

static void work(uint64_t cpu)
{
	volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)(REGION + (cpu << 20));
	struct cpu_result *r = &results[cpu];
	uint64_t sum = cpu + 1, last = counter(), last_cycles = 0, hz = counter_hz();
	double fp = 1.0 + (double)cpu;

	start_pmu();
	if (pmu)
		last_cycles = cycles();
	for (uint64_t i = 0; i < WORDS; i++)
		w[i] = i * 0x9e3779b97f4a7c15ull + cpu;
	for (uint64_t round = 1; round <= ROUNDS; round++) {
		uint64_t now;

		for (uint64_t i = 0; i < WORDS; i++) {
			uint64_t v = w[i] * 6364136223846793005ull + round + sum;

			w[i] = v;
			sum ^= v >> 7;
			if (!(i & 4095))
				fp = fp * 1.0000001 + (double)(v & 0xff) / 256.0;
		}
		now = counter();
		if (now < last)
			r->backwards++;
		else if ((now - last) * 1000 / hz > r->max_step)
			r->max_step = (now - last) * 1000 / hz; /* ms */
		last = now;
		if (pmu) {
			uint64_t c = cycles();

			if (c < last_cycles)
				r->pmu_backwards++;
			last_cycles = c;
		}
		if (!cpu && !(round % 10)) {
			puts_uart("SNAP-GUEST ROUND ");
			putdec(round);
			puts_uart("\n");
		}
	}
	__builtin_memcpy((void *)&r->fp_bits, &fp, 8);
	r->sum = sum;
	__asm__ volatile("dmb ish" ::: "memory");
	r->done = 1;
}

void secondary_main(uint64_t cpu)
{
	work(cpu);
}

int main(void);
int main(void)
{
	unsigned started = 1;
	uint64_t total = 0, backwards = 0, max_step = 0, pmu_backwards = 0, t0, until;

	gic_enable_ppi(TIMER_PPI);
	arm_timer();
	__asm__ volatile("msr daifclr, #2"); /* IRQs on */
	for (uint64_t cpu = 1; cpu < MAX_VCPUS; cpu++)
		if (psci_cpu_on(cpu) == 0)
			started++;
	puts_uart("SNAP-GUEST READY vcpus=");
	putdec(started);
	puts_uart("\n");
	work(0);
	for (unsigned cpu = 0; cpu < started; cpu++) {
		while (!results[cpu].done)
			;
		total ^= results[cpu].sum * (cpu + 1) ^ results[cpu].fp_bits;
		backwards += results[cpu].backwards;
		pmu_backwards += results[cpu].pmu_backwards;
		if (results[cpu].max_step > max_step)
			max_step = results[cpu].max_step;
	}
	puts_uart("SNAP-GUEST RESULT ");
	puthex(total);
	puts_uart("\nSNAP-GUEST CLOCK backwards=");
	putdec(backwards);
	puts_uart(" max_step_ms=");
	putdec(max_step);
	puts_uart(pmu ? " pmu_backwards=" : " pmu=none");
	if (pmu)
		putdec(pmu_backwards);
	/* Five more ticks within 2 s: the timer fires and its interrupt arrives. */
	t0 = ticks;
	until = counter() + 2 * counter_hz();
	while (ticks < t0 + 5 && counter() < until)
		;
	puts_uart(ticks >= t0 + 5 ? "\nSNAP-GUEST TIMER ok\n" : "\nSNAP-GUEST TIMER stuck\n");
	return 0;
}
