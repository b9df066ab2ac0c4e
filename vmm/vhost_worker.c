#include "a64vm/vhost_worker.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/vhost_user.h"
#include "a64vm/vhost_user_proto.h"
#include "a64vm/virtio_slot.h"
#include "a64vm/virtiofsd.h"

/* What a vhost-user device must offer: the ring features the transport adds. */
#define RING_FEATURES (VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC | \
		       VIRTIO_F_RING_EVENT_IDX)
#define DEVICE_FEATURES 0xffffffull /* bits 0-23: the device type's own */

struct vhost_call {
	struct vhost_worker *vh;
	unsigned queue;
	int fd; /* a64vm's: the I/O thread raises the interrupt */
};

struct vhost_worker {
	struct vhost_user vu; /* the worker's alone, once the guest runs */
	struct virtiofsd daemon;
	struct virtio_slot *d;
	struct vhost_call call[VIRTIO_MAX_QUEUES];
	/* Under the device's lock: what the driver wants, what the daemon has. */
	int given[VIRTIO_MAX_QUEUES]; /* the call fd the daemon has; -1: none */
	bool want;		      /* DRIVER_OK, and no reset since */
	bool held;		      /* the daemon has the queues (or is getting them) */
	bool vectors_changed;
	bool taken_back; /* a64vm serves the queues: the daemon is gone */
	int wake_fd;	 /* the worker's: something above changed */
	pthread_t worker;
	bool worker_running;
	atomic_bool quit; /* the worker ends (the VMM's stopping flag may be unset) */
};

/* What the worker does with the lock let go: a copy of what it needs. */
struct vhost_plan {
	enum { PLAN_START, PLAN_STOP, PLAN_CALLS } what;
	uint64_t features;
	unsigned nqueues;
	bool queue[VIRTIO_MAX_QUEUES]; /* started, stopped, or its call changed */
	int call[VIRTIO_MAX_QUEUES];
	struct vhost_user_vring ring[VIRTIO_MAX_QUEUES];
};

int vhost_worker_open(const struct virtio_fs_options *fs, const char *daemon, const char *name,
		   struct vhost_worker **out, uint64_t *device_features)
{
	struct vhost_worker *vh = calloc(1, sizeof(*vh));
	int ret;

	*out = vh;
	if (!vh)
		return -ENOMEM;
	vh->vu.fd = -1;
	vh->daemon.tmp_fd = -1;
	vh->wake_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		vh->call[q] = (struct vhost_call){ .vh = vh, .queue = q, .fd = -1 };
		vh->given[q] = -1;
	}
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

static const char *name(const struct vhost_worker *vh)
{
	return virtio_slot_name(vh->d);
}

static struct virtio_core *core(struct vhost_worker *vh)
{
	return virtio_slot_core(vh->d);
}

