#include "a64vm/virtio_slot.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "a64vm/arch.h"
#include "a64vm/device_list.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/mono_time.h"
#include "a64vm/pci_bus.h"
#include "a64vm/virtio_io.h"
#include "a64vm/virtio_mmio.h"
#include "a64vm/virtio_pci.h"
#include "a64vm/virtio_snapshot.h"

/* A queue's notify eventfd, as the I/O thread hands it back. */
struct queue_ref {
	struct virtio_slot *dev;
	unsigned queue;
	int fd;	  /* read and replaced under the device's lock */
	int bell; /* virtio-pci: its doorbell on the bus */
};

/* Descriptors another process had, kept open until the device goes. */
#define RETIRED_MAX (2 * VIRTIO_MAX_QUEUES + PCI_MSIX_MAX_VECTORS)

/* virtio-pci's side of a device: the function, its slot, its vectors. */
struct slot_pci {
	struct virtio_pci p;
	unsigned slot;
	struct pci_bus_msix msix;
	uint64_t msix_sent, intx_raised; /* said at exit, at debug level */
};

struct virtio_slot {
	struct virtio_slot_env *env;
	const struct virtio_core_ops *ops;
	uint32_t pci_class; /* base, sub, interface */
	char name[32];
	uint64_t base; /* virtio-mmio: the slot's registers, and its SPI */
	unsigned spi;
	struct slot_pci *pci; /* virtio-pci: NULL on virtio-mmio */
	pthread_mutex_t lock; /* registers and queue work, one at a time */
	pthread_cond_t settled; /* broadcast when work ended: a reset may have */
	struct virtio_core t;
	int irq_fd; /* virtio-mmio's interrupt */
	struct queue_ref queues[VIRTIO_MAX_QUEUES];
	void *model; /* what the transport serves */
	int retired[RETIRED_MAX];
	unsigned nretired;
	struct vhost_worker *vhost; /* a daemon serves the queues; NULL: a64vm does */
	unsigned vhost_queues; /* ... the first this many of them */
	/* virtio-pci's MSI-X vectors changed (mask, entry, enable); NULL: nothing */
	void (*vectors_changed)(void *ctx);
	void *vectors_ctx;
};

static const struct device_dt virtio_dt = {
	.name = "virtio_mmio", DEVICE_DT_COMPATIBLE("virtio,mmio"),
	.edge_irq = true, /* irqfd pulses */
	.dma_coherent = true,
};

static void raise_irq(void *ctx, unsigned source)
{
	struct virtio_slot *d = ctx;
	uint64_t one = 1;

	(void)source; /* virtio-mmio has one interrupt */
	if (write(d->irq_fd, &one, sizeof(one)) < 0)
		log_ratelimited(LOG_ERROR, "%s: cannot raise its interrupt: %s", d->name,
				strerror(errno));
}

/* A queue a daemon serves: its kick is watched only once a64vm takes it back. */
static bool daemon_queue(const struct virtio_slot *d, unsigned q)
{
	return d->vhost && q < d->vhost_queues;
}

/* A notify through the queue's ioeventfd: served on the I/O thread. */
static void on_notify(void *ctx)
{
	struct queue_ref *q = ctx;
	uint64_t count;

	pthread_mutex_lock(&q->dev->lock);
	if (read(q->fd, &count, sizeof(count)) == sizeof(count))
		virtio_core_service(&q->dev->t, q->queue);
	pthread_mutex_unlock(&q->dev->lock);
}

/*
 * A notify KVM could not turn into an ioeventfd signal (an NISV store, on a
 * vCPU thread): signal the queue's eventfd, so the I/O thread serves it.
 */
static void hand_notify(void *ctx, unsigned queue)
{
	struct virtio_slot *d = ctx;
	uint64_t one = 1;

	if (queue < VIRTIO_MAX_QUEUES && d->queues[queue].fd >= 0 &&
	    write(d->queues[queue].fd, &one, sizeof(one)) < 0)
		log_ratelimited(LOG_ERROR, "%s: cannot pass a notify on: %s", d->name,
				strerror(errno));
}

