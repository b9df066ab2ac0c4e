#include "a64vm/virtio_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "a64vm/arch.h"
#include "a64vm/config.h"
#include "a64vm/console.h"
#include "a64vm/device_list.h"
#include "a64vm/disk.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/memory.h"
#include "a64vm/start_gate.h"
#include "a64vm/tap.h"
#include "a64vm/virtio_blk.h"
#include "a64vm/virtio_console.h"
#include "a64vm/virtio_io.h"
#include "a64vm/virtio_mmio.h"
#include "a64vm/virtio_net.h"
#include "a64vm/virtio_rng.h"

static const struct device_dt virtio_dt = {
	.name = "virtio_mmio", DEVICE_DT_COMPATIBLE("virtio,mmio"),
	.edge_irq = true, /* irqfd pulses */
	.dma_coherent = true,
};

struct vdev;

/* A queue's notify eventfd, as the I/O thread hands it back. */
struct queue_ref {
	struct vdev *dev;
	unsigned queue;
	int fd;
};

struct kind;

/* A device in its slot: the transport, its kind's state and the wiring. */
struct vdev {
	struct virtio_devices *owner;
	const struct kind *kind;
	char name[32];
	uint64_t base;
	unsigned spi;
	pthread_mutex_t lock; /* registers and queue work, one at a time */
	struct virtio_mmio t;
	int irq_fd;
	struct queue_ref queues[VIRTIO_MAX_QUEUES];
	void *state; /* the model, in k: what the transport serves */
	union {	     /* each kind's own, set up by its open */
		struct {
			struct virtio_blk blk;
			struct disk disk;
		} blk;
		struct virtio_rng rng;
		struct virtio_console con;
		struct {
			struct virtio_net *net; /* large: allocated */
			struct tap tap;
		} net;
	} k;
};

struct virtio_devices {
	struct virtio_wiring w;
	struct virtio_io *io;
	unsigned n;
	struct vdev *devs;
	struct vdev *console; /* --console virtio */
};

/* A device kind: how many the configuration asks for, and opening one. */
struct kind {
	const struct virtio_dev_ops *ops;
	unsigned (*count)(const struct config *cfg);
	int (*open)(struct virtio_devices *v, struct vdev *d, unsigned index);
	void (*close)(struct vdev *d);
};

static int open_disk(struct virtio_devices *v, struct vdev *d, unsigned index)
{
	const struct config_disk *cfg = &v->w.cfg->disks[index];
	struct virtio_blk *b = &d->k.blk.blk;
	struct disk *disk = &d->k.blk.disk;
	int ret = disk_open(cfg, disk);

	snprintf(d->name, sizeof(d->name), "virtio-blk%u", index);
	if (ret)
		return ret;
	*b = (struct virtio_blk){ .be = &disk_backend, .be_ctx = disk,
				  .read_only = cfg->read_only, .sectors = disk->sectors,
				  .stopping = virtio_io_stopping(v->io) };
	memcpy(b->serial, cfg->serial, strnlen(cfg->serial, sizeof(b->serial)));
	d->state = b;
	return 0;
}

static void close_disk(struct vdev *d)
{
	disk_close(&d->k.blk.disk);
}

static unsigned count_disks(const struct config *cfg)
{
	return cfg->ndisks;
}

static ssize_t host_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	return getrandom(buf, len, 0);
}

static const struct virtio_rng_backend host_entropy = { .fill = host_random };

static int open_rng(struct virtio_devices *v, struct vdev *d, unsigned index)
{
	(void)v;
	(void)index;
	snprintf(d->name, sizeof(d->name), "virtio-rng");
	d->k.rng = (struct virtio_rng){ .be = &host_entropy };
	d->state = &d->k.rng;
	return 0;
}

static unsigned count_rng(const struct config *cfg)
{
	return cfg->rng;
}

static void on_tap(void *ctx)
{
	struct vdev *d = ctx;

	pthread_mutex_lock(&d->lock);
	virtio_net_frames_ready(d->k.net.net, &d->t);
	pthread_mutex_unlock(&d->lock);
}

