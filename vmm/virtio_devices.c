#include "a64vm/virtio_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
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
#include "a64vm/pci_bus.h"
#include "a64vm/start_gate.h"
#include "a64vm/tap.h"
#include "a64vm/virtio_blk.h"
#include "a64vm/virtio_console.h"
#include "a64vm/virtio_io.h"
#include "a64vm/virtio_mmio.h"
#include "a64vm/virtio_net.h"
#include "a64vm/virtio_pci.h"
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

/* virtio-pci's side of a device: the function, its slot, its vectors. */
struct vdev_pci {
	struct virtio_pci p;
	unsigned slot;
	struct pci_bus_msix msix;
	uint64_t msix_sent, intx_raised; /* said at exit, at debug level */
};

/* A device in its slot: the transport, its kind's state and the wiring. */
struct vdev {
	struct virtio_devices *owner;
	const struct kind *kind;
	char name[32];
	uint64_t base; /* virtio-mmio: the slot's registers, and its SPI */
	unsigned spi;
	struct vdev_pci *pci; /* virtio-pci: NULL on virtio-mmio */
	pthread_mutex_t lock; /* registers and queue work, one at a time */
	struct virtio_dev t;
	int irq_fd; /* virtio-mmio's interrupt */
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
	unsigned n, mmio_slots;
	struct vdev *devs;
	struct vdev *console; /* --console virtio */
};

