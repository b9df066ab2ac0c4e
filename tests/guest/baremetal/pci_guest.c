/*
 * A bare-metal PCI driver (a64vm --testdev --rng --virtio-transport pci):
 * it enumerates bus 0 through ECAM, sizes and programs the BARs of QEMU's
 * pci-testdev and of virtio-rng, rings each pci-testdev doorbell, sets up
 * the GICv3 ITS (tables, command queue, MAPD/MAPC/MAPTI) and takes an MSI
 * from virtio-rng's MSI-X vector 0 as LPI 8192. Then the hostile part:
 * config accesses that hardware answers with all-ones, a BAR over RAM and
 * over another BAR, an MSI-X entry aimed at RAM, a device reset with a
 * request in flight, and an interrupt storm. One PCIG- line per check.
 */
#include <stddef.h>

#include "guest.h"

#include "a64vm/memmap.h"

#define ECAM MEMMAP_PCIE_ECAM_BASE
#define PIO MEMMAP_PCIE_PIO_BASE
#define ITS MEMMAP_GIC_ITS_BASE
#define GICR MEMMAP_GIC_REDIST_BASE
#define TESTDEV_MEM 0x10000000ull
#define TESTDEV_IO 0x1000ull
#define VIRTIO_BAR 0x10100000ull
#define MSIX_BAR 0x10200000ull
#define LPI 8192u
#define QSIZE 8

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct desc ring[QSIZE] __attribute__((aligned(16)));
static volatile struct { uint16_t flags, idx, ring[QSIZE]; } avail __attribute__((aligned(4)));
static volatile struct {
	uint16_t flags, idx;
	struct { uint32_t id, len; } ring[QSIZE];
} used __attribute__((aligned(4)));
static uint8_t entropy[64];
static volatile uint8_t lpi_config[8192] __attribute__((aligned(65536)));
static volatile uint8_t lpi_pending[8192] __attribute__((aligned(65536)));
static volatile uint64_t its_cmds[512] __attribute__((aligned(65536)));
/* KVM's ITS tables have 64 KiB pages: one page each. */
static volatile uint64_t its_devices[8192] __attribute__((aligned(65536)));
static volatile uint64_t its_collections[8192] __attribute__((aligned(65536)));
static volatile uint64_t itt[32] __attribute__((aligned(256)));
static volatile uint64_t bait[8];
static unsigned its_cwriter;
static unsigned failures;

static void check(const char *name, bool ok, const char *detail, uint64_t v)
{
	puts_uart(ok ? "PCIG-PASS " : "PCIG-FAIL ");
	puts_uart(name);
	puts_uart(" ");
	puts_uart(detail);
	puts_uart(" ");
	puthex(v);
	puts_uart("\n");
	failures += !ok;
}

static uint64_t cfg_addr(unsigned bus, unsigned slot, unsigned reg)
{
	return ECAM + ((uint64_t)bus << 20 | slot << 15 | reg);
}

static uint32_t cfg_rd32(unsigned slot, unsigned reg)
{
	return mmio_read32(cfg_addr(0, slot, reg));
}

static void cfg_wr32(unsigned slot, unsigned reg, uint32_t v)
{
	mmio_write32(cfg_addr(0, slot, reg), v);
}

static uint16_t cfg_rd16(unsigned slot, unsigned reg)
{
	return *(volatile uint16_t *)(uintptr_t)cfg_addr(0, slot, reg);
}

static void cfg_wr16(unsigned slot, unsigned reg, uint16_t v)
{
	*(volatile uint16_t *)(uintptr_t)cfg_addr(0, slot, reg) = v;
}

static uint8_t rd8(uint64_t a) { return *(volatile uint8_t *)(uintptr_t)a; }
static void wr8(uint64_t a, uint8_t v) { *(volatile uint8_t *)(uintptr_t)a = v; }
static uint16_t rd16(uint64_t a) { return *(volatile uint16_t *)(uintptr_t)a; }
static void wr16(uint64_t a, uint16_t v) { *(volatile uint16_t *)(uintptr_t)a = v; }
static uint64_t rd64(uint64_t a) { return *(volatile uint64_t *)(uintptr_t)a; }
static void wr64(uint64_t a, uint64_t v) { *(volatile uint64_t *)(uintptr_t)a = v; }