static int open_net(struct virtio_devices *v, struct vdev *d, unsigned index)
{
	const struct config_net *cfg = &v->w.cfg->net;
	struct virtio_net *net = calloc(1, sizeof(*net));
	int ret;

	(void)index;
	snprintf(d->name, sizeof(d->name), "virtio-net");
	d->k.net.net = net;
	d->k.net.tap.fd = -1;
	if (!net)
		return -ENOMEM;
	ret = tap_open(cfg->tap, v->io, &d->k.net.tap);
	if (ret)
		return ret;
	memcpy(net->mac, cfg->mac, sizeof(net->mac));
	net->be = &tap_backend;
	net->be_ctx = &d->k.net.tap;
	d->state = net;
	return virtio_io_watch(v->io, d->k.net.tap.fd, false, on_tap, d);
}

static void close_net(struct vdev *d)
{
	tap_close(&d->k.net.tap);
	free(d->k.net.net);
}

static unsigned count_net(const struct config *cfg)
{
	return cfg->net.enabled;
}

static int open_console(struct virtio_devices *v, struct vdev *d, unsigned index)
{
	(void)index;
	snprintf(d->name, sizeof(d->name), "virtio-console");
	d->k.con = (struct virtio_console){ .be = &console_virtio_backend,
					    .be_ctx = v->w.console };
	d->state = &d->k.con;
	v->console = d;
	return 0;
}

static unsigned count_console(const struct config *cfg)
{
	return cfg->console_virtio;
}

