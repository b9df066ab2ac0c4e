/*
 * virtio-blk's host side: a raw image (vmm/disk.c), its requests on
 * io_uring (vmm/disk_uring.c) or synchronous, a request queue per vCPU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/disk.h"
#include "a64vm/disk_uring.h"
#include "a64vm/log.h"
#include "a64vm/virtio_blk.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_slot.h"

_Static_assert(VIRTIO_BLK_MAX_QUEUES <= VIRTIO_MAX_QUEUES, "a disk's queues fit");

struct blk_dev {
	struct virtio_slot *slot;
	struct virtio_blk blk;
	struct disk disk;
};

/* io_uring's completions: answered under the device's lock, one interrupt a queue. */
static void blk_done(void *ctx, struct virtio_blk_io *io, int64_t result)
{
	struct blk_dev *b = ctx;

	virtio_blk_complete(&b->blk, virtio_slot_core(b->slot), io, result);
}

static void on_completions(void *ctx)
{
	struct blk_dev *b = ctx;

	virtio_slot_lock(b->slot);
	disk_uring_reap(&b->disk, blk_done, b);
	virtio_blk_interrupts(&b->blk, virtio_slot_core(b->slot));
	virtio_slot_settle(b->slot);
	virtio_slot_unlock(b->slot);
}

/* A ring for every request the disk's queues can hold, or synchronous I/O. */
static int open_aio(struct blk_dev *b, const struct virtio_blk_options *o)
{
	const char *name = virtio_slot_name(b->slot);
	int ret = o->aio == VIRTIO_BLK_AIO_SYNC ? 0
		  : disk_uring_open(&b->disk, b->blk.num_queues * VIRTQ_MAX_SIZE);

	if (o->aio == VIRTIO_BLK_AIO_SYNC || (ret && o->aio == VIRTIO_BLK_AIO_AUTO)) {
		if (ret)
			log_debug("%s: no io_uring here (%s): synchronous I/O", name,
				  strerror(-ret));
		return 0;
	}
	if (!ret)
		ret = virtio_blk_async_init(&b->blk);
	if (!ret)
		ret = virtio_slot_watch(b->slot, disk_uring_event_fd(&b->disk), true,
					on_completions, b);
	if (ret) {
		log_error("--disk %s,aio=io_uring: %s", o->path, strerror(-ret));
		return ret;
	}
	b->blk.be = &disk_uring_backend;
	log_debug("%s: io_uring, %u request queues", name, b->blk.num_queues);
	return 0;
}

static int blk_open(const struct virtio_kind_ctx *ctx, void **priv)
{
	struct virtio_blk_options o;
	struct blk_dev *b = calloc(1, sizeof(*b));
	int ret;

	*priv = b;
	if (!b)
		return -ENOMEM;
	b->slot = ctx->slot;
	b->disk.fd = -1;
	virtio_slot_set_name(ctx->slot, "virtio-blk%u", ctx->index);
	if (virtio_blk_parse_options(ctx->value, &o))
		return -EINVAL; /* checked when parsed: cannot happen */
	ret = disk_open(&o, &b->disk);
	if (ret)
		return ret;
	b->blk = (struct virtio_blk){ .be = &disk_backend, .be_ctx = &b->disk,
				      .read_only = o.read_only, .sectors = b->disk.sectors,
				      .stopping = virtio_slot_stopping(ctx->slot) };
	/* Decided here, once: a queue per vCPU, so that each answers the vCPU that asked. */
	b->blk.num_queues = o.queues ? o.queues
			  : ctx->cfg->cpus < VIRTIO_BLK_MAX_QUEUES ? ctx->cfg->cpus
								   : VIRTIO_BLK_MAX_QUEUES;
	memcpy(b->blk.serial, o.serial, strnlen(o.serial, sizeof(b->blk.serial)));
	virtio_slot_set_model(ctx->slot, &b->blk);
	return open_aio(b, &o);
}

static void blk_close(struct virtio_slot *s, void *priv)
{
	struct blk_dev *b = priv;
	struct virtio_core *t = virtio_slot_core(s);

	if (!b)
		return;
	if (b->blk.ios)
		log_debug("%s: %llu requests, %llu queue interrupts", virtio_slot_name(s),
			  (unsigned long long)t->requests, (unsigned long long)t->interrupts);
	disk_uring_close(&b->disk);
	virtio_blk_async_fini(&b->blk);
	disk_close(&b->disk);
	free(b);
}

const struct virtio_kind blk_kind = {
	.ops = &virtio_blk_ops, .pci_class = 0x010000, .options = virtio_blk_cli,
	.adds = "disk", .open = blk_open, .close = blk_close,
};
