#include "a64vm/vhost_dev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/vhost_user.h"
#include "a64vm/vhost_user_proto.h"
#include "a64vm/virtio_io.h"
#include "a64vm/virtio_wire.h"
#include "a64vm/virtiofsd.h"

/* What a vhost-user device must offer: the ring features the transport adds. */
#define RING_FEATURES (VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC | \
		       VIRTIO_F_RING_EVENT_IDX)
#define DEVICE_FEATURES 0xffffffull /* bits 0-23: the device type's own */

struct vhost_call {
	struct vhost_dev *vh;
	unsigned queue;
	int fd; /* a64vm's: the I/O thread raises the interrupt */
};

struct vhost_dev {
	struct vhost_user vu;
	struct virtiofsd daemon;
	struct vdev *d;
	struct vhost_call call[VIRTIO_MAX_QUEUES];
	int given[VIRTIO_MAX_QUEUES]; /* the call fd the daemon has; -1: none */
	bool running;		      /* the daemon has the queues */
	bool taken_back;	      /* a64vm serves them: the daemon is gone */
};

int vhost_dev_open(const struct config_fs *fs, const char *daemon, const char *name,
		   struct vhost_dev **out, uint64_t *device_features)
{
	struct vhost_dev *vh = calloc(1, sizeof(*vh));
	int ret;

	*out = vh;
	if (!vh)
		return -ENOMEM;
	vh->vu.fd = -1;
	vh->daemon.tmp_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vh->call[q] = (struct vhost_call){ .vh = vh, .queue = q, .fd = -1 };
	ret = fs->socket ? 0 : virtiofsd_start(fs, daemon, &vh->daemon);
	if (!ret)
		ret = vhost_user_open(&vh->vu, fs->socket ? fs->path : vh->daemon.socket, name,
				      fs->socket ? 0 : 2000);
	if (!ret && (vh->vu.features & RING_FEATURES) != RING_FEATURES) {
		log_error("%s: the daemon offers no usable virtio-fs features (0x%llx: "
			  "VERSION_1, INDIRECT_DESC and EVENT_IDX are needed)", name,
			  (unsigned long long)vh->vu.features);
		ret = -EPROTO;
	}
	if (ret) {
		virtiofsd_abort(&vh->daemon);
		return ret;
	}
	virtiofsd_connected(&vh->daemon);
	*device_features = vh->vu.features & DEVICE_FEATURES;
	return 0;
}

/* The call the daemon should have for queue q: the vector's irqfd, else ours. */
static int wanted_call(struct vhost_dev *vh, unsigned q)
{
	struct vdev *d = vh->d;
	int fd;

	if (d->pci && d->pci->p.has_msix && pci_msix_enabled(&d->pci->p.msix) &&
	    d->pci->p.queue_vector[q] != PCI_MSIX_NO_VECTOR &&
	    (fd = pci_bus_msix_irqfd(&d->pci->msix, d->pci->p.queue_vector[q])) >= 0)
		return fd;
	return vh->call[q].fd;
}

/*
 * The daemon is gone: a64vm serves the queues from where the driver is
 * now. Requests the daemon held are lost with it (which ones cannot be
 * known); every later one is answered by the kind's model.
 */
