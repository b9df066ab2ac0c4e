#include "guest.h"

#include "a64vm/memmap.h"

#define UART_DR ((volatile uint32_t *)MEMMAP_UART_BASE)
#define UART_FR ((volatile uint32_t *)(MEMMAP_UART_BASE + 0x18))
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_CPU_ON_64 0xc4000003u

uint8_t secondary_stacks[MAX_VCPUS][4096] __attribute__((aligned(16)));

volatile bool expect_abort, expect_aborts;
volatile uint64_t last_esr, last_far, aborts_taken;

void putc_uart(char c)
{
	while (*UART_FR & (1u << 5)) /* TXFF */
		;
	*UART_DR = (uint32_t)c;
}

void puts_uart(const char *s)
{
	while (*s)
		putc_uart(*s++);
}

void puthex(uint64_t v)
{
	puts_uart("0x");
	for (int i = 60; i >= 0; i -= 4)
		putc_uart("0123456789abcdef"[(v >> i) & 0xf]);
}

void putdec(uint64_t v)
{
	char buf[21];
	int n = 0;

	do
		buf[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 20);
	while (n)
		putc_uart(buf[--n]);
}

bool expect(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return true;
	puts_uart("  ");
	puts_uart(what);
	puts_uart(": got ");
	puthex(got);
	puts_uart(" want ");
	puthex(want);
	puts_uart("\n");
	return false;
}

void psci_system_off(void)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
	for (;;)
		__asm__ volatile("wfi");
}

static uint64_t hvc3(uint64_t fn, uint64_t a, uint64_t b, uint64_t c)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a;
	register uint64_t x2 __asm__("x2") = b;
	register uint64_t x3 __asm__("x3") = c;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

int64_t psci_cpu_on(uint64_t cpu)
{
	extern char secondary_entry[];

	return (int64_t)hvc3(PSCI_CPU_ON_64, cpu, (uint64_t)(uintptr_t)secondary_entry,
			     cpu);
}

void psci_system_reset(void)
{
	hvc3(PSCI_SYSTEM_RESET, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

#define GICR_SGI (MEMMAP_GIC_REDIST_BASE + 0x10000)

void gic_enable_ppi(unsigned intid)
{
	mmio_write32(MEMMAP_GIC_DIST_BASE, 0x13);	  /* GICD_CTLR: ARE, groups on */
	mmio_write32(MEMMAP_GIC_REDIST_BASE + 0x14, 0); /* GICR_WAKER: awake */
	mmio_write32(GICR_SGI + 0x80, mmio_read32(GICR_SGI + 0x80) | 1u << intid);
	/* GICR_IPRIORITYR: 0xa0, below the priority mask */
	*(volatile uint8_t *)(uintptr_t)(GICR_SGI + 0x400 + intid) = 0xa0;
	mmio_write32(GICR_SGI + 0x100, 1u << intid);	/* GICR_ISENABLER0 */
	__asm__ volatile("msr S3_0_C12_C12_5, %0" : : "r"(7ull)); /* ICC_SRE_EL1 */
	__asm__ volatile("isb; msr S3_0_C4_C6_0, %0" : : "r"(0xffull)); /* PMR */
	__asm__ volatile("msr S3_0_C12_C12_7, %0; isb" : : "r"(1ull)); /* IGRPEN1 */
}

void sync_handler(uint64_t code);
void unexpected_exception(uint64_t code);

/* Guests that take interrupts define their own. */
__attribute__((weak)) void irq_handler(void)
{
	unexpected_exception(5);
}

void sync_handler(uint64_t code)
{
	uint64_t esr, far, elr;

	if (code == 5) {
		irq_handler();
		return;
	}

	__asm__ volatile("mrs %0, esr_el1" : "=r"(esr));
	__asm__ volatile("mrs %0, far_el1" : "=r"(far));
	__asm__ volatile("mrs %0, elr_el1" : "=r"(elr));
	if (!expect_abort && !expect_aborts) {
		puts_uart("GUEST-UNEXPECTED-EXCEPTION vector ");
		putdec(code);
		puts_uart(" esr ");
		puthex(esr);
		puts_uart(" far ");
		puthex(far);
		puts_uart(" elr ");
		puthex(elr);
		puts_uart("\n");
		psci_system_off();
	}
	expect_abort = false;
	last_esr = esr;
	last_far = far;
	aborts_taken++;
	__asm__ volatile("msr elr_el1, %0" : : "r"(elr + 4)); /* skip it */
}

void unexpected_exception(uint64_t code)
{
	sync_handler(code + 100);
}
