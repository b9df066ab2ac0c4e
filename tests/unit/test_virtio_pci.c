/*
 * virtio-pci, driven through the host bridge as Linux's virtio_pci_modern
 * does: BARs programmed, capabilities walked, features and a queue set up
 * in the common configuration, notifications, MSI-X vectors and INTx.
 */
#include <string.h>

#include "a64vm/memmap.h"
#include "a64vm/virtio_pci.h"
#include "unit.h"
#include "virtq_fixture.h"

#define BAR4_AT 0x10004000ull
#define MSIX_AT 0x10001000ull
#define DOORBELL MEMMAP_GIC_ITS_TRANSLATER
#define SLOT 3

static struct pci_host h;
static struct virtio_core vd;
static struct virtio_pci p;
static bool intx, busy;
static int intx_changes, notified = -1, resets;
static unsigned sent[PCI_MSIX_MAX_VECTORS];
static uint8_t config[6] = { 1, 2, 3, 4, 5, 6 };

static void cfg_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	(void)dev;
	memcpy(data, config + off, len);
}

static void reset_dev(void *dev)
{
	(void)dev;
	resets++;
}

static bool busy_dev(void *dev)
{
	(void)dev;
	return busy;
}

static const struct virtio_core_ops ops = {
	.name = "test", .device_id = 4, .nqueues = 2, .config_size = 6,
	.config_read = cfg_read, .reset = reset_dev, .busy = busy_dev,
};

static void set_intx(void *ctx, bool level)
{
	(void)ctx;
	intx = level;
	intx_changes++;
}

static void deliver(void *ctx, unsigned v)
{
	(void)ctx;
	sent[v]++;
}

static void hand_on(void *ctx, unsigned q)
{
	(void)ctx;
	notified = (int)q;
}

static uint64_t ecam(unsigned reg)
{
	return (uint64_t)SLOT << 15 | reg;
}

static uint32_t cfg_rd(unsigned reg, unsigned size)
{
	return (uint32_t)pci_host_ecam_read(&h, ecam(reg), size);
}

static void cfg_wr(unsigned reg, unsigned size, uint32_t v)
{
	pci_host_ecam_write(&h, ecam(reg), size, v);
}

static uint64_t rd(uint64_t off, unsigned size)
{
	return pci_host_bar_read(&h, PCI_SPACE_MEM, BAR4_AT + off, size);
}

static void wr(uint64_t off, unsigned size, uint64_t v)
{
	pci_host_bar_write(&h, PCI_SPACE_MEM, BAR4_AT + off, size, v);
}

