/*
 * virtio-pci (virtio-rng, or virtio-blk on a backend that answers later,
 * behind it; MSI-X on) reached through the host bridge: configuration
 * space, the four regions of its BAR, the MSI-X table and PBA,
 * notifications served as the I/O thread would, the disk's I/O finished
 * whenever the input says, and interrupts raised. Whatever the guest
 * writes: a message goes out only for a vector of the table, aimed at the
 * ITS, while MSI-X is enabled and the vector unmasked; INTx rises only
 * without MSI-X; the IDs stay; the status reads 0 only when no I/O is in
 * flight; queue work and late answers touch guest RAM only (ASan), never
 * divide by a queue size of 0 (UBSan).
 */
#include <errno.h>
#include <string.h>

#include "a64vm/memmap.h"
#include "a64vm/virtio_blk.h"
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
static struct virtio_core vd;
static struct virtio_pci p;
static int notified = -1;

static ssize_t rng_fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
	return (ssize_t)len;
}

static const struct virtio_rng_backend rng_be = { .fill = rng_fill };

/* The disk: reads and writes wait here until the input finishes them. */
#define PENDING_MAX 16
static struct virtio_blk_io *pending[PENDING_MAX];
static unsigned npending;

static int async_submit(void *ctx, struct virtio_blk_io *io)
{
	(void)ctx;
	if (npending == PENDING_MAX)
		return -EBUSY;
	pending[npending++] = io;
	return 0;
}

static int sync_transfer(void *ctx, struct iovec *iov, int n, uint64_t pos, bool write)
{
	(void)ctx;
	(void)pos;
	for (int i = 0; i < n && !write; i++)
		memset(iov[i].iov_base, 0x77, iov[i].iov_len);
	return 0;
}

static int no_punch(void *ctx, uint64_t pos, uint64_t len)
{
	(void)ctx;
	(void)pos;
	(void)len;
	return -EOPNOTSUPP;
}

static int no_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct virtio_blk_backend disk_be = {
	.transfer = sync_transfer, .punch = no_punch, .flush = no_flush,
	.submit = async_submit, .submits_writes = true,
};

/* The oldest request in flight ends (ok: all its bytes, else an error). */
static void finish_one(struct virtio_blk *blk, bool ok)
{
	struct virtio_blk_io *io = pending[0];

	if (!npending)
		return;
	memmove(pending, pending + 1, --npending * sizeof(pending[0]));
	if (ok && io->type == VIRTIO_BLK_T_IN)
		sync_transfer(NULL, io->iov, io->niov, io->pos, false);
	virtio_blk_complete(blk, &vd, io, !ok ? -5 : io->type == VIRTIO_BLK_T_FLUSH ? 0
								       : (int64_t)io->len);
	virtio_blk_interrupts(blk, &vd);
}

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
	static struct virtio_blk blk;
	struct fuzz_in in = { data, size };
	bool disk = fuzz_take(&in, 1) & 1; /* the device: rng, or the disk */
	size_t fill = in.left < RAM_SIZE / 4 ? in.left / 2 : RAM_SIZE / 4;

	memset(ram, 0, sizeof(ram));
	memcpy(ram, in.p, fill); /* rings and buffers, wherever the driver puts them */
	in.p += fill;
	in.left -= fill;
	pci_host_init(&h);
	npending = 0;
	blk = (struct virtio_blk){ .be = &disk_be, .sectors = 2048, .num_queues = 1 };
	FUZZ_CHECK(!virtio_blk_async_init(&blk));
	if (disk)
		virtio_core_init(&vd, &virtio_blk_ops, &blk, &mem, NULL, NULL);
	else
		virtio_core_init(&vd, &virtio_rng_ops, &rng, &mem, NULL, NULL);
	vd.notify = hand_on;
	FUZZ_CHECK(!virtio_pci_init(&p, &vd, disk ? 0x010000 : 0xff0000, &(struct virtio_pci_wiring){
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
		default: /* the device's side: serve, finish the disk's I/O, interrupt */
			if (op & 0x80) {
				finish_one(&blk, !(op & 0x40));
				break;
			}
			if (notified >= 0)
				virtio_core_service(&vd, (unsigned)notified);
			notified = -1;
			vd.irq(vd.irq_ctx, op & 0x40 ? VIRTIO_IRQ_CONFIG : (op >> 6) & 1);
			break;
		}
		/* The driver may reuse the rings' RAM once the status reads 0. */
		FUZZ_CHECK(virtio_core_status(&vd) || !npending);
	}
	FUZZ_CHECK(pci_config_get(&p.fn.cfg, 0, 4) == (disk ? 0x10421af4u : 0x10441af4u));
	while (npending)
		finish_one(&blk, true);
	virtio_blk_async_fini(&blk);
	return 0;
}
