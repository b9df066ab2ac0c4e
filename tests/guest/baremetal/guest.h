/* What the bare-metal test guests share: console, power, timing. */
#ifndef A64VM_GUEST_H
#define A64VM_GUEST_H

#include <stdbool.h>
#include <stdint.h>

void putc_uart(char c);
void puts_uart(const char *s);
void puthex(uint64_t v);
void putdec(uint64_t v);
void psci_system_off(void) __attribute__((noreturn));
/* A check's detail line, "  what: got X want Y", when got != want. */
bool expect(const char *what, uint64_t got, uint64_t want);

static inline uint64_t counter(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

static inline uint64_t counter_hz(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

/*
 * The GICv3 for this vCPU (vCPU 0's redistributor): the distributor and
 * CPU interface on, group 1, then the private interrupt intid enabled.
 * Interrupts stay masked in PSTATE until the caller unmasks them.
 */
void gic_enable_ppi(unsigned intid);

#define MAX_VCPUS 8
/* 4 KiB of stack for each secondary vCPU; index 0 is unused. */
extern uint8_t secondary_stacks[MAX_VCPUS][4096];

/* Starts vCPU cpu (MPIDR Aff0) at secondary_main(cpu); PSCI's result. */
int64_t psci_cpu_on(uint64_t cpu);
void secondary_main(uint64_t cpu);
void psci_system_reset(void) __attribute__((noreturn));

/* A synchronous exception the test expects: the handler skips the insn. */
extern volatile bool expect_abort;
/* While set, every synchronous exception is expected and skipped. */
extern volatile bool expect_aborts;
/* An IRQ (current EL, SP_ELx); weak: a guest that takes interrupts defines it. */
void irq_handler(void);
extern volatile uint64_t last_esr, last_far, aborts_taken;

#endif
