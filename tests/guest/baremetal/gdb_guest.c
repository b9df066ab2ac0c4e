/*
 * For the GDB tests, built with symbols: vCPU 0 loops calling tick() and
 * straight_line(), writes `watched` every 1024 rounds and reacts to what
 * GDB writes (poke, finish); vCPU 1 spins. The virtual timer interrupts
 * vCPU 0 every millisecond, so single-steps start with an interrupt
 * pending. finish makes it do an LDP on the test device (KVM cannot
 * decode it: a NISV exit; GDB may hand it an external abort), say goodbye
 * and power off.
 */
#include "a64vm/memmap.h"
#include "a64vm/testdev.h"
#include "guest.h"

volatile uint64_t ticks, watched, poke, poked, finish, irq_count, spins;

/* Global, not static: GDB finds them by name. */
void tick(void);
void touch_watched(uint64_t v);
void nisv_access(void);

__attribute__((noinline)) void tick(void)
{
	ticks++;
}

__attribute__((noinline)) void touch_watched(uint64_t v)
{
	watched = v;
}

/* 16 instructions and a return: each single-step must land on the next. */
void straight_line(void);
__asm__(".globl straight_line\n"
	".type straight_line, %function\n"
	"straight_line:\n"
	".rept 16\n"
	"add x9, x9, #1\n"
	".endr\n"
	"ret\n"
	".size straight_line, . - straight_line\n");

__attribute__((noinline)) void nisv_access(void)
{
	uint64_t a, b;

	__asm__ volatile("ldp %0, %1, [%2]"
			 : "=r"(a), "=r"(b)
			 : "r"((uintptr_t)MEMMAP_TESTDEV_BASE)
			 : "memory");
}

static uint64_t period;

#define TIMER_PPI (16 + MEMMAP_PPI_VIRT_TIMER)

void irq_handler(void)
{
	uint64_t iar;

	__asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(iar)); /* ICC_IAR1_EL1 */
	if ((iar & 0xffffff) == TIMER_PPI) {
		irq_count++;
		__asm__ volatile("msr cntv_tval_el0, %0" : : "r"(period));
	}
	__asm__ volatile("msr S3_0_C12_C12_1, %0" : : "r"(iar)); /* ICC_EOIR1_EL1 */
}

static void start_timer(void)
{
	period = counter_hz() / 1000;
	gic_enable_ppi(TIMER_PPI);
	__asm__ volatile("msr cntv_tval_el0, %0; msr cntv_ctl_el0, %1; isb"
			 : : "r"(period), "r"(1ull));
	__asm__ volatile("msr daifclr, #2");
}

void secondary_main(uint64_t cpu)
{
	(void)cpu;
	for (;;)
		spins++;
}

int main(void);
int main(void)
{
	puts_uart("GDB-GUEST-UP\n");
	psci_cpu_on(1);
	start_timer();
	for (uint64_t i = 1; !finish; i++) {
		tick();
		straight_line();
		if (!(i & 1023))
			touch_watched(i);
		if (poke == 0x1234 && !poked) {
			poked = 1;
			puts_uart("GDB-GUEST-POKED\n");
		}
	}
	__asm__ volatile("msr daifset, #2");
	nisv_access();
	puts_uart("GDB-GUEST-BYE irqs=");
	putdec(irq_count);
	puts_uart(" aborts=");
	putdec(aborts_taken);
	puts_uart("\n");
	return 0;
}