static void take_back(struct vhost_dev *vh)
{
	struct vdev *d = vh->d;

	if (vh->taken_back)
		return;
	vhost_user_close(&vh->vu);
	vh->taken_back = true;
	vh->running = false;
	log_warn("%s: without its daemon the guest's requests now fail (EIO)", d->name);
	for (unsigned q = 0; q < d->t.nqueues; q++) {
		struct virtq *vq = &d->t.queues[q];

		if (vq->ready)
			virtq_resume(vq, d->env->mem);
		virtio_io_enable(d->env->io, d->queues[q].fd, true);
		/* A request posted while the queue changed hands is not missed. */
		if (write(d->queues[q].fd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
			log_debug("%s: queue %u: %s", d->name, q, strerror(errno));
	}
}

static int start_queues(struct vhost_dev *vh)
{
	struct vdev *d = vh->d;
	int ret = vhost_user_set_features(&vh->vu, d->t.driver_features);

	if (!ret)
		ret = vhost_user_set_mem(&vh->vu, d->env->mem);
	for (unsigned q = 0; q < d->t.nqueues && !ret; q++) {
		const struct virtq *vq = &d->t.queues[q];

		vh->given[q] = -1;
		if (!vq->ready)
			continue;
		vh->given[q] = wanted_call(vh, q);
		ret = vhost_user_start_vring(&vh->vu, d->env->mem, &(struct vhost_user_vring){
			.index = q, .num = vq->num, .base = vq->last_avail, .desc = vq->desc,
			.avail = vq->avail, .used = vq->used, .kick = d->queues[q].fd,
			.call = vh->given[q] });
	}
	return ret;
}

/* The driver's DRIVER_OK or reset; under the device's lock. */
static void on_running(void *ctx, bool on)
{
	struct vhost_dev *vh = ctx;
	struct vdev *d = vh->d;
	int ret = 0;

	if (vh->taken_back)
		return;
	if (on) {
		ret = start_queues(vh);
		vh->running = !ret;
	} else if (vh->running) {
		vh->running = false;
		for (unsigned q = 0; q < d->t.nqueues && !ret; q++) {
			uint16_t base;

			if (vh->given[q] >= 0)
				ret = vhost_user_stop_vring(&vh->vu, q, &base);
			vh->given[q] = -1;
		}
	}
	if (ret)
		take_back(vh);
}

/* MSI-X vectors changed (mask, entry, enable): the daemon's calls follow. */
static void vhost_dev_vectors_changed(struct vhost_dev *vh)
{
	if (!vh || !vh->running)
		return;
	for (unsigned q = 0; q < vh->d->t.nqueues; q++) {
		int want = wanted_call(vh, q);

		if (vh->given[q] < 0 || want == vh->given[q])
			continue;
		vh->given[q] = want;
		if (vhost_user_set_call(&vh->vu, q, want)) {
			take_back(vh);
			return;
		}
	}
}

/* The daemon signalled our call eventfd: the transport's interrupt. */
static void on_call(void *ctx)
{
	struct vhost_call *c = ctx;
	struct vdev *d = c->vh->d;
	uint64_t count;

	if (read(c->fd, &count, sizeof(count)) < 0)
		return;
	pthread_mutex_lock(&d->lock);
	d->t.isr |= 1;
	d->t.irq(d->t.irq_ctx, c->queue);
	pthread_mutex_unlock(&d->lock);
}

/*
 * The socket is readable: between requests that is the daemon's end (or
 * bytes nobody asked for, which end it too).
 */
static void on_socket(void *ctx)
{
	struct vhost_dev *vh = ctx;
	struct vdev *d = vh->d;
	char byte;

	pthread_mutex_lock(&d->lock);
	if (vhost_user_alive(&vh->vu) &&
	    !(recv(vh->vu.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN)) {
		log_error("%s: the vhost-user daemon closed its socket", d->name);
		take_back(vh);
	}
	pthread_mutex_unlock(&d->lock);
}

int vhost_dev_wire(struct vhost_dev *vh, struct vdev *d)
{
	int ret = 0;

	vh->d = d;
	d->t.running = on_running;
	d->t.running_ctx = vh;
	d->vectors_changed = vhost_dev_vectors_changed;
	for (unsigned q = 0; q < d->t.nqueues && !ret; q++) {
		vh->given[q] = -1;
		vh->call[q].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = vh->call[q].fd < 0 ? -errno
					 : virtio_io_watch(d->env->io, vh->call[q].fd, true, on_call,
							   &vh->call[q]);
	}
	if (!ret)
		ret = virtio_io_watch(d->env->io, vh->vu.fd, true, on_socket, vh);
	if (ret)
		log_error("%s: %s", d->name, strerror(-ret));
	return ret;
}

void vhost_dev_close(struct vhost_dev *vh)
{
	if (!vh)
		return;
	vhost_user_close(&vh->vu);
	virtiofsd_remove(&vh->daemon);
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		if (vh->call[q].fd >= 0)
			close(vh->call[q].fd);
	free(vh);
}
