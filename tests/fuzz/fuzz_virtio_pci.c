/*
 * virtio-pci (virtio-rng behind it, MSI-X on) reached through the host
 * bridge: configuration space, the four regions of its BAR, the MSI-X
 * table and PBA, notifications served as the I/O thread would, and
 * interrupts raised. Whatever the guest writes: a message goes out only
 * for a vector of the table, aimed at the ITS, while MSI-X is enabled and
 * the vector unmasked; INTx rises only without MSI-X; the IDs stay; queue
 * work touches guest RAM only (ASan).
 */
#include <string.h>

#include "a64vm/memmap.h"
#include "a64vm/virtio_pci.h"
#include "a64vm/virtio_rng.h"
#include "fuzz.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (64u << 10)
#define BAR4_AT 0x10004000ull
#define MSIX_AT 0x10001000ull
#define DOORBELL MEMMAP_GIC_ITS_TRANSLATER

static uint8_t ram[RAM_SIZE];
static struct guest_mem mem = { .base = RAM_BASE, .size = RAM_SIZE, .hva = ram };
static struct pci_host h;
static struct virtio_dev vd;
static struct virtio_pci p;
static int notified = -1;

static ssize_t rng_fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
	return (ssize_t)len;
}

static const struct virtio_rng_backend rng_be = { .fill = rng_fill };

static void set_intx(void *ctx, bool level)
{
	(void)ctx;
	FUZZ_CHECK(!level || !pci_msix_enabled(&p.msix));
}

static void deliver(void *ctx, unsigned v)
{
	(void)ctx;
	FUZZ_CHECK(v < p.msix.nvec && pci_msix_enabled(&p.msix));
	FUZZ_CHECK(!(p.msix.table[v].ctrl & 1));
	FUZZ_CHECK(pci_msix_address(&p.msix, v) == DOORBELL);
}

static void hand_on(void *ctx, unsigned q)
{
	(void)ctx;
	notified = (int)q;
}

static void cfg_wr(unsigned reg, unsigned size, uint32_t v)
{
	pci_host_ecam_write(&h, 1u << 15 | reg, size, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtio_rng rng = { .be = &rng_be };
	struct fuzz_in in = { data, size };
	size_t fill = in.left < RAM_SIZE / 4 ? in.left / 2 : RAM_SIZE / 4;

	memset(ram, 0, sizeof(ram));
	memcpy(ram, in.p, fill); /* rings and buffers, wherever the driver puts them */
	in.p += fill;
	in.left -= fill;
	pci_host_init(&h);
	virtio_dev_init(&vd, &virtio_rng_ops, &rng, &mem, NULL, NULL);
	vd.notify = hand_on;
	FUZZ_CHECK(!virtio_pci_init(&p, &vd, 0xff0000, &(struct virtio_pci_wiring){
		.set_intx = set_intx, .msix_doorbell = DOORBELL, .msix_deliver = deliver }));
	FUZZ_CHECK(!pci_host_attach(&h, 1, &p.fn));
	cfg_wr(PCI_BAR0 + 4 * VIRTIO_PCI_BAR, 4, (uint32_t)BAR4_AT);
	cfg_wr(PCI_BAR0 + 4 * VIRTIO_PCI_MSIX_BAR, 4, (uint32_t)MSIX_AT);
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	while (in.left) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		unsigned width = 1u << ((op >> 1) & 3);
		uint64_t off = fuzz_take(&in, 2), v = op & 1 ? fuzz_take(&in, 8) : 0;

		switch (op >> 4 & 3) {
		case 0: /* configuration space */
			width = width > 4 ? 4 : width;
			if (op & 1)
				pci_host_ecam_write(&h, 1u << 15 | (off & 0xfff), width, v);
			else
				pci_host_ecam_read(&h, 1u << 15 | (off & 0xfff), width);
			break;
		case 1: /* the virtio BAR, wherever the guest left it */
		case 2: /* the MSI-X BAR */
			off = ((op >> 4 & 3) == 1 ? BAR4_AT : MSIX_AT) + (off & 0x3fff);
			if (op & 1)
				pci_host_bar_write(&h, PCI_SPACE_MEM, off, width, v);
			else
				pci_host_bar_read(&h, PCI_SPACE_MEM, off, width);
			break;
		default: /* the device's side: serve a notified queue, raise an interrupt */
			if (notified >= 0)
				virtio_dev_service(&vd, (unsigned)notified);
			notified = -1;
			vd.irq(vd.irq_ctx, op & 0x40 ? VIRTIO_IRQ_CONFIG : (op >> 6) & 1);
			break;
		}
	}
	FUZZ_CHECK(pci_config_get(&p.fn.cfg, 0, 4) == 0x10441af4);
	return 0;
}