static void wake(struct vhost_worker *vh)
{
	if (write(vh->wake_fd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
		log_ratelimited(LOG_ERROR, "%s: cannot wake its worker: %s", name(vh),
				strerror(errno));
}

/* The call the daemon should have for queue q: the vector's irqfd, else ours. */
static int wanted_call(struct vhost_worker *vh, unsigned q)
{
	int fd = virtio_slot_queue_irqfd(vh->d, q);

	return fd >= 0 ? fd : vh->call[q].fd;
}

/* Our own call eventfds anew: the daemon that had them is gone. */
static int renew_calls(struct vhost_worker *vh)
{
	for (unsigned q = 0; q < core(vh)->nqueues; q++) {
		int old = vh->call[q].fd, fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		if (fd < 0)
			return -errno;
		vh->call[q].fd = fd;
		virtio_slot_retire(vh->d, old);
		if (virtio_slot_rewatch(vh->d, old, fd, true))
			return -ENOENT;
	}
	return 0;
}

/*
 * The daemon is gone (or broke the protocol, or was too slow): a64vm
 * serves the queues from where the driver is now. Requests the daemon held
 * are lost with it (which ones cannot be known); every later one is
 * answered by the kind's model. A daemon a64vm started is killed, and
 * every descriptor it had (kicks, calls, irqfds) is replaced, so that
 * whatever is left of it can no longer reach the guest. Under the host
 * bridge's lock (virtio-pci) and the device's.
 */
static void take_back(struct vhost_worker *vh)
{
	struct virtio_core *t = core(vh);

	if (vh->taken_back)
		return;
	vhost_user_close(&vh->vu);
	virtiofsd_kill(&vh->daemon);
	vh->taken_back = true;
	vh->held = false;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vh->given[q] = -1;
	log_warn("%s: without its daemon the guest's requests now fail (EIO)", name(vh));
	if (virtio_slot_renew(vh->d, true) || renew_calls(vh))
		log_error("%s: cannot replace the descriptors the daemon had: %s", name(vh),
			  strerror(errno));
	for (unsigned q = 0; q < t->nqueues; q++) {
		struct virtq *vq = &t->queues[q];

		if (vq->ready && !t->resetting)
			virtq_resume(vq, t->mem);
		/* A request posted while the queue changed hands is not missed. */
		if (write(virtio_slot_kick_fd(vh->d, q), &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
			log_debug("%s: queue %u: %s", name(vh), q, strerror(errno));
	}
}

static void plan_start(struct vhost_worker *vh, struct vhost_plan *p)
{
	struct virtio_core *t = core(vh);

	p->what = PLAN_START;
	p->features = t->driver_features;
	for (unsigned q = 0; q < p->nqueues; q++) {
		const struct virtq *vq = &t->queues[q];

		p->queue[q] = vq->ready;
		if (!vq->ready)
			continue;
		vh->given[q] = wanted_call(vh, q);
		p->ring[q] = (struct vhost_user_vring){
			.index = q, .num = vq->num, .base = vq->last_avail, .desc = vq->desc,
			.avail = vq->avail, .used = vq->used, .kick = virtio_slot_kick_fd(vh->d, q),
			.call = vh->given[q] };
	}
}

/* What the lock protects, copied; false when nothing is to be done. */
static bool plan(struct vhost_worker *vh, struct vhost_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->nqueues = core(vh)->nqueues;
	if (vh->want && !vh->held) {
		plan_start(vh, p);
		vh->held = true;
		vh->vectors_changed = false;
		return true;
	}
	if (!vh->want && vh->held) {
		p->what = PLAN_STOP;
		for (unsigned q = 0; q < p->nqueues; q++) {
			p->queue[q] = vh->given[q] >= 0;
			vh->given[q] = -1;
		}
		return true;
	}
	if (!vh->held || !vh->vectors_changed)
		return false;
	p->what = PLAN_CALLS;
	vh->vectors_changed = false;
	for (unsigned q = 0; q < p->nqueues; q++) {
		int want = wanted_call(vh, q);

		p->queue[q] = vh->given[q] >= 0 && want != vh->given[q];
		p->call[q] = want;
		if (p->queue[q])
			vh->given[q] = want;
	}
	return true;
}

/* The conversation itself, with no lock held. */
static int carry_out(struct vhost_worker *vh, const struct vhost_plan *p)
{
	const struct guest_mem *mem = virtio_slot_mem(vh->d);
	int ret = 0;

	if (p->what == PLAN_START) {
		ret = vhost_user_set_features(&vh->vu, p->features);
		if (!ret)
			ret = vhost_user_set_mem(&vh->vu, mem);
	}
	for (unsigned q = 0; q < p->nqueues && !ret; q++) {
		uint16_t base;

		if (!p->queue[q])
			continue;
		if (p->what == PLAN_START)
			ret = vhost_user_start_vring(&vh->vu, mem, &p->ring[q]);
		else if (p->what == PLAN_STOP)
			ret = vhost_user_stop_vring(&vh->vu, q, &base);
		else
			ret = vhost_user_set_call(&vh->vu, q, p->call[q]);
	}
	return ret;
}

/* wanted_call syncs MSI routes: the bridge's lock too. */
static void lock(struct vhost_worker *vh)
{
	virtio_slot_lock_all(vh->d);
}

static void unlock(struct vhost_worker *vh)
{
	virtio_slot_unlock_all(vh->d);
}

static bool stopping(const struct vhost_worker *vh)
{
	return atomic_load(&vh->quit) || virtio_stopping(virtio_slot_stopping(vh->d));
}

/* Brings the daemon to what the driver wants, one conversation at a time. */
static void reconcile(struct vhost_worker *vh)
{
	struct vhost_plan p;

	for (;;) {
		int ret;

		lock(vh);
		if (vh->taken_back || stopping(vh) || !plan(vh, &p)) {
			unlock(vh);
			return;
		}
		unlock(vh);
		ret = carry_out(vh, &p);
		log_debug("%s: the daemon %s: %s", name(vh),
			  p.what == PLAN_START ? "took the queues"
			  : p.what == PLAN_STOP ? "gave the queues back" : "has the new calls",
			  ret ? strerror(-ret) : "done");
		lock(vh);
		if (p.what == PLAN_STOP)
			vh->held = false;
		if (ret && !stopping(vh))
			take_back(vh);
		virtio_slot_settle(vh->d); /* a reset waiting for the queues back */
		unlock(vh);
	}
}

/* The socket is readable between requests: the daemon's end, or bytes nobody asked for. */
static void daemon_spoke(struct vhost_worker *vh)
{
	lock(vh);
	log_error("%s: the vhost-user daemon closed its socket or spoke unasked", name(vh));
	take_back(vh);
	virtio_slot_settle(vh->d);
	unlock(vh);
}

/*
 * The worker: every conversation with the daemon happens here, so that no
 * vCPU, no device lock and not the host bridge's lock waits on it.
 */
static void *worker(void *arg)
{
	struct vhost_worker *vh = arg;
	uint64_t count;

	while (!stopping(vh)) {
		struct pollfd p[2] = { { .fd = vh->wake_fd, .events = POLLIN },
				       { .fd = vh->vu.fd, .events = POLLIN } }; /* -1: none */

		if (poll(p, 2, -1) < 0)
			continue;
		if ((p[0].revents & POLLIN) && read(vh->wake_fd, &count, sizeof(count)) < 0)
			log_debug("%s: %s", name(vh), strerror(errno));
		if (p[1].revents && !stopping(vh))
			daemon_spoke(vh);
		reconcile(vh);
	}
	return NULL;
}

/* The driver's DRIVER_OK or reset; under the device's lock. */
static void on_running(void *ctx, bool on)
{
	struct vhost_worker *vh = ctx;

	vh->want = on;
	wake(vh);
}

/* Whether the daemon still has the queues: a reset waits for them. */
static bool on_held(void *ctx)
{
	return ((struct vhost_worker *)ctx)->held;
}

/* MSI-X vectors changed (mask, entry, enable): the daemon's calls follow. */
static void vectors_changed(void *ctx)
{
	struct vhost_worker *vh = ctx;

	if (!vh->held)
		return;
	vh->vectors_changed = true;
	wake(vh);
}

/* The daemon signalled our call eventfd: the transport's interrupt. */
static void on_call(void *ctx)
{
	struct vhost_call *c = ctx;
	struct virtio_core *t = core(c->vh);
	uint64_t count;

	virtio_slot_lock(c->vh->d);
	if (read(c->fd, &count, sizeof(count)) == sizeof(count)) {
		t->isr |= 1;
		t->irq(t->irq_ctx, c->queue);
	}
	virtio_slot_unlock(c->vh->d);
}

int vhost_worker_wire(struct vhost_worker *vh, struct virtio_slot *d)
{
	struct virtio_core *t = virtio_slot_core(d);
	int ret = 0;

	vh->d = d;
	vh->vu.stopping = virtio_slot_stopping(d);
	t->running = on_running;
	t->held = on_held;
	t->running_ctx = vh;
	virtio_slot_on_vectors_changed(d, vectors_changed, vh);
	vh->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vh->wake_fd < 0)
		ret = -errno;
	for (unsigned q = 0; q < t->nqueues && !ret; q++) {
		vh->call[q].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = vh->call[q].fd < 0 ? -errno
					 : virtio_slot_watch(d, vh->call[q].fd, true, on_call,
							     &vh->call[q]);
	}
	if (ret)
		log_error("%s: %s", name(vh), strerror(-ret));
	return ret;
}

struct worker_start {
	struct vhost_worker *vh;
	bool (*on_start)(void *ctx, const char *name);
	void *ctx;
};

static void *worker_main(void *arg)
{
	struct worker_start s = *(struct worker_start *)arg;

	free(arg);
	if (!s.on_start(s.ctx, name(s.vh)))
		return NULL;
	return worker(s.vh);
}

int vhost_worker_start(struct vhost_worker *vh, bool (*on_start)(void *ctx, const char *name),
		    void *ctx)
{
	struct worker_start *s = malloc(sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	*s = (struct worker_start){ .vh = vh, .on_start = on_start, .ctx = ctx };
	ret = pthread_create(&vh->worker, NULL, worker_main, s);
	if (ret) {
		free(s);
		log_error("%s: cannot start its worker: %s", name(vh), strerror(ret));
		return -ret;
	}
	pthread_setname_np(vh->worker, "vhost-user");
	vh->worker_running = true;
	return 0;
}

void vhost_worker_stop(struct vhost_worker *vh)
{
	if (!vh || !vh->worker_running)
		return;
	atomic_store(&vh->quit, true);
	wake(vh);
	pthread_join(vh->worker, NULL);
	vh->worker_running = false;
}

void vhost_worker_close(struct vhost_worker *vh)
{
	if (!vh)
		return;
	vhost_worker_stop(vh);
	vhost_user_close(&vh->vu);
	virtiofsd_remove(&vh->daemon);
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		if (vh->call[q].fd >= 0)
			close(vh->call[q].fd);
	if (vh->wake_fd >= 0)
		close(vh->wake_fd);
	free(vh);
}
