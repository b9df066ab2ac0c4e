/*
 * From a Linux guest's userspace: the test device mapped through /dev/mem,
 * touched with instructions KVM cannot decode (LDP/STP, post-index,
 * Q registers). Prints "DEVMEM-NISV <name> PASS|FAIL" lines, then
 * "DEVMEM-NISV-DONE failed=N".
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "a64vm/memmap.h"
#include "a64vm/testdev.h"


static volatile uint8_t *dev;
static int failed;

static uint64_t pat(unsigned off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)testdev_pattern(off + i) << (8 * i);
	return v;
}

static void check(const char *name, uint64_t got, uint64_t want)
{
	printf("DEVMEM-NISV %s %s", name, got == want ? "PASS" : "FAIL");
	if (got != want) {
		printf(" got %#" PRIx64 " want %#" PRIx64, got, want);
		failed++;
	}
	printf("\n");
}

static uint64_t rd64(unsigned off)
{
	return *(volatile uint64_t *)(dev + off);
}

int main(void)
{
	uint64_t a, b, base;
	int fd = open("/dev/mem", O_RDWR | O_SYNC);

	if (fd < 0) {
		perror("DEVMEM-NISV open /dev/mem");
		return 1;
	}
	dev = mmap(NULL, MEMMAP_TESTDEV_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   MEMMAP_TESTDEV_BASE);
	if (dev == MAP_FAILED) {
		perror("DEVMEM-NISV mmap");
		return 1;
	}
	*(volatile uint64_t *)(dev + TESTDEV_RESET) = 1; /* fresh pattern */

	__asm__ volatile("ldp %0, %1, [%2, #16]" : "=&r"(a), "=&r"(b) : "r"(dev) : "memory");
	check("ldp", a ^ b, pat(16, 8) ^ pat(24, 8));

	__asm__ volatile("stp %1, %2, [%0, #64]" : : "r"(dev), "r"(0x1122334455667788ull),
			 "r"(0x8877665544332211ull) : "memory");
	check("stp", rd64(64) ^ rd64(72), 0x1122334455667788ull ^ 0x8877665544332211ull);

	base = (uintptr_t)dev + 128;
	__asm__ volatile("ldr %0, [%1], #8" : "=&r"(a), "+r"(base) : : "memory");
	check("ldr-post-index", a, pat(128, 8));
	check("ldr-post-index-base", base, (uintptr_t)dev + 136);

	base = (uintptr_t)dev + 256;
	__asm__ volatile("stp %w1, %w2, [%0, #-8]!" : "+r"(base) : "r"(0xaaaa5555u),
			 "r"(0x12345678u) : "memory");
	check("stp-pre-index", rd64(248), 0x12345678aaaa5555ull);
	check("stp-pre-index-base", base, (uintptr_t)dev + 248);

	__asm__ volatile("ldr q0, [%2, #32]\n fmov %0, d0\n mov %1, v0.d[1]"
			 : "=&r"(a), "=&r"(b) : "r"(dev) : "v0", "memory");
	check("ldr-q-low", a, pat(32, 8));
	check("ldr-q-high", b, pat(40, 8));

	__asm__ volatile("fmov d1, %1\n mov v1.d[1], %2\n str q1, [%0, #512]"
			 : : "r"(dev), "r"(0xa5a5a5a5a5a5a5a5ull), "r"(0x5a5a5a5a5a5a5a5aull)
			 : "v1", "memory");
	check("str-q", rd64(512) ^ rd64(520), 0xffffffffffffffffull);

	printf("DEVMEM-NISV-DONE failed=%d\n", failed);
	return failed != 0;
}