/* A function with (msix) or without MSI-X, its BARs placed and enabled. */
static void setup(bool msix)
{
	memset(sent, 0, sizeof(sent));
	intx = busy = false;
	intx_changes = resets = 0;
	notified = -1;
	fx_transport(&vd, &ops, NULL, 0);
	vd.notify = hand_on;
	pci_host_init(&h);
	CU_ASSERT_EQUAL_FATAL(virtio_pci_init(&p, &vd, 0x078000, &(struct virtio_pci_wiring){
		.set_intx = set_intx, .msix_doorbell = msix ? DOORBELL : 0,
		.msix_deliver = deliver }), 0);
	CU_ASSERT_EQUAL_FATAL(pci_host_attach(&h, SLOT, &p.fn), 0);
	resets = 0; /* the init's own */
	cfg_wr(PCI_BAR0 + 4 * VIRTIO_PCI_BAR, 4, (uint32_t)BAR4_AT);
	cfg_wr(PCI_BAR0 + 4 * VIRTIO_PCI_BAR + 4, 4, 0);
	cfg_wr(PCI_BAR0 + 4 * VIRTIO_PCI_MSIX_BAR, 4, (uint32_t)MSIX_AT);
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

/* The vendor capability of cfg_type type: its config offset, or 0. */
static unsigned find_cap(unsigned type)
{
	for (unsigned at = cfg_rd(PCI_CAP_PTR, 1); at; at = cfg_rd(at + 1, 1))
		if (cfg_rd(at, 1) == 0x09 && cfg_rd(at + 3, 1) == type)
			return at;
	return 0;
}

static void test_identity(void)
{
	unsigned caps = 0, express = 0, msix = 0;

	setup(true);
	CU_ASSERT_EQUAL(cfg_rd(0, 4), 0x10441af4); /* 1af4:1040 + 4 */
	CU_ASSERT_EQUAL(cfg_rd(8, 4), 0x07800001); /* class 078000, revision 1 */
	CU_ASSERT_EQUAL(cfg_rd(0x2c, 4), 0x11001af4);
	CU_ASSERT_EQUAL(cfg_rd(PCI_INTERRUPT_PIN, 1), 1);
	for (unsigned at = cfg_rd(PCI_CAP_PTR, 1); at && caps < 20; at = cfg_rd(at + 1, 1)) {
		caps++;
		express += cfg_rd(at, 1) == 0x10;
		msix += cfg_rd(at, 1) == 0x11;
	}
	CU_ASSERT_EQUAL(caps, 7); /* common, notify, ISR, device, PCI access, PCIe, MSI-X */
	CU_ASSERT_EQUAL(express, 1);
	CU_ASSERT_EQUAL(msix, 1);
	for (unsigned type = 1; type <= 4; type++) {
		unsigned at = find_cap(type);

		CU_ASSERT_NOT_EQUAL(at, 0);
		CU_ASSERT_EQUAL(cfg_rd(at + 4, 1), VIRTIO_PCI_BAR);
	}
	CU_ASSERT_EQUAL(cfg_rd(find_cap(2) + 8, 4), VIRTIO_PCI_NOTIFY_OFF);
	CU_ASSERT_EQUAL(cfg_rd(find_cap(2) + 16, 4), VIRTIO_PCI_NOTIFY_MULTIPLIER);
	CU_ASSERT_EQUAL(cfg_rd(find_cap(4) + 12, 4), 6);
	CU_ASSERT_NOT_EQUAL(find_cap(5), 0);
	/* without an ITS, no MSI-X and no BAR for it */
	setup(false);
	CU_ASSERT_EQUAL(p.fn.cfg.bar_size[VIRTIO_PCI_MSIX_BAR], 0);
	for (unsigned at = cfg_rd(PCI_CAP_PTR, 1); at; at = cfg_rd(at + 1, 1))
		CU_ASSERT_NOT_EQUAL(cfg_rd(at, 1), 0x11);
}

static void test_common_config(void)
{
	setup(true);
	CU_ASSERT_EQUAL(rd(0x12, 2), 2); /* num_queues */
	wr(0x00, 4, 1);
	CU_ASSERT_EQUAL(rd(0x04, 4), 1); /* VERSION_1 in word 1 */
	wr(0x08, 4, 1);
	wr(0x0c, 4, 1);
	wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	CU_ASSERT_TRUE(rd(0x14, 1) & VIRTIO_STATUS_FEATURES_OK);
	wr(0x16, 2, 1);
	CU_ASSERT_EQUAL(rd(0x18, 2), VIRTQ_MAX_SIZE); /* the maximum, before the driver sets one */
	CU_ASSERT_EQUAL(rd(0x1e, 2), 1);		/* queue_notify_off */
	wr(0x18, 2, FX_QSIZE);
	wr(0x20, 4, (uint32_t)FX_DESC); /* 64-bit fields in two halves */
	wr(0x24, 4, 0);
	wr(0x28, 8, FX_AVAIL); /* or whole */
	wr(0x30, 4, (uint32_t)FX_USED);
	CU_ASSERT_EQUAL(rd(0x20, 8), FX_DESC);
	CU_ASSERT_EQUAL(rd(0x30, 4), (uint32_t)FX_USED);
	wr(0x1c, 2, 1);
	CU_ASSERT_EQUAL(rd(0x1c, 2), 1);
	/* live: its address and size are fixed */
	wr(0x20, 4, 0x1234);
	wr(0x18, 2, 4);
	CU_ASSERT_EQUAL(rd(0x20, 8), FX_DESC);
	CU_ASSERT_EQUAL(rd(0x18, 2), FX_QSIZE);
	/* device configuration, any width inside it */
	CU_ASSERT_EQUAL(rd(0x2000 + 2, 2), 0x0403);
	CU_ASSERT_EQUAL(rd(0x2000 + 4, 4), 0); /* beyond its 6 bytes */
	/* a field written at the wrong width: refused, counted */
	uint64_t refused = vd.refused;
	wr(0x16, 4, 0);
	wr(0x14, 2, 0);
	CU_ASSERT_EQUAL(vd.refused, refused + 2);
	CU_ASSERT_EQUAL(rd(0x16, 2), 1);
	/* status 0: the device and its vectors reset; MSI-X stays on */
	cfg_wr(p.msix.cap + 2, 2, 0x8000);
	wr(0x14, 1, 0);
	CU_ASSERT_TRUE(pci_msix_enabled(&p.msix));
	CU_ASSERT_EQUAL(resets, 1);
	CU_ASSERT_EQUAL(rd(0x14, 1), 0);
	CU_ASSERT_EQUAL(rd(0x10, 2), PCI_MSIX_NO_VECTOR);
}

static void test_notify(void)
{
	setup(true);
	/* a notify that reached userspace (no ioeventfd took it): handed on */
	wr(virtio_pci_notify_offset(1), 2, 1);
	CU_ASSERT_EQUAL(notified, 1);
	notified = -1;
	wr(virtio_pci_notify_offset(2), 2, 2); /* no queue 2 */
	CU_ASSERT_EQUAL(notified, -1);
}

static void test_intx(void)
{
	setup(false);
	vd.irq(vd.irq_ctx, 0);
	vd.isr |= 1; /* as virtio_core_used sets it */
	CU_ASSERT_TRUE(intx);
	CU_ASSERT_TRUE(cfg_rd(PCI_STATUS, 2) & 0x08);
	/* reading the ISR acknowledges: the line drops */
	CU_ASSERT_EQUAL(rd(0x1000, 1), 1);
	CU_ASSERT_FALSE(intx);
	CU_ASSERT_EQUAL(rd(0x1000, 1), 0);
	/* INTx disabled in the command register: the line stays low */
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	vd.isr |= 1;
	vd.irq(vd.irq_ctx, 0);
	CU_ASSERT_FALSE(intx);
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CU_ASSERT_TRUE(intx);
}

static void test_msix(void)
{
	unsigned cap;

	setup(true);
	cap = p.msix.cap;
	/* vectors: config 0, queue 0 vector 1, queue 1 none; 9 is beyond */
	wr(0x10, 2, 0);
	wr(0x16, 2, 0);
	wr(0x1a, 2, 1);
	CU_ASSERT_EQUAL(rd(0x1a, 2), 1);
	wr(0x16, 2, 1);
	wr(0x1a, 2, 9);
	CU_ASSERT_EQUAL(rd(0x1a, 2), PCI_MSIX_NO_VECTOR);
	for (unsigned v = 0; v < 2; v++) {
		pci_host_bar_write(&h, PCI_SPACE_MEM, MSIX_AT + 16 * v, 4, (uint32_t)DOORBELL);
		pci_host_bar_write(&h, PCI_SPACE_MEM, MSIX_AT + 16 * v + 8, 4, v);
		pci_host_bar_write(&h, PCI_SPACE_MEM, MSIX_AT + 16 * v + 12, 4, 0);
	}
	cfg_wr(cap + 2, 2, 0x8000);
	vd.irq(vd.irq_ctx, 0);
	vd.irq(vd.irq_ctx, VIRTIO_IRQ_CONFIG);
	vd.irq(vd.irq_ctx, 1); /* no vector: nothing */
	CU_ASSERT_EQUAL(sent[0], 1);
	CU_ASSERT_EQUAL(sent[1], 1);
	CU_ASSERT_FALSE(intx);
	/* the PBA through the BAR: a masked vector's pending bit */
	pci_host_bar_write(&h, PCI_SPACE_MEM, MSIX_AT + 16 + 12, 4, 1);
	vd.irq(vd.irq_ctx, 0);
	CU_ASSERT_EQUAL(pci_host_bar_read(&h, PCI_SPACE_MEM, MSIX_AT + 0x800, 8), 2);
	/* MSI-X off again: INTx */
	cfg_wr(cap + 2, 2, 0);
	vd.irq(vd.irq_ctx, 0);
	CU_ASSERT_TRUE(intx);
	/* MSI-X on with INTx asserted: the line drops, a command write keeps it low */
	cfg_wr(cap + 2, 2, 0x8000);
	CU_ASSERT_FALSE(intx);
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CU_ASSERT_FALSE(intx);
}

/* The PCI configuration access capability reaches the BAR through config space. */
static void test_cfg_window(void)
{
	unsigned at;

	setup(true);
	at = find_cap(5);
	wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	cfg_wr(at + 4, 1, VIRTIO_PCI_BAR);
	cfg_wr(at + 8, 4, 0x14);
	cfg_wr(at + 12, 4, 1);
	CU_ASSERT_EQUAL(cfg_rd(at + 16, 1), VIRTIO_STATUS_ACKNOWLEDGE);
	cfg_wr(at + 16, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	CU_ASSERT_EQUAL(rd(0x14, 1), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	/* a length that is not 1, 2 or 4: nothing happens */
	cfg_wr(at + 12, 4, 3);
	cfg_wr(at + 16, 1, 0);
	CU_ASSERT_EQUAL(rd(0x14, 1), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
}

static void test_reset(void)
{
	setup(true);
	wr(0x10, 2, 1);
	cfg_wr(p.msix.cap + 2, 2, 0x8000);
	virtio_pci_reset(&p);
	CU_ASSERT_EQUAL(rd(0x10, 2), PCI_MSIX_NO_VECTOR);
	CU_ASSERT_FALSE(pci_msix_enabled(&p.msix));
	/* the host bridge's reset: BARs and command back to 0 */
	pci_host_reset(&h);
	CU_ASSERT_EQUAL(cfg_rd(PCI_COMMAND, 2), 0);
	CU_ASSERT_EQUAL(cfg_rd(PCI_BAR0 + 4 * VIRTIO_PCI_BAR, 4), 0xc); /* 64-bit, prefetchable */
	CU_ASSERT_EQUAL(cfg_rd(0, 4), 0x10441af4);
}

/*
 * The driver's reset while requests are in flight (their I/O would write
 * RAM the driver reuses): the status reads non-zero, as the driver polls
 * it, and nothing it writes takes until the work ends; the vectors go at
 * once. A queue size of 0 is never taken.
 */
static void test_reset_waits(void)
{
	setup(true);
	wr(0x16, 2, 1); /* queue 1, not enabled: its size */
	wr(0x18, 2, 64);
	wr(0x18, 2, 0);
	CU_ASSERT_EQUAL(vd.queues[1].num, 64);
	wr(0x16, 2, 0);
	wr(0x10, 2, 1);
	vd.status = 0xf; /* the driver had it running */
	busy = true;
	wr(0x14, 1, 0);
	CU_ASSERT_EQUAL(rd(0x14, 1), 0xf);
	CU_ASSERT_EQUAL(rd(0x10, 2), PCI_MSIX_NO_VECTOR);
	CU_ASSERT_EQUAL(resets, 0);
	wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(0x16, 2, 1);
	CU_ASSERT_EQUAL(rd(0x16, 2), 0);
	CU_ASSERT_EQUAL(rd(0x14, 1), 0xf);
	virtio_core_settle(&vd);
	CU_ASSERT_EQUAL(rd(0x14, 1), 0xf);
	busy = false;
	virtio_core_settle(&vd);
	CU_ASSERT_EQUAL(rd(0x14, 1), 0);
	CU_ASSERT_EQUAL(resets, 1);
	wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	CU_ASSERT_EQUAL(rd(0x14, 1), VIRTIO_STATUS_ACKNOWLEDGE);
}

/* Another process's queues (a vhost-user daemon's), as vmm/vhost_worker.c hooks in. */
static int started, stopped;
static bool held;

static void running(void *ctx, bool on)
{
	(void)ctx;
	*(on ? &started : &stopped) += 1;
	held |= on; /* given back later, by the test */
}

static bool holds(void *ctx)
{
	(void)ctx;
	return held;
}

/*
 * A driver that clears DRIVER_OK with a plain status write, then resets:
 * the bit stays (a driver only adds bits), the daemon is asked for its
 * queues back at the reset, and the reset ends when it gave them.
 */
static void test_reset_stops_daemon(void)
{
	setup(true);
	started = stopped = 0;
	held = false;
	vd.running = running;
	vd.held = holds;
	vd.status = 0;
	wr(0x08, 4, 1); /* driver_feature_select 1: VERSION_1 */
	wr(0x00, 4, 1);
	wr(0x0c, 4, 1);
	wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	wr(0x14, 1, 0xf);
	CU_ASSERT_EQUAL(started, 1);
	wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	CU_ASSERT_EQUAL(rd(0x14, 1), 0xf);
	CU_ASSERT_EQUAL(stopped, 0);
	wr(0x14, 1, 0);
	CU_ASSERT_EQUAL(stopped, 1);
	CU_ASSERT_NOT_EQUAL(rd(0x14, 1), 0); /* the daemon still holds them */
	held = false;
	virtio_core_settle(&vd);
	CU_ASSERT_EQUAL(rd(0x14, 1), 0);
	/* a status write with no bit the driver may set reads back as before */
	wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(0x14, 1, VIRTIO_STATUS_NEEDS_RESET);
	CU_ASSERT_EQUAL(rd(0x14, 1), VIRTIO_STATUS_ACKNOWLEDGE);
}

const char unit_suite_name[] = "virtio_pci";
const struct unit_test unit_tests[] = {
	{ "IDs and capabilities", test_identity },
	{ "the common configuration", test_common_config },
	{ "notifications that reach the device", test_notify },
	{ "INTx and the ISR", test_intx },
	{ "MSI-X vectors", test_msix },
	{ "the PCI configuration access window", test_cfg_window },
	{ "resets", test_reset },
	{ "a reset waits for requests in flight", test_reset_waits },
	{ "a reset asks a daemon for its queues, DRIVER_OK cleared or not",
	  test_reset_stops_daemon },
	{ NULL, NULL },
};