/* A device kind: how many the configuration asks for, and opening one. */
struct kind {
	const struct virtio_dev_ops *ops;
	uint32_t pci_class; /* base, sub, interface: as QEMU's virtio-*-pci */
	unsigned (*count)(const struct config *cfg);
	/* Device index's own transport choice (NULL: none, the machine's). */
	enum config_transport (*transport)(const struct config *cfg, unsigned index);
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

static enum config_transport disk_transport(const struct config *cfg, unsigned index)
{
	return cfg->disks[index].transport;
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

static enum config_transport net_transport(const struct config *cfg, unsigned index)
{
	(void)index;
	return cfg->net.transport;
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
	{ &virtio_blk_ops, 0x010000, count_disks, disk_transport, open_disk, close_disk },
	{ &virtio_rng_ops, 0xff0000, count_rng, NULL, open_rng, NULL },
	{ &virtio_net_ops, 0x020000, count_net, net_transport, open_net, close_net },
	{ &virtio_console_ops, 0x078000, count_console, NULL, open_console, NULL },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static void raise_irq(void *ctx, unsigned source)
{
	struct vdev *d = ctx;
	uint64_t one = 1;

	(void)source; /* virtio-mmio has one interrupt */
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
	virtio_dev_service(&q->dev->t, q->queue);
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

/* The queue's notify eventfd, served by the I/O thread. */
static int queue_fd(struct virtio_devices *v, struct queue_ref *r)
{
	int ret;

	r->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->fd < 0)
		return -errno;
	ret = virtio_io_watch(v->io, r->fd, true, on_notify, r);
	return ret;
}

/* virtio-mmio: the irqfd for the interrupt, an ioeventfd per queue. */
static int wire_mmio(struct virtio_devices *v, struct vdev *d)
{
	int vm_fd = v->w.vm_fd, ret;

	d->base = MEMMAP_VIRTIO_BASE + v->mmio_slots * MEMMAP_VIRTIO_SLOT_SIZE;
	d->spi = MEMMAP_VIRTIO_SPI + v->mmio_slots++;
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
	return device_list_add(v->w.devices, &(struct mmio_region){
		.name = d->name, .base = d->base, .size = MEMMAP_VIRTIO_SLOT_SIZE,
		.read = virtio_mmio_read, .write = virtio_mmio_write, .opaque = &d->t,
		.lock = &d->lock }, &(struct dtb_device){
		.dt = &virtio_dt, .base = d->base, .size = MEMMAP_VIRTIO_SLOT_SIZE,
		.spi = (int)d->spi });
}

/*
 * virtio-pci's hooks: the host bridge calls them under its lock; each
 * takes the device's, as the I/O thread's queue work does.
 */
static uint64_t pci_bar_read(void *ctx, unsigned bar, uint64_t off, unsigned size)
{
	struct vdev *d = ctx;
	uint64_t v;

	pthread_mutex_lock(&d->lock);
	v = virtio_pci_bar_read(&d->pci->p, bar, off, size);
	pthread_mutex_unlock(&d->lock);
	return v;
}

static void pci_bar_write(void *ctx, unsigned bar, uint64_t off, unsigned size,
			  uint64_t val)
{
	struct vdev *d = ctx;

	pthread_mutex_lock(&d->lock);
	virtio_pci_bar_write(&d->pci->p, bar, off, size, val);
	pthread_mutex_unlock(&d->lock);
}

static void pci_config_written(void *ctx, unsigned off, unsigned size)
{
	struct vdev *d = ctx;

	pthread_mutex_lock(&d->lock);
	virtio_pci_config_written(&d->pci->p, off, size);
	pthread_mutex_unlock(&d->lock);
}

static void pci_config_reading(void *ctx, unsigned off, unsigned size)
{
	struct vdev *d = ctx;

	pthread_mutex_lock(&d->lock);
	virtio_pci_config_reading(&d->pci->p, off, size);
	pthread_mutex_unlock(&d->lock);
}

static void pci_set_intx(void *ctx, bool level)
{
	struct vdev *d = ctx;

	d->pci->intx_raised += level;
	pci_bus_set_intx(d->owner->w.pci, d->pci->slot, 1, level);
}

static void pci_msix_deliver(void *ctx, unsigned vector)
{
	struct vdev *d = ctx;

	d->pci->msix_sent++;
	pci_bus_msix_deliver(&d->pci->msix, vector);
}

static void pci_msix_changed(void *ctx, unsigned vector)
{
	pci_bus_msix_changed(&((struct vdev *)ctx)->pci->msix, vector);
}

/* virtio-pci: the function in the next slot, a doorbell per queue, MSI-X. */
static int wire_pci(struct virtio_devices *v, struct vdev *d)
{
	struct pci_bus *bus = v->w.pci;
	struct vdev_pci *vp = calloc(1, sizeof(*vp));
	int ret;

	d->pci = vp;
	if (!vp)
		return -ENOMEM;
	ret = virtio_pci_init(&vp->p, &d->t, d->kind->pci_class, &(struct virtio_pci_wiring){
		.set_intx = pci_set_intx, .msix_doorbell = pci_bus_msi_doorbell(bus),
		.msix_deliver = pci_msix_deliver, .msix_changed = pci_msix_changed, .ctx = d });
	vp->p.fn.bar_read = pci_bar_read;
	vp->p.fn.bar_write = pci_bar_write;
	vp->p.fn.config_written = pci_config_written;
	vp->p.fn.config_reading = pci_config_reading;
	vp->p.fn.ctx = d;
	if (!ret)
		ret = pci_bus_add(bus, &vp->p.fn);
	if (ret < 0) {
		log_error("%s: no room on the PCI bus: %s", d->name, strerror(-ret));
		return ret;
	}
	vp->slot = (unsigned)ret;
	snprintf(d->name + strlen(d->name), sizeof(d->name) - strlen(d->name),
		 " (00:%02x.0)", vp->slot);
	ret = vp->p.has_msix ? pci_bus_msix_init(bus, &vp->msix, &vp->p.msix, vp->slot) : 0;
	for (unsigned q = 0; q < d->kind->ops->nqueues && ret >= 0; q++) {
		ret = queue_fd(v, &d->queues[q]);
		if (!ret)
			ret = pci_bus_doorbell(bus, &vp->p.fn, VIRTIO_PCI_BAR,
					       virtio_pci_notify_offset(q), 2, false, 0,
					       d->queues[q].fd, true);
	}
	if (ret < 0)
		log_error("%s: %s", d->name, strerror(-ret));
	return ret < 0 ? ret : 0;
}

static int add_device(struct virtio_devices *v, const struct kind *k, unsigned index)
{
	struct vdev *d = &v->devs[v->n++];
	enum config_transport own = k->transport ? k->transport(v->w.cfg, index)
						 : CONFIG_TRANSPORT_DEFAULT;
	int ret;

	d->owner = v;
	d->kind = k;
	d->irq_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->queues[q] = (struct queue_ref){ .dev = d, .queue = q, .fd = -1 };
	pthread_mutex_init(&d->lock, NULL);
	ret = k->open(v, d, index);
	if (ret)
		return ret;
	virtio_dev_init(&d->t, k->ops, d->state, v->w.mem, raise_irq, d);
	d->t.stopping = virtio_io_stopping(v->io);
	d->t.notify = hand_notify;
	d->t.notify_ctx = d;
	if (config_transport_of(v->w.cfg, own) == CONFIG_TRANSPORT_PCI)
		return wire_pci(v, d);
	return wire_mmio(v, d);
}

static unsigned mmio_devices(const struct config *cfg)
{
	unsigned n = 0;

	for (unsigned k = 0; k < NKINDS; k++)
		for (unsigned i = 0; i < kinds[k].count(cfg); i++)
			n += config_transport_of(cfg, kinds[k].transport
							  ? kinds[k].transport(cfg, i)
							  : CONFIG_TRANSPORT_DEFAULT) ==
			     CONFIG_TRANSPORT_MMIO;
	return n;
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
	if (mmio_devices(w->cfg) > MEMMAP_VIRTIO_SLOTS) {
		log_error("%u virtio-mmio devices asked for; the memory map has %u slots",
			  mmio_devices(w->cfg), MEMMAP_VIRTIO_SLOTS);
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
		struct vdev *d = &v->devs[i];

		pthread_mutex_lock(&d->lock);
		if (d->pci)
			virtio_pci_reset(&d->pci->p);
		else
			virtio_dev_reset(&d->t);
		pthread_mutex_unlock(&d->lock);
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
		if (d->pci) {
			log_debug("%s: %llu interrupts by MSI-X, %llu by INTx, %llu MSI-X "
				  "messages not aimed at the ITS", d->name,
				  (unsigned long long)d->pci->msix_sent,
				  (unsigned long long)d->pci->intx_raised,
				  (unsigned long long)d->pci->p.msix.dropped);
			pci_bus_msix_fini(&d->pci->msix);
		}
		free(d->pci);
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
