/*
 * A hostile virtio-blk driver: it sets up the first virtio-mmio slot
 * properly, then offers the descriptor chains the unit tests refuse (loops,
 * buffers outside RAM, overflowing lengths, nested indirect tables, no
 * status byte, aliasing buffers that add up to 63 GiB). Each must end in
 * DEVICE_NEEDS_RESET without a used entry, or in an error status; after a
 * reset a well-formed read must still work. It prints one HOSTILE-CASE line
 * per case, then powers off; or, given a disk of 256 MiB or more, floods the
 * device with the largest requests there may be until a64vm stops it.
 */
#include <stddef.h>

#include "guest.h"

#include "a64vm/memmap.h"

#define SLOT MEMMAP_VIRTIO_BASE
#define QSIZE 16
#define F_INDIRECT 28
#define NEEDS_RESET 0x40
#define DESC_NEXT 1
#define DESC_WRITE 2
#define DESC_INDIRECT 4
#define MAX_IOV 1024
#define SEG (256u << 10)     /* 1022 of these: just under a request's bound */
#define FLOOD_DISK (256u << 20)

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct desc ring[QSIZE] __attribute__((aligned(16)));
static struct desc table[4] __attribute__((aligned(16)));
static struct desc table2[2] __attribute__((aligned(16)));
static volatile struct {
	uint16_t flags, idx, ring[QSIZE], used_event;
} avail __attribute__((aligned(4)));
static volatile struct {
	uint16_t flags, idx;
	struct { uint32_t id, len; } ring[QSIZE];
	uint16_t avail_event;
} used __attribute__((aligned(4)));
static struct desc big[MAX_IOV] __attribute__((aligned(16)));
static uint8_t seg[SEG] __attribute__((aligned(4096)));
static struct { uint32_t type, reserved; uint64_t sector; } hdr;
static uint8_t data[512];
static volatile uint8_t status;

static inline uint32_t rd(unsigned off)
{
	return *(volatile uint32_t *)(uintptr_t)(SLOT + off);
}

static inline void wr(unsigned off, uint32_t v)
{
	__asm__ volatile("dmb sy" ::: "memory");
	*(volatile uint32_t *)(uintptr_t)(SLOT + off) = v;
}

static void set_addr(unsigned off, const volatile void *p)
{
	wr(off, (uint32_t)(uintptr_t)p);
	wr(off + 4, (uint32_t)((uintptr_t)p >> 32));
}

/* Reset and bring the device up with one queue and indirect descriptors. */
static bool init_device(void)
{
	wr(0x070, 0);
	while (rd(0x070))
		;
	wr(0x070, 1 | 2);
	wr(0x024, 0);
	wr(0x020, 1u << F_INDIRECT);
	wr(0x024, 1);
	wr(0x020, 1); /* VERSION_1 */
	wr(0x070, 1 | 2 | 8);
	if (!(rd(0x070) & 8))
		return false;
	wr(0x030, 0);
	wr(0x038, QSIZE);
	set_addr(0x080, ring);
	set_addr(0x090, &avail);
	set_addr(0x0a0, &used);
	avail.idx = 0;
	avail.flags = 0;
	used.idx = 0; /* the device starts its used ring over too */
	wr(0x044, 1);
	wr(0x070, 1 | 2 | 8 | 4);
	return rd(0x044) == 1;
}

static void put(struct desc *d, const volatile void *addr, uint32_t len,
		uint16_t flags, uint16_t next)
{
	*d = (struct desc){ (uint64_t)(uintptr_t)addr, len, flags, next };
}

/* A normal request: header, 512 bytes of data, status. */
static void well_formed(uint32_t type, uint64_t sector)
{
	hdr.type = type;
	hdr.sector = sector;
	put(&ring[0], &hdr, sizeof(hdr), DESC_NEXT, 1);
	put(&ring[1], data, sizeof(data), DESC_NEXT | DESC_WRITE, 2);
	put(&ring[2], &status, 1, DESC_WRITE, 0);
}

enum outcome { USED, BROKEN, NOTHING };

static void notify_plain(void)
{
	wr(0x050, 0);
}

/*
 * Notifies KVM cannot decode (KVM_EXIT_ARM_NISV): a64vm emulates them on
 * the vCPU thread, which must hand the queue to the I/O thread.
 */
static void notify_writeback(void)
{
	uint64_t base = SLOT;

	__asm__ volatile("dmb sy\n\tstr wzr, [%0, #0x50]!" : "+r"(base) :: "memory");
}

static void notify_pair(void)
{
	__asm__ volatile("dmb sy\n\tstp wzr, wzr, [%0, #0x50]"
			 :: "r"((uint64_t)SLOT) : "memory");
}

static void (*notify)(void) = notify_plain;

/* Offers head 0, notifies, waits up to 2 s for a used entry or NEEDS_RESET. */
static enum outcome offer(void)
{
	uint16_t before = used.idx;
	uint64_t deadline = counter() + 2 * counter_hz();

	status = 0xee;
	avail.ring[avail.idx % QSIZE] = 0;
	__asm__ volatile("dmb sy" ::: "memory");
	avail.idx++;
	notify();
	while (counter() < deadline) {
		if (used.idx != before)
			return USED;
		if (rd(0x070) & NEEDS_RESET)
			return BROKEN;
	}
	return NOTHING;
}

static unsigned failures;