static void barrier(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static int find(uint32_t id)
{
	for (unsigned slot = 0; slot < 32; slot++)
		if (cfg_rd32(slot, 0) == id)
			return (int)slot;
	return -1;
}

/* Sizes BAR index with the all-ones write: its size mask, as read back. */
static uint32_t size_bar(unsigned slot, unsigned index)
{
	uint32_t old = cfg_rd32(slot, 0x10 + 4 * index), mask;

	cfg_wr32(slot, 0x10 + 4 * index, 0xffffffff);
	mask = cfg_rd32(slot, 0x10 + 4 * index);
	cfg_wr32(slot, 0x10 + 4 * index, old);
	return mask;
}

/* pci-testdev: each test of a BAR started, its doorbell rung 16 times. */
static void ring_testdev(uint64_t base, bool io, const char *check_name)
{
	unsigned ok = 0;

	for (unsigned t = 0; t < 3; t++) {
		uint32_t off, count = 0;
		uint8_t data;

		wr8(base, (uint8_t)t);
		if (rd8(base + 1) != 1)
			break;
		off = (uint32_t)rd8(base + 4) | (uint32_t)rd8(base + 5) << 8;
		data = rd8(base + 8);
		for (int i = 0; i < 16; i++)
			wr8(base + off, data);
		for (unsigned i = 0; i < 4; i++)
			count |= (uint32_t)rd8(base + 12 + i) << (8 * i);
		puts_uart("PCIG-NOTE testdev ");
		for (unsigned i = 0; i < 24 && rd8(base + 16 + i); i++)
			putc_uart((char)rd8(base + 16 + i));
		puts_uart(" count ");
		putdec(count);
		puts_uart("\n");
		ok += count == 16;
	}
	(void)io;
	check(check_name, ok == 3, "tests whose 16 rings all counted", ok);
}

/* ---- the ITS: tables, a command queue, one device's event as LPI 8192 ---- */

static void its_cmd(uint64_t dw0, uint64_t dw1, uint64_t dw2)
{
	volatile uint64_t *c = &its_cmds[its_cwriter / 8];

	c[0] = dw0;
	c[1] = dw1;
	c[2] = dw2;
	c[3] = 0;
	its_cwriter = (its_cwriter + 32) % sizeof(its_cmds);
	barrier();
	wr64(ITS + 0x88, its_cwriter); /* GITS_CWRITER */
	for (int i = 0; i < 1000000 && rd64(ITS + 0x90) != its_cwriter; i++) /* GITS_CREADR */
		;
}

static bool its_setup(unsigned devid)
{
	uint64_t typer = rd64(ITS + 0x8);

	/* the redistributor's LPI tables: priority 0xa0, enabled */
	lpi_config[0] = 0xa0 | 1;
	barrier();
	wr64(GICR + 0x70, (uint64_t)(uintptr_t)lpi_config | 13);	/* PROPBASER: 14 ID bits */
	wr64(GICR + 0x78, (uint64_t)(uintptr_t)lpi_pending | 1ull << 62); /* PENDBASER, zeroed */
	mmio_write32(GICR, mmio_read32(GICR) | 1);			/* EnableLPIs */
	for (unsigned n = 0; n < 8; n++) {
		uint64_t baser = rd64(ITS + 0x100 + 8 * n), type = baser >> 56 & 7;
		uint64_t table = type == 1 ? (uint64_t)(uintptr_t)its_devices
			       : type == 4 ? (uint64_t)(uintptr_t)its_collections : 0;

		/* type, entry size and page size as the ITS says; one page */
		if (table)
			wr64(ITS + 0x100 + 8 * n,
			     1ull << 63 | (baser & (0x7full << 56 | 0x1full << 48 | 3ull << 8)) |
			     table);
	}
	wr64(ITS + 0x80, 1ull << 63 | (uint64_t)(uintptr_t)its_cmds | 0); /* CBASER: 4 KiB */
	wr64(ITS + 0x88, 0);
	mmio_write32(ITS, 1); /* GITS_CTLR: enabled */
	its_cmd(0x08 | (uint64_t)devid << 32, 4, 1ull << 63 | (uint64_t)(uintptr_t)itt); /* MAPD */
	its_cmd(0x09, 0, 1ull << 63 | 0);				/* MAPC ICID 0 -> vCPU 0 */
	its_cmd(0x0a | (uint64_t)devid << 32, 0 | (uint64_t)LPI << 32, 0); /* MAPTI event 0 */
	its_cmd(0x0d, 0, 0);						/* INVALL ICID 0 */
	its_cmd(0x05, 0, 0);						/* SYNC */
	return (typer & 1) && rd64(ITS + 0x90) == its_cwriter; /* physical LPIs; all read */
}

/* The interrupt pending for this CPU, acknowledged; 1023: none within ms. */
static uint32_t take_irq(unsigned ms)
{
	uint64_t end = counter() + counter_hz() / 1000 * ms, iar;

	do {
		__asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(iar)); /* ICC_IAR1_EL1 */
		if (iar != 1023) {
			__asm__ volatile("msr S3_0_C12_C12_1, %0" : : "r"(iar)); /* EOIR1 */
			return (uint32_t)iar;
		}
	} while (counter() < end);
	return 1023;
}