/* The kinds in slot order: disks first, as vda, vdb... */
static const struct kind kinds[] = {
	{ &virtio_blk_ops, count_disks, open_disk, close_disk },
	{ &virtio_rng_ops, count_rng, open_rng, NULL },
	{ &virtio_net_ops, count_net, open_net, close_net },
	{ &virtio_console_ops, count_console, open_console, NULL },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static void raise_irq(void *ctx)
{
	struct vdev *d = ctx;
	uint64_t one = 1;

	if (write(d->irq_fd, &one, sizeof(one)) < 0)
		log_ratelimited(LOG_ERROR, "%s: cannot raise its interrupt: %s", d->name,
				strerror(errno));
}

/* A notify through the queue's ioeventfd: served on the I/O thread. */
static void on_notify(void *ctx)
{
	struct queue_ref *q = ctx;
	uint64_t count;

	if (read(q->fd, &count, sizeof(count)) < 0)
		return;
	pthread_mutex_lock(&q->dev->lock);
	virtio_mmio_service(&q->dev->t, q->queue);
	pthread_mutex_unlock(&q->dev->lock);
}

/*
 * A notify KVM could not turn into an ioeventfd signal (an NISV store, on a
 * vCPU thread): signal the queue's eventfd, so the I/O thread serves it.
 */
static void hand_notify(void *ctx, unsigned queue)
{
	struct vdev *d = ctx;
	uint64_t one = 1;

	if (queue < VIRTIO_MAX_QUEUES && d->queues[queue].fd >= 0 &&
	    write(d->queues[queue].fd, &one, sizeof(one)) < 0)
		log_ratelimited(LOG_ERROR, "%s: cannot pass a notify on: %s", d->name,
				strerror(errno));
}

/* The irqfd for the interrupt, an ioeventfd per queue for notifies. */
static int wire(struct virtio_devices *v, struct vdev *d)
{
	int vm_fd = v->w.vm_fd, ret;

	d->irq_fd = virtio_io_irq_fd(vm_fd, gic_spi_gsi(d->spi));
	if (d->irq_fd < 0) {
		log_error("%s: KVM_IRQFD: %s", d->name, strerror(-d->irq_fd));
		return d->irq_fd;
	}
	for (unsigned q = 0; q < d->kind->ops->nqueues; q++) {
		struct queue_ref *r = &d->queues[q];

		r->fd = virtio_io_notify_fd(vm_fd, d->base + VIRTIO_MMIO_QUEUE_NOTIFY, q);
		ret = r->fd < 0 ? r->fd : virtio_io_watch(v->io, r->fd, true, on_notify, r);
		if (ret) {
			log_error("%s: KVM_IOEVENTFD: %s", d->name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int add_device(struct virtio_devices *v, const struct kind *k, unsigned index)
{
	unsigned slot = v->n++;
	struct vdev *d = &v->devs[slot];
	int ret;

	d->owner = v;
	d->kind = k;
	d->base = MEMMAP_VIRTIO_BASE + slot * MEMMAP_VIRTIO_SLOT_SIZE;
	d->spi = MEMMAP_VIRTIO_SPI + slot;
	d->irq_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->queues[q] = (struct queue_ref){ .dev = d, .queue = q, .fd = -1 };
	pthread_mutex_init(&d->lock, NULL);
	ret = k->open(v, d, index);
	if (ret)
		return ret;
	virtio_mmio_init(&d->t, k->ops, d->state, v->w.mem, raise_irq, d);
	d->t.stopping = virtio_io_stopping(v->io);
	d->t.notify = hand_notify;
	d->t.notify_ctx = d;
	ret = wire(v, d);
	if (!ret)
		ret = device_list_add(v->w.devices, &(struct mmio_region){
			.name = d->name, .base = d->base, .size = MEMMAP_VIRTIO_SLOT_SIZE,
			.read = virtio_mmio_read, .write = virtio_mmio_write, .opaque = &d->t,
			.lock = &d->lock }, &(struct dtb_device){
			.dt = &virtio_dt, .base = d->base, .size = MEMMAP_VIRTIO_SLOT_SIZE,
			.spi = (int)d->spi });
	return ret;
}

int virtio_devices_create(const struct virtio_wiring *w, struct virtio_devices **out)
{
	struct virtio_devices *v = calloc(1, sizeof(*v));
	unsigned total = 0;
	int ret;

	if (!v)
		return -ENOMEM;
	v->w = *w;
	*out = v;
	for (unsigned k = 0; k < NKINDS; k++)
		total += kinds[k].count(w->cfg);
	if (total > MEMMAP_VIRTIO_SLOTS) {
		log_error("%u virtio devices asked for; the memory map has %u slots",
			  total, MEMMAP_VIRTIO_SLOTS);
		return -ENOSPC;
	}
	ret = virtio_io_create(&v->io);
	v->devs = total ? calloc(total, sizeof(*v->devs)) : NULL;
	if (!ret && total && !v->devs)
		ret = -ENOMEM;
	for (unsigned k = 0; k < NKINDS && !ret; k++)
		for (unsigned i = 0; i < kinds[k].count(w->cfg) && !ret; i++)
			ret = add_device(v, &kinds[k], i);
	return ret;
}

static bool io_thread_start(void *ctx)
{
	struct virtio_devices *v = ctx;

	return start_gate_pass(v->w.gate, SECCOMP_IO, "virtio-io", true);
}

int virtio_devices_start(struct virtio_devices *v)
{
	return virtio_io_start(v->io, io_thread_start, v);
}

void virtio_devices_stop(struct virtio_devices *v)
{
	if (v)
		virtio_io_stop(v->io);
}

void virtio_devices_reset(struct virtio_devices *v)
{
	for (unsigned i = 0; v && i < v->n; i++) {
		pthread_mutex_lock(&v->devs[i].lock);
		virtio_mmio_reset(&v->devs[i].t);
		pthread_mutex_unlock(&v->devs[i].lock);
	}
}

void virtio_devices_destroy(struct virtio_devices *v)
{
	if (!v)
		return;
	virtio_io_destroy(v->io);
	for (unsigned i = 0; i < v->n; i++) {
		struct vdev *d = &v->devs[i];

		for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
			if (d->queues[q].fd >= 0)
				close(d->queues[q].fd);
		if (d->irq_fd >= 0)
			close(d->irq_fd);
		if (d->kind->close)
			d->kind->close(d);
		pthread_mutex_destroy(&d->lock);
	}
	free(v->devs);
	free(v);
}

size_t virtio_devices_console_input(struct virtio_devices *v, const uint8_t *buf,
				    size_t len)
{
	struct vdev *d = v ? v->console : NULL;
	size_t taken;

	if (!d)
		return 0;
	pthread_mutex_lock(&d->lock);
	taken = virtio_console_input(&d->k.con, &d->t, buf, len);
	pthread_mutex_unlock(&d->lock);
	return taken;
}
