/*
 * For the reboot test: a boot count in RAM, which a reset leaves alone (as
 * warm resets do), goes up on every boot. The guest brings up its other
 * vCPUs, waits a moment, and resets itself until it has booted 21 times
 * (20 reboots), then powers off.
 */
#include "guest.h"

#define BOOT_COUNT ((volatile uint64_t *)0x40300000ull)
#define REBOOTS 20

void secondary_main(uint64_t cpu)
{
	(void)cpu;
	for (;;)
		__asm__ volatile("wfi");
}

int main(void);
int main(void)
{
	uint64_t boot = ++*BOOT_COUNT, until;

	for (uint64_t cpu = 1; cpu < MAX_VCPUS; cpu++)
		psci_cpu_on(cpu);
	puts_uart("REBOOT-GUEST boot=");
	putdec(boot);
	puts_uart("\n");
	/*
	 * Long enough for the test to look at a64vm's threads and files; on
	 * the last boot, long enough on a host several times slower too.
	 */
	until = counter() + (boot <= REBOOTS ? counter_hz() / 2 : 5 * counter_hz());
	while (counter() < until)
		;
	if (boot <= REBOOTS)
		psci_system_reset();
	return 0;
}
