#include "a64vm/virtio_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <sys/random.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "a64vm/console.h"
#include "a64vm/log.h"
#include "a64vm/virtio_blk.h"
#include "a64vm/virtio_mmio.h"
#include "a64vm/virtio_net.h"
#include "a64vm/vm.h"

#define VIRTIO_CONSOLE_ID 3
#define VIRTIO_RNG_ID 4
#define CONSOLE_RX 0 /* receiveq: input to the guest */
#define CONSOLE_TX 1 /* transmitq: the guest's output */
#define CONSOLE_CONFIG_SIZE 12

#define NET_RX 0
#define NET_TX 1
#define TAP_EVENT VIRTIO_MAX_QUEUES /* the tap's queue_ref: frames to receive */
#define MAX_FRAME (VIRTIO_NET_HDR_LEN + 65535 + 14)

enum kind { DEV_BLK, DEV_RNG, DEV_NET, DEV_CONSOLE };

struct virtio_device;

/* What the I/O thread's epoll hands back: a device's queue. */
struct queue_ref {
	struct virtio_device *dev;
	unsigned queue;
};

struct virtio_device {
	struct virtio_devices *owner;
	enum kind kind;
	char name[32];
	uint64_t base;
	unsigned spi;
	pthread_mutex_t lock; /* registers and queue work, one at a time */
	struct virtio_dev_ops ops;
	struct virtio_mmio t;
	int irq_fd;
	int notify_fd[VIRTIO_MAX_QUEUES];
	struct queue_ref refs[VIRTIO_MAX_QUEUES + 1]; /* + the tap */
	struct virtio_blk blk;
	struct virtio_net net;
	int tap_fd;
	bool tap_polled, tap_csum;
	size_t rx_len; /* a received frame waiting for buffers, or 0 */
	uint8_t *rx_frame;
	struct virtq_req req;
};

struct virtio_devices {
	struct vm *vm;
	unsigned n;
	struct virtio_device *devs;
	int epfd, quit_fd;
	pthread_t thread;
	bool running;
};

static void raise_irq(void *ctx)
{
	struct virtio_device *d = ctx;
	uint64_t one = 1;

	if (write(d->irq_fd, &one, sizeof(one)) < 0)
		log_ratelimited(LOG_ERROR, "%s: cannot raise its interrupt: %s", d->name,
				strerror(errno));
}

/* Fills the request's writable buffers from the host's entropy. */
static int rng_request(const struct virtq_req *req)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < req->nin; i++) {
		const struct virtq_iov *iov = &req->iov[req->nout + i];
		ssize_t n = getrandom(iov->base, iov->len, 0);

		if (n < 0)
			break;
		done += (uint64_t)n;
		if ((uint32_t)n < iov->len)
			break;
	}
	return (int)(done > INT32_MAX ? INT32_MAX : done);
}

/* The guest's console output: the request's readable bytes. */
static int console_output(struct virtio_device *d, const struct virtq_req *req)
{
	struct vm *vm = d->owner->vm;

	for (unsigned i = 0; i < req->nout; i++)
		for (uint32_t b = 0; b < req->iov[i].len; b++)
			console_board_ops.output(vm->console, req->iov[i].base[b]);
	return 0;
}

/* A frame the guest sends, header first, as the tap takes it. */
static int net_transmit(struct virtio_device *d, const struct virtq_req *req)
{
	struct iovec iov[VIRTQ_MAX_IOV];
	unsigned n = virtq_iovecs(req, false, 0, req->out_len, iov);

	if (n && writev(d->tap_fd, iov, (int)n) < 0)
		log_ratelimited(LOG_WARN, "%s: tap %s: %s", d->name,
				d->owner->vm->cfg->net.tap, strerror(errno));
	return 0;
}

static int perform(struct virtio_device *d, const struct virtq_req *req)
{
	switch (d->kind) {
	case DEV_BLK: return virtio_blk_request(&d->blk, req);
	case DEV_RNG: return rng_request(req);
	case DEV_NET: return net_transmit(d, req);
	default: return console_output(d, req);
	}
}