/* The queue's notify eventfd, served by the I/O thread. */
static int queue_fd(struct virtio_slot *d, struct queue_ref *r)
{
	r->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->fd < 0)
		return -errno;
	return virtio_io_watch(d->env->io, r->fd, !daemon_queue(d, r->queue),
			       on_notify, r);
}

/* virtio-mmio: the irqfd for the interrupt, an ioeventfd per queue. */
static int wire_mmio(struct virtio_slot *d)
{
	struct virtio_slot_env *v = d->env;
	int vm_fd = v->vm_fd, ret;

	d->base = MEMMAP_VIRTIO_BASE + v->mmio_slots * MEMMAP_VIRTIO_SLOT_SIZE;
	d->spi = MEMMAP_VIRTIO_SPI + v->mmio_slots++;
	d->irq_fd = virtio_io_irq_fd(vm_fd, gic_spi_gsi(d->spi));
	if (d->irq_fd < 0) {
		log_error("%s: KVM_IRQFD: %s", d->name, strerror(-d->irq_fd));
		return d->irq_fd;
	}
	for (unsigned q = 0; q < d->t.nqueues; q++) {
		struct queue_ref *r = &d->queues[q];

		r->fd = virtio_io_notify_fd(vm_fd, d->base + VIRTIO_MMIO_QUEUE_NOTIFY, q);
		/* A daemon's queue: its kick, watched only if a64vm takes it back. */
		ret = r->fd < 0 ? r->fd
				: virtio_io_watch(v->io, r->fd, !daemon_queue(d, q),
						  on_notify, r);
		if (ret) {
			log_error("%s: KVM_IOEVENTFD: %s", d->name, strerror(-ret));
			return ret;
		}
	}
	return device_list_add(v->devices, &(struct mmio_region){
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
	struct virtio_slot *d = ctx;
	uint64_t v;

	pthread_mutex_lock(&d->lock);
	v = virtio_pci_bar_read(&d->pci->p, bar, off, size);
	pthread_mutex_unlock(&d->lock);
	return v;
}

static void pci_bar_write(void *ctx, unsigned bar, uint64_t off, unsigned size,
			  uint64_t val)
{
	struct virtio_slot *d = ctx;

	pthread_mutex_lock(&d->lock);
	virtio_pci_bar_write(&d->pci->p, bar, off, size, val);
	pthread_mutex_unlock(&d->lock);
}

static void pci_config_written(void *ctx, unsigned off, unsigned size)
{
	struct virtio_slot *d = ctx;

	pthread_mutex_lock(&d->lock);
	virtio_pci_config_written(&d->pci->p, off, size);
	if (d->vectors_changed) /* MSI-X enabled or masked */
		d->vectors_changed(d->vectors_ctx);
	pthread_mutex_unlock(&d->lock);
}

static void pci_config_reading(void *ctx, unsigned off, unsigned size)
{
	struct virtio_slot *d = ctx;

	pthread_mutex_lock(&d->lock);
	virtio_pci_config_reading(&d->pci->p, off, size);
	pthread_mutex_unlock(&d->lock);
}

static void pci_set_intx(void *ctx, bool level)
{
	struct virtio_slot *d = ctx;

	d->pci->intx_raised += level;
	pci_bus_set_intx(d->env->pci, d->pci->slot, 1, level);
}

static void pci_msix_deliver(void *ctx, unsigned vector)
{
	struct virtio_slot *d = ctx;

	d->pci->msix_sent++;
	pci_bus_msix_deliver(&d->pci->msix, vector);
}

/* Under the device's lock, as a BAR write is. */
static void pci_msix_changed(void *ctx, unsigned vector)
{
	struct virtio_slot *d = ctx;

	pci_bus_msix_changed(&d->pci->msix, vector);
	if (d->vectors_changed)
		d->vectors_changed(d->vectors_ctx);
}

/* virtio-pci: the function in the next slot, a doorbell per queue, MSI-X. */
static int wire_pci(struct virtio_slot *d)
{
	struct pci_bus *bus = d->env->pci;
	struct slot_pci *vp = calloc(1, sizeof(*vp));
	int ret;

	d->pci = vp;
	if (!vp)
		return -ENOMEM;
	ret = virtio_pci_init(&vp->p, &d->t, d->pci_class, &(struct virtio_pci_wiring){
		.set_intx = pci_set_intx, .msix_doorbell = pci_bus_msi_doorbell(bus),
		.msix_deliver = pci_msix_deliver, .msix_changed = pci_msix_changed, .ctx = d });
	vp->p.fn.bar_read = pci_bar_read;
	vp->p.fn.bar_write = pci_bar_write;
	vp->p.fn.config_written = pci_config_written;
	vp->p.fn.config_reading = pci_config_reading;
	vp->p.fn.ctx = d;
	if (!ret) {
		ret = pci_bus_add(bus, &vp->p.fn);
		if (ret < 0)
			log_error("%s: no room on the PCI bus", d->name);
	}
	if (ret < 0)
		return ret;
	vp->slot = (unsigned)ret;
	snprintf(d->name + strlen(d->name), sizeof(d->name) - strlen(d->name),
		 " (00:%02x.0)", vp->slot);
	ret = vp->p.has_msix ? pci_bus_msix_init(bus, &vp->msix, &vp->p.msix, vp->slot) : 0;
	for (unsigned q = 0; q < d->t.nqueues && ret >= 0; q++) {
		ret = queue_fd(d, &d->queues[q]);
		if (!ret)
			ret = d->queues[q].bell =
				pci_bus_doorbell(bus, &vp->p.fn, VIRTIO_PCI_BAR,
						 virtio_pci_notify_offset(q), 2, false, 0,
						 d->queues[q].fd, true);
	}
	if (ret < 0)
		log_error("%s: %s", d->name, strerror(-ret));
	return ret < 0 ? ret : 0;
}

void virtio_slot_retire(struct virtio_slot *d, int fd)
{
	if (fd < 0)
		return;
	if (d->nretired < RETIRED_MAX)
		d->retired[d->nretired++] = fd;
	else
		log_warn("%s: too many descriptors retired; one stays open", d->name);
}

/* Queue q's notify on a new eventfd: KVM signals it, the I/O thread watches it. */
static int renew_kick(struct virtio_slot *d, unsigned q, bool watch)
{
	struct queue_ref *r = &d->queues[q];
	int old = r->fd, fd;

	if (d->pci) {
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0)
			return -errno;
		pci_bus_doorbell_set_fd(d->env->pci, r->bell, fd);
	} else {
		virtio_io_notify_fd_drop(d->env->vm_fd, d->base + VIRTIO_MMIO_QUEUE_NOTIFY, q,
					 old);
		fd = virtio_io_notify_fd(d->env->vm_fd, d->base + VIRTIO_MMIO_QUEUE_NOTIFY, q);
		if (fd < 0)
			return fd;
	}
	r->fd = fd;
	virtio_slot_retire(d, old);
	return virtio_io_rewatch(d->env->io, old, fd, watch);
}

int virtio_slot_renew(struct virtio_slot *d, bool watch)
{
	int old[PCI_MSIX_MAX_VECTORS], ret = 0;

	for (unsigned q = 0; q < d->t.nqueues && !ret; q++)
		ret = renew_kick(d, q, watch);
	if (!ret && d->pci && d->pci->p.has_msix) {
		ret = pci_bus_msix_renew(&d->pci->msix, old);
		for (unsigned v = 0; v < d->pci->p.msix.nvec; v++)
			virtio_slot_retire(d, old[v]);
	}
	return ret;
}

void virtio_slot_settle(struct virtio_slot *d)
{
	virtio_core_settle(&d->t);
	/* Cheap with nobody waiting; the model may have settled on its own. */
	if (!d->t.resetting)
		pthread_cond_broadcast(&d->settled);
}

bool virtio_slot_await_reset(struct virtio_slot *d, unsigned timeout_ms)
{
	uint64_t until = mono_ns() + (uint64_t)timeout_ms * 1000000u;

	while (d->t.resetting && !virtio_stopping(d->t.stopping)) {
		/* In slices, so that a stop is seen even if nobody broadcasts. */
		uint64_t now = mono_ns(), wake = now + 100000000u;
		struct timespec ts;

		if (now >= until)
			break;
		wake = wake < until ? wake : until;
		ts = (struct timespec){ .tv_sec = (time_t)(wake / 1000000000u),
					.tv_nsec = (long)(wake % 1000000000u) };
		pthread_cond_timedwait(&d->settled, &d->lock, &ts);
	}
	return !d->t.resetting;
}

/*
 * virtio-mmio's status 0, on a vCPU: Linux's driver does not wait for the
 * reset to end, so the write does, without the device's lock, until the
 * I/O in flight ended and a daemon gave its queues back (each bounded).
 */
static void mmio_await_reset(void *ctx)
{
	struct virtio_slot *d = ctx;

	while (!virtio_slot_await_reset(d, 5000) && !virtio_stopping(d->t.stopping))
		log_ratelimited(LOG_WARN, "%s: the driver's reset waits for requests in "
				"flight", d->name);
}

int virtio_slot_wire(struct virtio_slot *d, enum config_transport transport)
{
	virtio_core_init(&d->t, d->ops, d->model, d->env->mem, raise_irq, d);
	d->t.stopping = virtio_io_stopping(d->env->io);
	d->t.notify = hand_notify;
	d->t.notify_ctx = d;
	if (transport != CONFIG_TRANSPORT_PCI) {
		d->t.await_reset = mmio_await_reset;
		d->t.await_ctx = d;
	}
	return transport == CONFIG_TRANSPORT_PCI ? wire_pci(d) : wire_mmio(d);
}

struct virtio_slot *virtio_slot_new(struct virtio_slot_env *env,
				    const struct virtio_core_ops *ops, uint32_t pci_class)
{
	struct virtio_slot *d = calloc(1, sizeof(*d));
	pthread_condattr_t a;
	pthread_mutexattr_t m;

	if (!d)
		return NULL;
	d->env = env;
	d->ops = ops;
	d->pci_class = pci_class;
	d->irq_fd = -1;
	snprintf(d->name, sizeof(d->name), "%s", ops->name);
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->queues[q] = (struct queue_ref){ .dev = d, .queue = q, .fd = -1, .bell = -1 };
	/*
	 * Recursive: a snapshot's restore holds every device (virtio_devices_hold)
	 * while the PCI host's restore calls back into its functions.
	 */
	pthread_mutexattr_init(&m);
	pthread_mutexattr_settype(&m, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&d->lock, &m);
	pthread_mutexattr_destroy(&m);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&d->settled, &a);
	pthread_condattr_destroy(&a);
	return d;
}

