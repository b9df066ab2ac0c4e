/*
 * For the loader tests: says where it runs and whether X0 points at a
 * device tree, then powers off. Built three ways: an Image, a raw binary
 * for RAM + 0x80000 (QEMU's -kernel address), and an ELF file.
 */
#include "guest.h"

int main(uint64_t x0);

static uint32_t be32(const volatile uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int main(uint64_t x0)
{
	uint64_t pc;
	bool dtb = x0 >= 0x40000000 && be32((const volatile uint8_t *)(uintptr_t)x0) ==
					       0xd00dfeed;

	__asm__ volatile("adr %0, ." : "=r"(pc));
	puts_uart("BOOT-GUEST pc=");
	puthex(pc);
	puts_uart(" x0=");
	puthex(x0);
	puts_uart(dtb ? " dtb=yes\n" : " dtb=no\n");
	return 0;
}

void secondary_main(uint64_t cpu)
{
	(void)cpu;
}