static void broken(struct virtio_device *d)
{
	log_ratelimited(LOG_WARN, "%s: the guest offered %s; the device needs a "
			"reset", d->name, d->req.error);
	virtio_mmio_needs_reset(&d->t);
}

static void poll_tap(struct virtio_device *d, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0,
				  .data.ptr = &d->refs[TAP_EVENT] };

	if (on != d->tap_polled && !epoll_ctl(d->owner->epfd, EPOLL_CTL_MOD,
					       d->tap_fd, &ev))
		d->tap_polled = on;
}

/*
 * Moves frames from the tap into receive buffers until either runs out.
 * Without buffers the frame waits and the tap is not polled until the
 * driver posts more (its notify comes here too).
 */
static void net_receive(struct virtio_device *d)
{
	struct virtq *q = virtio_mmio_live_queue(&d->t, NET_RX);
	bool mergeable = d->t.driver_features & VIRTIO_NET_F_MRG_RXBUF;
	bool csum = d->t.driver_features & VIRTIO_NET_F_GUEST_CSUM;
	bool pushed = false;
	int ret = 1;

	if (!q) {
		poll_tap(d, false);
		return;
	}
	/* Partial checksums reach the guest only if it can finish them. */
	if (csum != d->tap_csum && !ioctl(d->tap_fd, TUNSETOFFLOAD, csum ? TUN_F_CSUM : 0))
		d->tap_csum = csum;
	for (;;) {
		if (!d->rx_len) {
			ssize_t n = read(d->tap_fd, d->rx_frame, MAX_FRAME);

			if (n <= 0)
				break;
			d->rx_len = (size_t)n;
		}
		ret = virtio_net_receive(q, d->t.mem, mergeable, &d->req, d->rx_frame,
					 d->rx_len);
		if (ret <= 0)
			break;
		d->rx_len = 0;
		pushed = true;
	}
	if (ret < 0)
		broken(d);
	poll_tap(d, ret > 0);
	if (pushed)
		virtio_mmio_used(&d->t, NET_RX);
}

/* Serves every available request of a queue; the device lock is held. */
static void service(struct virtio_device *d, unsigned qi)
{
	const struct guest_mem *mem = d->t.mem;
	struct virtq *q = virtio_mmio_live_queue(&d->t, qi);
	bool pushed = false;
	int ret;

	if (!q)
		return;
	/* Receive buffers wait for input; the console may now send it. */
	if (d->kind == DEV_CONSOLE && qi == CONSOLE_RX) {
		console_board_ops.input_room(d->owner->vm->console);
		return;
	}
	if (d->kind == DEV_NET && qi == NET_RX) {
		net_receive(d);
		return;
	}
	while ((ret = virtq_pop(q, mem, &d->req)) == 1) {
		int used = perform(d, &d->req);

		if (used < 0) {
			d->req.error = "a request without room for its status";
			ret = -EINVAL;
			break;
		}
		virtq_push(q, mem, d->req.head, (uint32_t)used);
		pushed = true;
	}
	if (ret < 0)
		broken(d);
	if (pushed)
		virtio_mmio_used(&d->t, qi);
}

size_t virtio_devices_console_input(struct virtio_devices *v, const uint8_t *buf,
				    size_t len)
{
	struct virtio_device *d = v && v->n ? &v->devs[v->n - 1] : NULL;
	struct virtq *q;
	size_t taken = 0;
	int ret = 0;

	if (!d || d->kind != DEV_CONSOLE)
		return 0;
	pthread_mutex_lock(&d->lock);
	q = virtio_mmio_live_queue(&d->t, CONSOLE_RX);
	while (q && taken < len && (ret = virtq_pop(q, d->t.mem, &d->req)) == 1) {
		uint64_t n = virtq_copy_to(&d->req, 0, buf + taken, len - taken);

		virtq_push(q, d->t.mem, d->req.head, (uint32_t)n);
		taken += n;
	}
	if (ret < 0)
		broken(d);
	if (taken)
		virtio_mmio_used(&d->t, CONSOLE_RX);
	pthread_mutex_unlock(&d->lock);
	return taken;
}

