#include "a64vm/virtio_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "a64vm/config.h"
#include "a64vm/console.h"
#include "a64vm/disk_uring.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/memory.h"
#include "a64vm/start_gate.h"
#include "a64vm/vhost_dev.h"
#include "a64vm/virtio_io.h"
#include "a64vm/virtio_wire.h"

struct virtio_devices {
	struct virtio_wiring w;
	struct virtio_io *io;
	struct virtio_wire_env env;
	unsigned n;
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

_Static_assert(CONFIG_DISK_MAX_QUEUES <= VIRTIO_MAX_QUEUES, "a disk's queues fit");

/* io_uring's completions: answered under the device's lock, one interrupt a queue. */
static void blk_done(void *ctx, struct virtio_blk_io *io, int64_t result)
{
	struct vdev *d = ctx;

	virtio_blk_complete(&d->k.blk.blk, &d->t, io, result);
}

static void on_blk_completions(void *ctx)
{
	struct vdev *d = ctx;

	pthread_mutex_lock(&d->lock);
	disk_uring_reap(&d->k.blk.disk, blk_done, d);
	virtio_blk_interrupts(&d->k.blk.blk, &d->t);
	virtio_wire_settle(d);
	pthread_mutex_unlock(&d->lock);
}

/* A ring for every request the disk's queues can hold, or synchronous I/O. */
static int open_disk_aio(struct virtio_devices *v, struct vdev *d,
			 const struct config_disk *cfg)
{
	struct virtio_blk *b = &d->k.blk.blk;
	struct disk *disk = &d->k.blk.disk;
	int ret = cfg->aio == CONFIG_AIO_SYNC ? 0
		  : disk_uring_open(disk, b->num_queues * VIRTQ_MAX_SIZE);

	if (cfg->aio == CONFIG_AIO_SYNC || (ret && cfg->aio == CONFIG_AIO_AUTO)) {
		if (ret)
			log_debug("%s: no io_uring here (%s): synchronous I/O", d->name,
				  strerror(-ret));
		return 0;
	}
	if (!ret)
		ret = virtio_blk_async_init(b);
	if (!ret)
		ret = virtio_io_watch(v->io, disk_uring_event_fd(disk), true,
				      on_blk_completions, d);
	if (ret) {
		log_error("--disk %s,aio=io_uring: %s", cfg->path, strerror(-ret));
		return ret;
	}
	b->be = &disk_uring_backend;
	log_debug("%s: io_uring, %u request queues", d->name, b->num_queues);
	return 0;
}

static int open_disk(struct virtio_devices *v, struct vdev *d, unsigned index)
{
	const struct config_disk *cfg = &v->w.cfg->disks[index];
	struct virtio_blk *b = &d->k.blk.blk;
	struct disk *disk = &d->k.blk.disk;
	unsigned cpus = v->w.cfg->cpus;
	int ret = disk_open(cfg, disk);

	snprintf(d->name, sizeof(d->name), "virtio-blk%u", index);
	if (ret)
		return ret;
	*b = (struct virtio_blk){ .be = &disk_backend, .be_ctx = disk,
				  .read_only = cfg->read_only, .sectors = disk->sectors,
				  .stopping = virtio_io_stopping(v->io) };
	/* A queue per vCPU, so that each answers the vCPU that asked. */
	b->num_queues = cfg->queues ? cfg->queues
		      : cpus < CONFIG_DISK_MAX_QUEUES ? cpus : CONFIG_DISK_MAX_QUEUES;
	memcpy(b->serial, cfg->serial, strnlen(cfg->serial, sizeof(b->serial)));
	d->state = b;
	return open_disk_aio(v, d, cfg);
}

static void close_disk(struct vdev *d)
{
	if (d->k.blk.blk.ios)
		log_debug("%s: %llu requests, %llu queue interrupts", d->name,
			  (unsigned long long)d->t.requests,
			  (unsigned long long)d->t.interrupts);
	disk_uring_close(&d->k.blk.disk);
	virtio_blk_async_fini(&d->k.blk.blk);
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

static int open_fs(struct virtio_devices *v, struct vdev *d, unsigned index)
{
	const struct config_fs *cfg = &v->w.cfg->fs[index];
	struct virtio_fs *f = &d->k.fs;
	int ret;

	snprintf(d->name, sizeof(d->name), "virtio-fs%u", index);
	memcpy(f->tag, cfg->tag, strlen(cfg->tag));
	d->state = f;
	ret = vhost_dev_open(cfg, v->w.cfg->fs_daemon, d->name, &d->vhost, &f->features);
	if (!ret && d->env->mem->fd < 0)
		ret = -EINVAL; /* vm.c maps RAM shared whenever --fs is given */
	return ret;
}

static void close_fs(struct vdev *d)
{
	if (d->k.fs.answered)
		log_info("%s: %llu requests answered with EIO after its daemon went",
			 d->name, (unsigned long long)d->k.fs.answered);
	vhost_dev_close(d->vhost);
}

static unsigned count_fs(const struct config *cfg)
{
	return cfg->nfs;
}

static enum config_transport fs_transport(const struct config *cfg, unsigned index)
{
	return cfg->fs[index].transport;
}

/* The kinds in slot order: disks first, as vda, vdb... */
static const struct kind kinds[] = {
	{ &virtio_blk_ops, 0x010000, count_disks, disk_transport, open_disk, close_disk },
	{ &virtio_rng_ops, 0xff0000, count_rng, NULL, open_rng, NULL },
	{ &virtio_net_ops, 0x020000, count_net, net_transport, open_net, close_net },
	{ &virtio_console_ops, 0x078000, count_console, NULL, open_console, NULL },
	/* QEMU's vhost-user-fs-pci: "other mass storage" */
	{ &virtio_fs_ops, 0x018000, count_fs, fs_transport, open_fs, close_fs },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))


static int add_device(struct virtio_devices *v, const struct kind *k, unsigned index)
{
	struct vdev *d = &v->devs[v->n++];
	enum config_transport own = k->transport ? k->transport(v->w.cfg, index)
						 : CONFIG_TRANSPORT_DEFAULT;
	int ret;

	d->env = &v->env;
	d->kind = k;
	d->ops = k->ops;
	d->pci_class = k->pci_class;
	d->irq_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->queues[q] = (struct queue_ref){ .dev = d, .queue = q, .fd = -1, .bell = -1 };
	virtio_wire_init_lock(d);
	ret = k->open(v, d, index);
	if (ret)
		return ret;
	ret = virtio_wire(&v->env, d, config_transport_of(v->w.cfg, own));
	return ret || !d->vhost ? ret : vhost_dev_wire(d->vhost, d);
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
	v->env = (struct virtio_wire_env){ .vm_fd = w->vm_fd, .io = v->io, .mem = w->mem,
					   .devices = w->devices, .pci = w->pci };
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

static bool helper_thread_start(void *ctx, const char *name)
{
	struct virtio_devices *v = ctx;

	return start_gate_pass(v->w.gate, SECCOMP_HELPER, name, false);
}

int virtio_devices_start(struct virtio_devices *v)
{
	int ret = virtio_io_start(v->io, io_thread_start, v), threads = ret > 0;

	for (unsigned i = 0; i < v->n && ret >= 0; i++)
		if (v->devs[i].vhost) {
			ret = vhost_dev_start(v->devs[i].vhost, helper_thread_start, v);
			threads += !ret;
		}
	return ret < 0 ? ret : threads;
}

void virtio_devices_stop(struct virtio_devices *v)
{
	if (!v)
		return;
	virtio_io_stop(v->io); /* sets the stopping flag the workers see */
	for (unsigned i = 0; i < v->n; i++)
		vhost_dev_stop(v->devs[i].vhost);
}

/*
 * A reboot's reset: each device's reset begins, and ends once nothing it
 * started is in flight (the I/O thread answers the disk's requests, a
 * daemon gives its queues back), so that no read lands in the RAM of the
 * next boot. Every vCPU is parked.
 */
int virtio_devices_reset(struct virtio_devices *v)
{
	int ret = 0;

	for (unsigned i = 0; v && i < v->n; i++) {
		pthread_mutex_lock(&v->devs[i].lock);
		virtio_dev_begin_reset(&v->devs[i].t);
		pthread_mutex_unlock(&v->devs[i].lock);
	}
	for (unsigned i = 0; v && i < v->n; i++) {
		struct vdev *d = &v->devs[i];

		pthread_mutex_lock(&d->lock);
		if (!virtio_wire_await_reset(d, VIRTIO_DEVICES_RESET_WAIT_MS)) {
			log_error("%s: requests still in flight %u s after the guest's reboot: "
				  "stopping, rather than load the next boot over RAM they "
				  "may still write", d->name, VIRTIO_DEVICES_RESET_WAIT_MS / 1000);
			ret = -ETIMEDOUT;
		} else if (d->pci) {
			virtio_pci_reset(&d->pci->p);
		} else {
			virtio_dev_reset(&d->t);
		}
		pthread_mutex_unlock(&d->lock);
	}
	return ret;
}

void virtio_devices_destroy(struct virtio_devices *v)
{
	if (!v)
		return;
	virtio_io_destroy(v->io);
	for (unsigned i = 0; i < v->n; i++) /* before their descriptors go */
		vhost_dev_stop(v->devs[i].vhost);
	for (unsigned i = 0; i < v->n; i++) {
		struct vdev *d = &v->devs[i];

		for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
			if (d->queues[q].fd >= 0)
				close(d->queues[q].fd);
		for (unsigned r = 0; r < d->nretired; r++)
			close(d->retired[r]);
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
		virtio_wire_fini_lock(d);
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