static void report(const char *name, bool ok, enum outcome got)
{
	static const char *const names[] = { "used", "needs-reset", "nothing" };

	puts_uart(ok ? "HOSTILE-CASE ok " : "HOSTILE-CASE FAIL ");
	puts_uart(name);
	puts_uart(" (");
	puts_uart(names[got]);
	puts_uart(")\n");
	failures += !ok;
}

/* A hostile chain must break the device and put nothing in the used ring. */
static void expect_broken(const char *name)
{
	enum outcome got = offer();

	report(name, got == BROKEN, got);
	init_device();
}

/* Header, then n writable buffers of len bytes each at addr, then status. */
static void big_read(unsigned n, uint64_t addr, uint32_t len)
{
	hdr.type = 0;
	hdr.sector = 0;
	put(&big[0], &hdr, sizeof(hdr), DESC_NEXT, 1);
	for (unsigned i = 1; i <= n; i++)
		put(&big[i], (const void *)(uintptr_t)addr, len, DESC_NEXT | DESC_WRITE,
		    (uint16_t)(i + 1));
	put(&big[n + 1], &status, 1, DESC_WRITE, 0);
}

/*
 * The largest requests the device takes (255.5 MiB each, in 1022 buffers of
 * 256 KiB that alias one), every ring entry, for ever: the I/O thread is
 * never idle, and a64vm must still stop promptly.
 */
static void flood(void)
{
	uint64_t t0 = counter();
	uint16_t offered = 0;
	unsigned served = 0;

	init_device();
	big_read(MAX_IOV - 2, (uint64_t)(uintptr_t)seg, SEG);
	for (unsigned i = 0; i < QSIZE; i++)
		put(&ring[i], big, sizeof(big), DESC_INDIRECT, 0);
	puts_uart("HOSTILE-FLOOD started\n");
	for (;;) {
		while ((uint16_t)(offered - used.idx) < QSIZE) {
			avail.ring[offered % QSIZE] = offered % QSIZE;
			offered++;
			__asm__ volatile("dmb sy" ::: "memory");
			avail.idx = offered;
			wr(0x050, 0);
		}
		if (used.idx != served) {
			served = used.idx;
			puts_uart("HOSTILE-FLOOD served ");
			putdec(served);
			puts_uart(" in ");
			putdec((counter() - t0) * 1000 / counter_hz());
			puts_uart(" ms\n");
		}
	}
}

void secondary_main(uint64_t cpu)
{
	(void)cpu; /* one vCPU only */
}

int main(void);
int main(void)
{
	enum outcome got;

	if (rd(0x000) != 0x74726976 || rd(0x004) != 2 || rd(0x008) != 2 ||
	    !init_device()) {
		puts_uart("HOSTILE-CASE FAIL no virtio-blk in slot 0\n");
		return 0;
	}
	well_formed(0, 0);
	got = offer();
	report("well-formed read", got == USED && status == 0, got);
	well_formed(0, ~0ull >> 1);
	got = offer();
	report("read past the end: IOERR", got == USED && status == 1, got);

	well_formed(0, 0);
	ring[2].flags |= DESC_NEXT;
	ring[2].next = 0;
	expect_broken("a looping chain");
	well_formed(0, 0);
	ring[1].addr = 0x1000; /* below RAM */
	expect_broken("a buffer outside RAM");
	well_formed(0, 0);
	ring[1].addr = 0xfffffffffffff000ull;
	ring[1].len = 0x2000;
	expect_broken("an address+length overflow");
	well_formed(0, 0);
	ring[1].len = 0xffffffffu;
	expect_broken("a 4 GiB buffer");
	well_formed(0, 0);
	ring[0].next = QSIZE + 5;
	expect_broken("next out of range");
	well_formed(0, 0);
	put(&table2[0], &hdr, sizeof(hdr), 0, 0);
	put(&table[0], table2, sizeof(table2), DESC_INDIRECT, 0);
	put(&ring[0], table, sizeof(table), DESC_INDIRECT, 0);
	expect_broken("an indirect table inside an indirect table");
	well_formed(0, 0);
	ring[2].flags = 0; /* the status byte is device-readable */
	expect_broken("no writable status byte");
	well_formed(0, 0);
	ring[1].flags = DESC_NEXT; /* data readable, after it a writable status */
	ring[0].flags = DESC_NEXT | DESC_WRITE;
	expect_broken("a readable buffer after a writable one");

	/* 1022 buffers aliasing 63 MiB of RAM: 63 GiB asked for in one go. */
	big_read(MAX_IOV - 2, 0x40000000, 63u << 20);
	put(&ring[0], big, sizeof(big), DESC_INDIRECT, 0);
	expect_broken("aliasing buffers of 63 GiB");

	/* After all that, the device still works. */
	well_formed(0, 0);
	got = offer();
	report("well-formed read after the hostile ones", got == USED && status == 0, got);
	notify = notify_writeback;
	well_formed(0, 0);
	got = offer();
	report("read notified by a writeback store", got == USED && status == 0, got);
	notify = notify_pair;
	well_formed(0, 0);
	got = offer();
	report("read notified by a store pair", got == USED && status == 0, got);
	notify = notify_plain;
	puts_uart(failures ? "HOSTILE-DONE FAIL\n" : "HOSTILE-DONE ok\n");
	/* config space: the capacity in sectors */
	if ((uint64_t)rd(0x100) * 512 >= FLOOD_DISK || rd(0x104))
		flood();
	return 0;
}