/* A QueueNotify that reached the register: served on the vCPU thread. */
static void notify_inline(void *dev, unsigned queue)
{
	service(dev, queue);
}

static void blk_config_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	virtio_blk_config_read(&((struct virtio_device *)dev)->blk, off, data, len);
}

static uint64_t bus_read(void *opaque, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	if (virtio_mmio_read(&((struct virtio_device *)opaque)->t, off,
			     (uint8_t *)&v, size))
		return 0; /* a width or offset the transport refuses: RAZ */
	return v;
}

static void bus_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	virtio_mmio_write(&((struct virtio_device *)opaque)->t, off,
			  (const uint8_t *)&val, size);
}

/* The tap: created when absent, frames with a virtio_net_hdr in front. */
static int open_tap(const struct config_net *cfg, struct virtio_device *d)
{
	struct ifreq ifr;
	int hdr = VIRTIO_NET_HDR_LEN, fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cfg->tap);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr)) {
		int err = errno;

		log_error("--net tap=%s: %s%s%s", cfg->tap, fd < 0 ? "/dev/net/tun: " : "",
			  strerror(err), err == EPERM || err == EACCES ?
			  " (a new tap needs CAP_NET_ADMIN; an existing one must "
			  "belong to this user)" : "");
		if (fd >= 0)
			close(fd);
		return -err;
	}
	d->rx_frame = malloc(MAX_FRAME);
	if (!d->rx_frame) {
		close(fd);
		return -ENOMEM;
	}
	d->tap_fd = fd;
	memcpy(d->net.mac, cfg->mac, 6);
	return 0;
}

static void net_config_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	virtio_net_config_read(&((struct virtio_device *)dev)->net, off, data, len);
}

