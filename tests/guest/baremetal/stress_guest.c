/*
 * For the kick stress test: every vCPU increments its own counter in RAM
 * (at COUNTERS, one 64-byte line each) forever, with an MMIO write to the
 * test device every 64 rounds, so it exits to a64vm as well as running.
 * The host reads the counters with the control socket's read-phys.
 */
#include "a64vm/memmap.h"
#include "a64vm/testdev.h"
#include "guest.h"

#define COUNTERS 0x40200000ull /* outside the image, inside 64 MiB of RAM */

static void spin(uint64_t cpu) __attribute__((noreturn));
static void spin(uint64_t cpu)
{
	volatile uint64_t *counter = (volatile uint64_t *)(uintptr_t)(COUNTERS + cpu * 64);
	volatile uint32_t *dev = (volatile uint32_t *)(uintptr_t)(MEMMAP_TESTDEV_BASE + cpu * 8);

	*counter = 0;
	for (uint64_t i = 1;; i++) {
		*counter = i;
		if (!(i & 63))
			*dev = (uint32_t)i;
	}
}

void secondary_main(uint64_t cpu)
{
	spin(cpu);
}

int main(void);
int main(void)
{
	unsigned started = 1;

	for (uint64_t cpu = 1; cpu < MAX_VCPUS; cpu++)
		if (psci_cpu_on(cpu) == 0)
			started++;
	puts_uart("STRESS-GUEST READY vcpus=");
	putdec(started);
	puts_uart("\n");
	spin(0);
}
