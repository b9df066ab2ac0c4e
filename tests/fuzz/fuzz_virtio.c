/*
 * Virtqueues and the virtio device service loops with random rings: the
 * input fills 64 KiB of guest RAM (descriptor tables, rings, buffers) and
 * chooses a device kind, its negotiated features and the queue's layout,
 * then the device serves the queue as the I/O thread would. Nothing may
 * touch memory outside guest RAM (ASan), hang, or push more than it took.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "a64vm/virtio_blk.h"
#include "a64vm/virtio_console.h"
#include "a64vm/virtio_mmio.h"
#include "a64vm/virtio_net.h"
#include "a64vm/virtio_rng.h"
#include "fuzz.h"
#include "ram_disk.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (64u << 10)

static uint8_t ram[RAM_SIZE];
static struct guest_mem mem = { .base = RAM_BASE, .size = RAM_SIZE, .hva = ram };
static unsigned frames; /* what the tap backend has to give this run */

static void no_irq(void *ctx, unsigned source)
{
	(void)ctx;
	(void)source;
}

static ssize_t rng_fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
	return (ssize_t)len;
}

static ssize_t net_recv(void *ctx, uint8_t *buf, size_t cap)
{
	size_t len = 12 + 60 * frames;

	(void)ctx;
	if (!frames || len > cap)
		return 0;
	frames--;
	memset(buf, 0xab, len);
	return (ssize_t)len;
}

static void net_send(void *ctx, const struct iovec *iov, unsigned n)
{
	(void)ctx;
	for (unsigned i = 0; i < n; i++)
		FUZZ_CHECK(iov[i].iov_len == 0 || iov[i].iov_base != NULL);
}

static void net_flag(void *ctx, bool on)
{
	(void)ctx;
	(void)on;
}

static void console_write(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	FUZZ_CHECK(buf >= ram && buf + len <= ram + RAM_SIZE);
}

static void console_room(void *ctx)
{
	(void)ctx;
}

static const struct virtio_console_backend console_be = {
	.write = console_write, .input_ready = console_room,
};
static const struct virtio_rng_backend rng_be = { .fill = rng_fill };
static const struct virtio_net_backend net_be = {
	.recv = net_recv, .send = net_send, .want_frames = net_flag, .set_csum = net_flag,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtio_core t;
	static struct virtio_blk blk;
	static struct ram_disk disk;
	static struct virtio_net net;
	static struct virtio_console con;
	static struct virtio_rng rng = { .be = &rng_be };
	static const struct virtio_core_ops *const kinds[] = {
		&virtio_blk_ops, &virtio_net_ops, &virtio_rng_ops, &virtio_console_ops,
	};
	void *const devs[] = { &blk, &net, &rng, &con };
	struct fuzz_in in = { data, size };
	unsigned kind = (unsigned)fuzz_take(&in, 1) % 4;
	uint64_t features = fuzz_take(&in, 8);
	unsigned q = (unsigned)fuzz_take(&in, 1) % kinds[kind]->nqueues;
	struct virtq *vq;
	size_t fill;

	frames = (features >> 8) & 3;
	blk = (struct virtio_blk){ .be = &ram_disk_backend, .be_ctx = &disk,
				   .sectors = RAM_DISK_SECTORS, .read_only = features & 1,
				   .num_queues = 1 };
	net = (struct virtio_net){ .be = &net_be };
	con = (struct virtio_console){ .be = &console_be };
	virtio_core_init(&t, kinds[kind], devs[kind], &mem, no_irq, NULL);
	t.status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;
	t.driver_features = features;
	vq = &t.queues[q];
	vq->num = (uint16_t)(1u << (fuzz_take(&in, 1) % 9));
	vq->desc = RAM_BASE + (fuzz_take(&in, 2) & ~15ull);
	vq->avail = RAM_BASE + (fuzz_take(&in, 2) & ~1ull);
	vq->used = RAM_BASE + (fuzz_take(&in, 2) & ~3ull);
	vq->indirect = features & VIRTIO_F_RING_INDIRECT_DESC;
	vq->event_idx = features & VIRTIO_F_RING_EVENT_IDX;
	if (virtq_check_layout(vq, &mem))
		return 0;
	vq->ready = true;
	fill = in.left < RAM_SIZE ? in.left : RAM_SIZE;
	memcpy(ram, in.p, fill);
	memset(ram + fill, 0, RAM_SIZE - fill);
	in.p += fill;
	in.left -= fill;
	virtio_core_service(&t, q);
	if (kind == 1 && q == VIRTIO_NET_RX)
		virtio_net_frames_ready(&net, &t);
	if (kind == 3 && q == VIRTIO_CONSOLE_RX)
		virtio_console_input(&con, &t, (const uint8_t *)"typed", 5);
	return 0;
}