/* ---- virtio-rng on virtio-pci ---- */

static uint64_t common, notify, isr;

/* The vendor capabilities: where the common, notify and ISR structures are. */
static void find_caps(unsigned slot)
{
	for (unsigned at = cfg_rd32(slot, 0x34) & 0xff; at; at = cfg_rd32(slot, at) >> 8 & 0xff) {
		uint32_t head = cfg_rd32(slot, at), off = cfg_rd32(slot, at + 8);

		if ((head & 0xff) != 0x09)
			continue;
		switch (head >> 24) {
		case 1: common = VIRTIO_BAR + off; break;
		case 2: notify = VIRTIO_BAR + off; break;
		case 3: isr = VIRTIO_BAR + off; break;
		default: break;
		}
	}
}

static unsigned msix_cap(unsigned slot)
{
	for (unsigned at = cfg_rd32(slot, 0x34) & 0xff; at; at = cfg_rd32(slot, at) >> 8 & 0xff)
		if ((cfg_rd32(slot, at) & 0xff) == 0x11)
			return at;
	return 0;
}

/* Reset, negotiate VERSION_1 only, queue 0 on MSI-X vector 0, DRIVER_OK. */
static bool rng_up(void)
{
	wr8(common + 0x14, 0);
	while (rd8(common + 0x14))
		;
	wr8(common + 0x14, 1 | 2);
	mmio_write32(common + 0x08, 1);
	mmio_write32(common + 0x0c, 1); /* VERSION_1 */
	wr8(common + 0x14, 1 | 2 | 8);
	if (!(rd8(common + 0x14) & 8))
		return false;
	wr16(common + 0x16, 0);
	wr16(common + 0x18, QSIZE);
	wr64(common + 0x20, (uint64_t)(uintptr_t)ring);
	wr64(common + 0x28, (uint64_t)(uintptr_t)&avail);
	wr64(common + 0x30, (uint64_t)(uintptr_t)&used);
	wr16(common + 0x1a, 0);
	wr16(common + 0x10, 0xffff);
	wr16(common + 0x1c, 1);
	avail.idx = used.idx = 0;
	wr8(common + 0x14, 1 | 2 | 4 | 8);
	return rd16(common + 0x1a) == 0;
}

/* One buffer offered and notified; whether the device used it within ms. */
static bool rng_request(unsigned ms, bool wait)
{
	uint16_t want = (uint16_t)(used.idx + 1);
	uint64_t end = counter() + counter_hz() / 1000 * ms;

	ring[0] = (struct desc){ (uint64_t)(uintptr_t)entropy, sizeof(entropy), 2, 0 };
	avail.ring[avail.idx % QSIZE] = 0;
	barrier();
	avail.idx++;
	barrier();
	wr16(notify, 0);
	while (wait && used.idx != want && counter() < end)
		;
	return used.idx == want;
}

static void msix_entry(uint64_t addr, uint32_t data, bool masked)
{
	mmio_write32(MSIX_BAR + 0, (uint32_t)addr);
	mmio_write32(MSIX_BAR + 4, (uint32_t)(addr >> 32));
	mmio_write32(MSIX_BAR + 8, data);
	mmio_write32(MSIX_BAR + 12, masked);
}

static void hostile_config(int testdev)
{
	uint32_t id = cfg_rd32((unsigned)testdev, 0);

	check("config-absent", mmio_read32(cfg_addr(0, 30, 0)) == 0xffffffff, "slot 30", 0);
	check("config-other-bus", mmio_read32(cfg_addr(3, (unsigned)testdev, 0)) == 0xffffffff,
	      "bus 3", 0);
	check("config-unaligned", cfg_rd16((unsigned)testdev, 1) == 0xffff, "2 bytes at 1", 0);
	cfg_wr16((unsigned)testdev, 3, 0x0505); /* unaligned write: dropped */
	check("config-ids-stay", cfg_rd32((unsigned)testdev, 0) == id, "after the writes", id);
	check("config-extended", cfg_rd32((unsigned)testdev, 0xffc) == 0, "offset 0xffc", 0);
}

/* A BAR over RAM, then over another BAR: neither the RAM nor the machine mind. */
static void hostile_bars(unsigned testdev, unsigned rng)
{
	uint64_t ram = (uint64_t)(uintptr_t)bait;

	bait[0] = 0x1122334455667788ull;
	cfg_wr32(testdev, 0x10, (uint32_t)(ram & ~0xfffull));
	wr8(ram & ~0xfffull, 0); /* RAM, as ever: the BAR decodes nothing there */
	check("bar-over-ram", bait[0] == 0x1122334455667788ull, "RAM under the BAR", bait[0]);
	/* over virtio's BAR: neither answers, both come back when it moves */
	cfg_wr32(testdev, 0x10, (uint32_t)VIRTIO_BAR);
	check("bar-overlap", rd16(common + 0x12) == 0xffff, "num_queues while overlapped",
	      rd16(common + 0x12));
	cfg_wr32(testdev, 0x10, (uint32_t)TESTDEV_MEM);
	wr8(TESTDEV_MEM, 0); /* a test on this BAR: its header answers */
	check("bar-moved-back", rd16(common + 0x12) == 1 && rd8(TESTDEV_MEM + 1) == 1,
	      "num_queues", rd16(common + 0x12));
	(void)rng;
}