void virtio_slot_free(struct virtio_slot *d)
{
	if (!d)
		return;
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
		free(d->pci);
	}
	pthread_cond_destroy(&d->settled);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void virtio_slot_set_name(struct virtio_slot *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->name, sizeof(d->name), fmt, ap);
	va_end(ap);
}

void virtio_slot_set_model(struct virtio_slot *d, void *model)
{
	d->model = model;
}

void virtio_slot_set_vhost(struct virtio_slot *d, struct vhost_worker *vh, unsigned queues)
{
	d->vhost = vh;
	d->vhost_queues = queues;
}

unsigned virtio_slot_vhost_queues(const struct virtio_slot *d)
{
	return d->vhost ? d->vhost_queues : 0;
}

struct vhost_worker *virtio_slot_vhost(struct virtio_slot *d)
{
	return d->vhost;
}

const char *virtio_slot_name(const struct virtio_slot *d)
{
	return d->name;
}

struct virtio_core *virtio_slot_core(struct virtio_slot *d)
{
	return &d->t;
}

const struct guest_mem *virtio_slot_mem(const struct virtio_slot *d)
{
	return d->env->mem;
}

const atomic_bool *virtio_slot_stopping(const struct virtio_slot *d)
{
	return virtio_io_stopping(d->env->io);
}