static int open_disk(const struct config_disk *cfg, struct virtio_blk *b)
{
	int fd = open(cfg->path, (cfg->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	off_t size;

	if (fd < 0) {
		int err = errno;

		log_error("--disk %s: %s", cfg->path, strerror(err));
		return -err;
	}
	/* Two VMs writing one image would corrupt it: refuse the second. */
	if (flock(fd, (cfg->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		int err = errno;

		log_error("--disk %s: %s", cfg->path, err == EWOULDBLOCK ?
			  "in use by another process (it holds the image's lock)" :
			  strerror(err));
		close(fd);
		return -err;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < 512) {
		log_error("--disk %s: %s", cfg->path, size < 0 ? strerror(errno)
			  : "smaller than one 512-byte sector");
		close(fd);
		return -EINVAL;
	}
	if (size % 512)
		log_warn("--disk %s: the last %lld bytes are not a whole sector; "
			 "the guest does not see them", cfg->path, (long long)(size % 512));
	b->fd = fd;
	b->read_only = cfg->read_only;
	b->sectors = (uint64_t)size / 512;
	memcpy(b->serial, cfg->serial, strnlen(cfg->serial, sizeof(b->serial)));
	return 0;
}

/* ioeventfds for QueueNotify and an irqfd for the interrupt. */
static int wire(struct virtio_devices *v, struct virtio_device *d)
{
	struct kvm_irqfd irqfd = { .gsi = d->spi };
	int vm_fd = v->vm->vm_fd;

	d->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	irqfd.fd = (uint32_t)d->irq_fd;
	if (d->irq_fd < 0 || ioctl(vm_fd, KVM_IRQFD, &irqfd)) {
		log_error("%s: KVM_IRQFD: %s", d->name, strerror(errno));
		return -errno;
	}
	for (unsigned q = 0; q < d->ops.nqueues; q++) {
		struct kvm_ioeventfd io = {
			.datamatch = q, .addr = d->base + VIRTIO_MMIO_QUEUE_NOTIFY,
			.len = 4, .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &d->refs[q] };

		d->refs[q] = (struct queue_ref){ d, q };
		d->notify_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		io.fd = d->notify_fd[q];
		if (d->notify_fd[q] < 0 || ioctl(vm_fd, KVM_IOEVENTFD, &io) ||
		    epoll_ctl(v->epfd, EPOLL_CTL_ADD, d->notify_fd[q], &ev)) {
			log_error("%s: KVM_IOEVENTFD: %s", d->name, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int add_device(struct virtio_devices *v, unsigned slot, enum kind kind,
		      const struct config_disk *disk)
{
	struct virtio_device *d = &v->devs[slot];
	int ret = 0;

	d->owner = v;
	d->kind = kind;
	d->base = VIRTIO_SLOT_BASE + slot * (uint64_t)VIRTIO_MMIO_SIZE;
	d->spi = VIRTIO_SLOT_SPI + slot;
	d->irq_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->notify_fd[q] = -1;
	d->blk.fd = -1;
	d->tap_fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	d->ops = (struct virtio_dev_ops){ .nqueues = 1, .notify = notify_inline };
	if (kind == DEV_BLK) {
		snprintf(d->name, sizeof(d->name), "virtio-blk%u", slot);
		ret = open_disk(disk, &d->blk);
		d->ops.device_id = VIRTIO_BLK_ID;
		d->ops.features = virtio_blk_features(&d->blk);
		d->ops.config_size = VIRTIO_BLK_CONFIG_SIZE;
		d->ops.config_read = blk_config_read;
	} else if (kind == DEV_NET) {
		snprintf(d->name, sizeof(d->name), "virtio-net");
		ret = open_tap(&v->vm->cfg->net, d);
		d->ops.device_id = VIRTIO_NET_ID;
		d->ops.nqueues = 2;
		d->ops.features = virtio_net_features();
		d->ops.config_size = VIRTIO_NET_CONFIG_SIZE;
		d->ops.config_read = net_config_read;
	} else if (kind == DEV_RNG) {
		snprintf(d->name, sizeof(d->name), "virtio-rng");
		d->ops.device_id = VIRTIO_RNG_ID;
	} else {
		snprintf(d->name, sizeof(d->name), "virtio-console");
		d->ops.device_id = VIRTIO_CONSOLE_ID;
		d->ops.nqueues = 2;
		d->ops.config_size = CONSOLE_CONFIG_SIZE; /* no features: all zero */
	}
	virtio_mmio_init(&d->t, &d->ops, d, &v->vm->mem, raise_irq, d);
	if (!ret)
		ret = wire(v, d);
	if (!ret && kind == DEV_NET) {
		struct epoll_event ev = { .events = 0, .data.ptr = &d->refs[TAP_EVENT] };

		d->refs[TAP_EVENT] = (struct queue_ref){ d, TAP_EVENT };
		if (epoll_ctl(v->epfd, EPOLL_CTL_ADD, d->tap_fd, &ev))
			ret = -errno;
	}
	if (!ret)
		ret = mmio_bus_register(&v->vm->bus, &(struct mmio_region){
			.name = d->name, .base = d->base, .size = VIRTIO_MMIO_SIZE,
			.read = bus_read, .write = bus_write, .opaque = d,
			.lock = &d->lock });
	return ret;
}

int virtio_devices_create(struct vm *vm, struct virtio_devices **out)
{
	const struct config *cfg = vm->cfg;
	struct virtio_devices *v = calloc(1, sizeof(*v));
	unsigned n = cfg->ndisks + (cfg->rng ? 1 : 0) + (cfg->net.enabled ? 1 : 0) +
		     (cfg->console_virtio ? 1 : 0);
	int ret = 0;

	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->quit_fd = -1;
	v->epfd = epoll_create1(EPOLL_CLOEXEC);
	v->devs = n ? calloc(n, sizeof(*v->devs)) : NULL;
	if (v->epfd < 0 || (n && !v->devs)) {
		free(v->devs);
		free(v);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < cfg->ndisks && !ret; i++, v->n++)
		ret = add_device(v, i, DEV_BLK, &cfg->disks[i]);
	if (!ret && cfg->rng) {
		ret = add_device(v, v->n, DEV_RNG, NULL);
		v->n++;
	}
	if (!ret && cfg->net.enabled) {
		ret = add_device(v, v->n, DEV_NET, NULL);
		v->n++;
	}
	/* The console is always the last device (virtio_devices_console_input). */
	if (!ret && cfg->console_virtio) {
		ret = add_device(v, v->n, DEV_CONSOLE, NULL);
		v->n++;
	}
	*out = v;
	return ret;
}

static void *io_thread(void *arg)
{
	struct virtio_devices *v = arg;

	for (;;) {
		struct epoll_event events[16];
		int n = epoll_wait(v->epfd, events, 16, -1);

		for (int i = 0; i < n; i++) {
			struct queue_ref *ref = events[i].data.ptr;
			uint64_t count;

			if (!ref)
				return NULL; /* the quit eventfd */
			if (ref->queue != TAP_EVENT &&
			    read(ref->dev->notify_fd[ref->queue], &count, sizeof(count)) < 0)
				continue;
			pthread_mutex_lock(&ref->dev->lock);
			if (ref->queue == TAP_EVENT)
				net_receive(ref->dev);
			else
				service(ref->dev, ref->queue);
			pthread_mutex_unlock(&ref->dev->lock);
		}
		if (n < 0 && errno != EINTR) {
			log_error("virtio I/O thread: %s", strerror(errno));
			return NULL;
		}
	}
}

int virtio_devices_start(struct virtio_devices *v)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int ret;

	if (!v->n)
		return 0;
	v->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->quit_fd < 0 || epoll_ctl(v->epfd, EPOLL_CTL_ADD, v->quit_fd, &ev))
		return -errno;
	ret = pthread_create(&v->thread, NULL, io_thread, v);
	if (ret) {
		log_error("cannot start the virtio I/O thread: %s", strerror(ret));
		return -ret;
	}
	pthread_setname_np(v->thread, "virtio-io");
	v->running = true;
	return 0;
}

void virtio_devices_stop(struct virtio_devices *v)
{
	uint64_t one = 1;

	if (!v || !v->running)
		return;
	if (write(v->quit_fd, &one, sizeof(one)) < 0)
		log_error("cannot stop the virtio I/O thread: %s", strerror(errno));
	pthread_join(v->thread, NULL);
	v->running = false;
}

void virtio_devices_reset(struct virtio_devices *v)
{
	uint32_t zero = 0;

	for (unsigned i = 0; v && i < v->n; i++) {
		pthread_mutex_lock(&v->devs[i].lock);
		virtio_mmio_write(&v->devs[i].t, 0x070, (const uint8_t *)&zero, 4);
		pthread_mutex_unlock(&v->devs[i].lock);
	}
}

void virtio_devices_destroy(struct virtio_devices *v)
{
	if (!v)
		return;
	virtio_devices_stop(v);
	for (unsigned i = 0; i < v->n; i++) {
		struct virtio_device *d = &v->devs[i];

		for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
			if (d->notify_fd[q] >= 0)
				close(d->notify_fd[q]);
		if (d->irq_fd >= 0)
			close(d->irq_fd);
		if (d->blk.fd >= 0)
			close(d->blk.fd);
		if (d->tap_fd >= 0)
			close(d->tap_fd);
		free(d->rx_frame);
		pthread_mutex_destroy(&d->lock);
	}
	if (v->quit_fd >= 0)
		close(v->quit_fd);
	if (v->epfd >= 0)
		close(v->epfd);
	free(v->devs);
	free(v);
}

unsigned virtio_devices_dtb(const struct virtio_devices *v, struct dtb_device *out,
			    unsigned max)
{
	static const char compat[] = "virtio,mmio";
	unsigned n = 0;

	for (unsigned i = 0; v && i < v->n && n < max; i++)
		out[n++] = (struct dtb_device){
			.name = "virtio_mmio", .compatible = compat,
			.compatible_len = sizeof(compat), .base = v->devs[i].base,
			.size = VIRTIO_MMIO_SIZE, .spi = v->devs[i].spi,
			.edge = true, .dma_coherent = true,
		};
	return n;
}
