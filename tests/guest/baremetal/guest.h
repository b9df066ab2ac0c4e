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

#define MAX_VCPUS 8
/* 4 KiB of stack for each secondary vCPU; index 0 is unused. */
extern uint8_t secondary_stacks[MAX_VCPUS][4096];

/* Starts vCPU cpu (MPIDR Aff0) at secondary_main(cpu); PSCI's result. */
int64_t psci_cpu_on(uint64_t cpu);
void secondary_main(uint64_t cpu);
void psci_system_reset(void) __attribute__((noreturn));

/* A synchronous exception the test expects: the handler skips the insn. */
extern volatile bool expect_abort;
/* An IRQ (current EL, SP_ELx); weak: a guest that takes interrupts defines it. */
void irq_handler(void);
extern volatile uint64_t last_esr, last_far, aborts_taken;

#endif