struct virtio_io *virtio_slot_io(const struct virtio_slot *d)
{
	return d->env->io;
}

int virtio_slot_watch(struct virtio_slot *d, int fd, bool enabled, void (*fn)(void *ctx),
		      void *ctx)
{
	return virtio_io_watch(d->env->io, fd, enabled, fn, ctx);
}

int virtio_slot_rewatch(struct virtio_slot *d, int fd_old, int fd_new, bool on)
{
	return virtio_io_rewatch(d->env->io, fd_old, fd_new, on);
}

void virtio_slot_lock(struct virtio_slot *d)
{
	pthread_mutex_lock(&d->lock);
}

void virtio_slot_unlock(struct virtio_slot *d)
{
	pthread_mutex_unlock(&d->lock);
}

void virtio_slot_lock_all(struct virtio_slot *d)
{
	pthread_mutex_t *bridge = d->pci ? pci_bus_lock(d->env->pci) : NULL;

	if (!bridge) {
		pthread_mutex_lock(&d->lock);
		return;
	}
	/*
	 * The bridge's first, as a vCPU's access takes them; but never the
	 * bridge's held while waiting for the device's: a snapshot holds
	 * every device's, then saves the bridge under its lock.
	 */
	for (;;) {
		pthread_mutex_lock(bridge);
		if (!pthread_mutex_trylock(&d->lock))
			return;
		pthread_mutex_unlock(bridge);
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
}

void virtio_slot_unlock_all(struct virtio_slot *d)
{
	pthread_mutex_unlock(&d->lock);
	if (d->pci)
		pthread_mutex_unlock(pci_bus_lock(d->env->pci));
}

int virtio_slot_kick_fd(const struct virtio_slot *d, unsigned q)
{
	return q < VIRTIO_MAX_QUEUES ? d->queues[q].fd : -1;
}

int virtio_slot_queue_irqfd(struct virtio_slot *d, unsigned q)
{
	struct slot_pci *p = d->pci;

	if (!p || !p->p.has_msix || !pci_msix_enabled(&p->p.msix) || q >= VIRTIO_MAX_QUEUES ||
	    p->p.queue_vector[q] == PCI_MSIX_NO_VECTOR)
		return -1;
	return pci_bus_msix_irqfd(&p->msix, p->p.queue_vector[q]);
}

void virtio_slot_on_vectors_changed(struct virtio_slot *d, void (*fn)(void *ctx), void *ctx)
{
	d->vectors_changed = fn;
	d->vectors_ctx = ctx;
}

void virtio_slot_reset(struct virtio_slot *d)
{
	if (d->pci)
		virtio_pci_reset(&d->pci->p);
	else
		virtio_core_reset(&d->t);
}

bool virtio_slot_quiet(struct virtio_slot *d)
{
	if (d->t.resetting)
		return false;
	if (!d->t.drained)
		return virtio_core_quiet(&d->t);
	return d->t.drained(d->t.running_ctx) && !(d->t.ops->busy && d->t.ops->busy(d->t.dev));
}

void virtio_slot_save(const struct virtio_slot *d, struct snapshot_writer *w)
{
	virtio_core_save(&d->t, w);
	if (d->pci)
		virtio_pci_save(&d->pci->p, w);
}

/*
 * A driver that was running gets its daemon again, from the saved indexes;
 * each queue's interrupt is raised once, for an answer the daemon had
 * signalled and KVM had not yet delivered when the vGIC was saved.
 */
static void restart_daemon(struct virtio_slot *d)
{
	struct virtio_core *t = &d->t;
	const uint32_t running = VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK;

	if ((t->status & running) != running || !t->running)
		return;
	t->started = true;
	t->running(t->running_ctx, true);
	for (unsigned q = 0; q < d->vhost_queues && q < t->nqueues; q++)
		if (t->queues[q].ready) {
			t->isr |= 1;
			t->irq(t->irq_ctx, q);
		}
}

int virtio_slot_restore(struct virtio_slot *d, struct snapshot_cursor *c)
{
	uint64_t one = 1;
	int ret = virtio_core_restore(&d->t, c);

	if (!ret && d->pci)
		ret = virtio_pci_restore(&d->pci->p, c);
	if (ret)
		return ret;
	if (d->pci) {
		/* Each vector's route follows its entry before its next message. */
		for (unsigned v = 0; d->pci->p.has_msix && v < d->pci->p.msix.nvec; v++)
			pci_bus_msix_changed(&d->pci->msix, v);
		if (d->pci->p.intx)
			pci_bus_set_intx(d->env->pci, d->pci->slot, 1, true);
	}
	/* Requests the driver made available and no notify brought yet. */
	for (unsigned q = 0; q < d->t.nqueues; q++)
		if (d->queues[q].fd >= 0 && write(d->queues[q].fd, &one, sizeof(one)) < 0)
			return -errno;
	if (d->vhost)
		restart_daemon(d);
	return 0;
}