int main(void)
{
	int testdev = find(0x00051b36), rng = find(0x10441af4);
	uint32_t cmd;
	unsigned devid;

	puts_uart("PCIG-START\n");
	check("enumerate", testdev > 0 && rng > 0, "pci-testdev and virtio-rng slots",
	      (uint64_t)testdev << 8 | (uint64_t)rng);
	if (testdev <= 0 || rng <= 0)
		psci_system_off();
	/* sizing: 4 KiB memory and 256 bytes of I/O; virtio's 64-bit 16 KiB */
	check("size-testdev-mem", size_bar((unsigned)testdev, 0) == 0xfffff000, "BAR0",
	      size_bar((unsigned)testdev, 0));
	check("size-testdev-io", size_bar((unsigned)testdev, 1) == 0xffffff01, "BAR1",
	      size_bar((unsigned)testdev, 1));
	check("size-virtio-64", size_bar((unsigned)rng, 4) == 0xffffc00c, "BAR4",
	      size_bar((unsigned)rng, 4));
	cfg_wr32((unsigned)testdev, 0x10, (uint32_t)TESTDEV_MEM);
	cfg_wr32((unsigned)testdev, 0x14, (uint32_t)TESTDEV_IO);
	cmd = cfg_rd32((unsigned)testdev, 4) & 0xffff0000u;
	cfg_wr32((unsigned)testdev, 4, cmd | 3); /* I/O and memory */
	ring_testdev(TESTDEV_MEM, false, "testdev-mmio-doorbells");
	ring_testdev(PIO + TESTDEV_IO, true, "testdev-pio-doorbells");

	cfg_wr32((unsigned)rng, 0x20, (uint32_t)VIRTIO_BAR);
	cfg_wr32((unsigned)rng, 0x24, 0);
	cfg_wr32((unsigned)rng, 0x14, (uint32_t)MSIX_BAR);
	cfg_wr16((unsigned)rng, 4, 2 | 4); /* memory, bus master */
	find_caps((unsigned)rng);
	check("virtio-caps", common && notify && isr, "common", common);
	devid = (unsigned)rng << 3;
	gic_enable_ppi(27); /* the CPU interface and distributor on */
	check("its-setup", its_setup(devid), "GITS_CREADR", rd64(ITS + 0x90));
	msix_entry(MEMMAP_GIC_ITS_TRANSLATER, 0, false);
	cfg_wr16((unsigned)rng, msix_cap((unsigned)rng) + 2, 0x8000); /* MSI-X on */
	check("virtio-up", rng_up(), "status", rd8(common + 0x14));
	{
		bool done = rng_request(2000, true);
		uint32_t irq = take_irq(2000);

		check("rng-used", done && used.ring[0].len == sizeof(entropy), "used length",
		      used.ring[0].len);
		check("msi-through-its", irq == LPI, "INTID", irq);
	}
	/* MSI-X entry aimed at RAM: no interrupt, and nothing written there */
	bait[1] = 0;
	msix_entry((uint64_t)(uintptr_t)&bait[1], 0xdead, false);
	rng_request(2000, true);
	{
		uint32_t irq = take_irq(200);

		check("msi-not-doorbell", irq == 1023 && bait[1] == 0, "INTID", irq);
	}
	msix_entry(MEMMAP_GIC_ITS_TRANSLATER, 0, false);
	/* a reset with a request in flight, then a request that must work */
	rng_request(0, false);
	wr8(common + 0x14, 0);
	check("reset-in-flight", rng_up() && rng_request(2000, true), "used.idx", used.idx);
	take_irq(200);
	/* a storm: 2000 requests, each an MSI, none acknowledged until the end */
	{
		unsigned done = 0;

		for (int i = 0; i < 2000; i++)
			done += rng_request(2000, true);
		check("msi-storm", done == 2000 && take_irq(1000) == LPI, "requests done", done);
	}
	hostile_config(testdev);
	hostile_bars((unsigned)testdev, (unsigned)rng);
	puts_uart(failures ? "PCIG-DONE failures\n" : "PCIG-DONE\n");
	psci_system_off();
}

void secondary_main(uint64_t cpu)
{
	(void)cpu;
}
