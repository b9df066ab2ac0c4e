#include "a64vm/vhost_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/mono_time.h"
#include "a64vm/vhost_inflight.h"
#include "a64vm/vhost_kernel.h"
#include "a64vm/vhost_user.h"
#include "a64vm/vhost_user_proto.h"
#include "a64vm/virtio_slot.h"
#include "a64vm/virtiofsd.h"

/* Ring features a64vm offers only when the backend has them too. */
#define RING_EXTRAS (VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_RING_EVENT_IDX)
#define STALL_NS (30ull * 1000000000u) /* a request unanswered this long: it hangs */
#define WATCH_MS 1000

struct vhost_call {
	struct vhost_worker *vh;
	unsigned queue;
	int fd; /* a64vm's: the I/O thread raises the interrupt */
};

/* Who serves the queues: a vhost-user daemon, or the host kernel's vhost. */
struct vhost_backend {
	int (*set_features)(struct vhost_worker *vh, uint64_t features);
	int (*set_mem)(struct vhost_worker *vh, const struct guest_mem *mem);
	int (*start_vring)(struct vhost_worker *vh, const struct guest_mem *mem,
			   const struct vhost_user_vring *r);
	int (*set_call)(struct vhost_worker *vh, unsigned index, int fd);
	int (*stop_vring)(struct vhost_worker *vh, unsigned index, uint16_t *base);
	/* It is let go: closed, and a daemon a64vm started killed. */
	void (*end)(struct vhost_worker *vh);
};

struct vhost_worker {
	const struct vhost_backend *be;
	struct vhost_user vu; /* the worker's alone, once the guest runs */
	struct virtiofsd daemon;
	int kernel_fd; /* the kernel's vhost device now; -1: none */
	struct vhost_kernel_device kernel; /* its kind's hooks */
	const char *without; /* what the guest sees once a64vm took the queues back */
	uint64_t lacks;	     /* of RING_EXTRAS */
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
	/* Where each request gets one answer (virtio-blk): see vhost_worker_track. */
	pid_t owned;	     /* a daemon its kind started, killed when it misbehaves; 0 */
	bool tracked;	     /* a request unanswered too long: the daemon hangs */
	uint8_t *inflight;   /* the daemon's record of what it holds (mapped); NULL */
	size_t inflight_len; /* its bytes, and each queue's share of them */
	size_t inflight_stride;
	uint16_t last_used[VIRTIO_MAX_QUEUES]; /* the used index when last looked at */
	uint64_t waiting_since[VIRTIO_MAX_QUEUES]; /* ns: requests unanswered, no progress */
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

static int user_set_features(struct vhost_worker *vh, uint64_t features)
{
	return vhost_user_set_features(&vh->vu, features);
}

static int user_set_mem(struct vhost_worker *vh, const struct guest_mem *mem)
{
	return vhost_user_set_mem(&vh->vu, mem);
}

static int user_start_vring(struct vhost_worker *vh, const struct guest_mem *mem,
			    const struct vhost_user_vring *r)
{
	return vhost_user_start_vring(&vh->vu, mem, r);
}

static int user_set_call(struct vhost_worker *vh, unsigned index, int fd)
{
	return vhost_user_set_call(&vh->vu, index, fd);
}

static int user_stop_vring(struct vhost_worker *vh, unsigned index, uint16_t *base)
{
	return vhost_user_stop_vring(&vh->vu, index, base);
}

static void user_end(struct vhost_worker *vh)
{
	vhost_user_close(&vh->vu);
	virtiofsd_kill(&vh->daemon);
	if (vh->owned > 0 && kill(vh->owned, SIGKILL))
		log_warn("%s: cannot kill the daemon (pid %d): %s", virtio_slot_name(vh->d),
			 (int)vh->owned, strerror(errno));
}

static const struct vhost_backend user_backend = {
	.set_features = user_set_features, .set_mem = user_set_mem,
	.start_vring = user_start_vring, .set_call = user_set_call,
	.stop_vring = user_stop_vring, .end = user_end,
};

static int kernel_set_features(struct vhost_worker *vh, uint64_t features)
{
	return vhost_kernel_set_features(vh->kernel_fd, features);
}

static int kernel_set_mem(struct vhost_worker *vh, const struct guest_mem *mem)
{
	return vhost_kernel_set_mem(vh->kernel_fd, mem);
}

static int kernel_start_vring(struct vhost_worker *vh, const struct guest_mem *mem,
			      const struct vhost_user_vring *r)
{
	return vhost_kernel_start_vring(vh->kernel_fd, mem, r);
}

static int kernel_set_call(struct vhost_worker *vh, unsigned index, int fd)
{
	return vhost_kernel_set_call(vh->kernel_fd, index, fd);
}

static int kernel_stop_vring(struct vhost_worker *vh, unsigned index, uint16_t *base)
{
	return vhost_kernel_stop_vring(vh->kernel_fd, index, base);
}

static void kernel_end(struct vhost_worker *vh)
{
	if (vh->kernel_fd >= 0)
		close(vh->kernel_fd);
	vh->kernel_fd = -1;
}

static const struct vhost_backend kernel_backend = {
	.set_features = kernel_set_features, .set_mem = kernel_set_mem,
	.start_vring = kernel_start_vring, .set_call = kernel_set_call,
	.stop_vring = kernel_stop_vring, .end = kernel_end,
};

static struct vhost_worker *worker_new(void)
{
	struct vhost_worker *vh = calloc(1, sizeof(*vh));

	if (!vh)
		return NULL;
	vh->vu.fd = -1;
	vh->daemon.tmp_fd = -1;
	vh->kernel_fd = -1;
	vh->wake_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		vh->call[q] = (struct vhost_call){ .vh = vh, .queue = q, .fd = -1 };
		vh->given[q] = -1;
	}
	return vh;
}

/* The handshake's features checked: VERSION_1 at least (passt's has no ring extras). */
static int user_features(struct vhost_worker *vh, const char *name, uint64_t *device_features)
{
	if (!(vh->vu.features & VIRTIO_F_VERSION_1)) {
		log_error("%s: the vhost-user daemon offers no VIRTIO_F_VERSION_1 (features "
			  "0x%llx): a64vm has no legacy devices", name,
			  (unsigned long long)vh->vu.features);
		return -EPROTO;
	}
	vh->lacks = RING_EXTRAS & ~vh->vu.features;
	*device_features = vh->vu.features & VHOST_DEVICE_FEATURES;
	return 0;
}

int vhost_worker_open(const struct virtio_fs_options *fs, const char *daemon, const char *name,
		   struct vhost_worker **out, uint64_t *device_features)
{
	struct vhost_worker *vh = worker_new();
	int ret;

	*out = vh;
	if (!vh)
		return -ENOMEM;
	vh->be = &user_backend;
	vh->without = "daemon the guest's requests now fail (EIO)";
	ret = fs->socket ? 0 : virtiofsd_start(fs, daemon, &vh->daemon);
	if (!ret)
		ret = vhost_user_open(&vh->vu, fs->socket ? fs->path : vh->daemon.socket, name,
				      fs->socket ? 0 : 2000);
	if (!ret)
		ret = user_features(vh, name, device_features);
	if (ret) {
		virtiofsd_abort(&vh->daemon);
		return ret;
	}
	virtiofsd_connected(&vh->daemon);
	return 0;
}

int vhost_worker_open_user(int fd, const char *path, const char *name, const char *without,
			   struct vhost_worker **out, uint64_t *device_features)
{
	struct vhost_worker *vh = worker_new();
	int ret;

	*out = vh;
	if (!vh) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	vh->be = &user_backend;
	vh->without = without;
	ret = fd >= 0 ? vhost_user_adopt(&vh->vu, fd, name) : vhost_user_open(&vh->vu, path, name, 0);
	return ret ? ret : user_features(vh, name, device_features);
}

int vhost_worker_get_config(struct vhost_worker *vh, uint8_t *buf, uint32_t len)
{
	return vhost_user_get_config(&vh->vu, buf, len);
}

/* The record is the daemon's: a shrunk file would fault a64vm when read. */
static bool sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & F_SEAL_SHRINK);
}

int vhost_worker_track(struct vhost_worker *vh, unsigned nqueues, pid_t daemon)
{
	uint64_t size = 0, offset = 0;
	int fd, ret;
	void *p;

	vh->owned = daemon;
	vh->tracked = true;
	ret = vhost_user_inflight(&vh->vu, (uint16_t)nqueues, VIRTQ_MAX_SIZE, &fd, &size, &offset);
	if (ret == -EOPNOTSUPP) {
		log_debug("%s: the daemon keeps no record of its requests: those it holds "
			  "when it goes are lost", vh->vu.name);
		return 0;
	}
	if (ret)
		return ret;
	if (!size || size > (64u << 20) ||
	    size / nqueues < vhost_inflight_queue_bytes(VIRTQ_MAX_SIZE) || !sealed(fd)) {
		close(fd);
		log_warn("%s: the daemon's record of its requests is unusable (%llu bytes, "
			 "unsealed or too small): those it holds when it goes are lost",
			 vh->vu.name, (unsigned long long)size);
		return 0;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	vh->inflight = p;
	vh->inflight_len = size;
	vh->inflight_stride = size / nqueues;
	return 0;
}

int vhost_worker_open_kernel(const struct vhost_kernel_device *k, struct vhost_worker **out)
{
	struct vhost_worker *vh = worker_new();

	*out = vh;
	if (!vh) {
		close(k->fd);
		return -ENOMEM;
	}
	vh->be = &kernel_backend;
	vh->kernel = *k;
	vh->kernel_fd = k->fd;
	vh->without = k->without;
	return 0;
}

/* The queues the backend serves. */
static unsigned backend_queues(struct vhost_worker *vh)
{
	unsigned n = virtio_slot_core(vh->d)->nqueues, handed = virtio_slot_vhost_queues(vh->d);

	return handed < n ? handed : n;
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
	for (unsigned q = 0; q < backend_queues(vh); q++) {
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
 * Queue q's requests the daemon took and left unanswered, from its record:
 * answered by the kind's model (an I/O error), and a64vm goes on after them.
 */
static void answer_held(struct vhost_worker *vh, unsigned q)
{
	struct virtio_core *t = core(vh);
	struct virtq *vq = &t->queues[q];
	uint8_t rec[VHOST_INFLIGHT_HDR + VHOST_INFLIGHT_DESC * VIRTQ_MAX_SIZE];
	uint16_t heads[VIRTQ_MAX_SIZE], avail, used;
	size_t len = vh->inflight_stride < sizeof(rec) ? vh->inflight_stride : sizeof(rec);
	unsigned n;

	if ((q + 1) * vh->inflight_stride > vh->inflight_len) {
		virtq_resume(vq, t->mem);
		return;
	}
	/* One copy: what is left of the daemon cannot change it while it is read. */
	memcpy(rec, vh->inflight + q * vh->inflight_stride, len);
	virtq_indexes(vq, t->mem, &avail, &used);
	n = vhost_inflight_heads(rec, len, vq->num, used, (uint16_t)(avail - used), heads);
	virtq_resume_after(vq, t->mem, (uint16_t)n);
	if (n)
		log_warn("%s: queue %u: %u requests the daemon held fail", name(vh), q, n);
	virtio_core_answer_heads(t, q, heads, n);
}

/*
 * Without the daemon's record: what it took is lost (said, where requests
 * are counted); with event index, where it took up to is known, and what
 * it never took is served by a64vm (a hung daemon's, the common case).
 */
static void resume_lost(struct vhost_worker *vh, unsigned q)
{
	struct virtio_core *t = core(vh);
	struct virtq *vq = &t->queues[q];
	uint16_t avail, used, took;

	virtq_indexes(vq, t->mem, &avail, &used);
	if (!vh->tracked || !virtq_avail_event(vq, t->mem, &took) ||
	    (uint16_t)(took - used) > (uint16_t)(avail - used))
		took = avail;
	if (vh->tracked && took != used)
		log_warn("%s: queue %u: %u requests the daemon took are lost with it (it kept "
			 "no record of them)", name(vh), q, (uint16_t)(took - used));
	virtq_resume_after(vq, t->mem, (uint16_t)(took - used));
}

/*
 * The daemon is gone (or broke the protocol, or was too slow): a64vm
 * serves the queues from where the driver is now. Requests the daemon held
 * are answered by the kind's model when the daemon kept a record of them
 * (vhost_worker_track), else lost with it; every later one is
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
	vh->be->end(vh);
	vh->taken_back = true;
	vh->held = false;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vh->given[q] = -1;
	log_warn("%s: without its %s", name(vh), vh->without);
	if (virtio_slot_renew(vh->d, true) || renew_calls(vh))
		log_error("%s: cannot replace the descriptors the daemon had: %s", name(vh),
			  strerror(errno));
	for (unsigned q = 0; q < backend_queues(vh); q++) {
		struct virtq *vq = &t->queues[q];

		if (vq->ready && !t->resetting && vh->inflight)
			answer_held(vh, q);
		else if (vq->ready && !t->resetting)
			resume_lost(vh, q);
		/* An answer the daemon wrote but could not signal (its call failed) is seen. */
		if (vq->ready && !t->resetting) {
			t->isr |= 1;
			t->irq(t->irq_ctx, q);
		}
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
	p->nqueues = backend_queues(vh);
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
		/* A fresh record: nothing of a driver before a reset is held. */
		if (vh->inflight)
			memset(vh->inflight, 0, vh->inflight_len);
		ret = vh->be->set_features(vh, p->features);
		if (!ret)
			ret = vh->be->set_mem(vh, mem);
	}
	/* A kernel device stops before its rings are read back. */
	if (p->what == PLAN_STOP && vh->kernel.run)
		ret = vh->kernel.run(vh->kernel_fd, false);
	for (unsigned q = 0; q < p->nqueues && !ret; q++) {
		uint16_t base;

		if (!p->queue[q])
			continue;
		if (p->what == PLAN_START)
			ret = vh->be->start_vring(vh, mem, &p->ring[q]);
		else if (p->what == PLAN_STOP)
			ret = vh->be->stop_vring(vh, q, &base);
		else
			ret = vh->be->set_call(vh, q, p->call[q]);
	}
	if (!ret && p->what == PLAN_START && vh->kernel.run)
		ret = vh->kernel.run(vh->kernel_fd, true);
	/* ... and is renewed once the guest let go of it. */
	if (!ret && p->what == PLAN_STOP && vh->kernel.renew) {
		ret = vh->kernel.renew(vh->kernel.ctx, vh->kernel_fd);
		vh->kernel_fd = ret < 0 ? -1 : ret;
		ret = ret < 0 ? ret : 0;
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

/* Brings the backend to what the driver wants, one conversation at a time. */
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
		if (ret && !stopping(vh) && vh->kernel_fd >= 0)
			log_error("%s: the kernel's vhost device: %s", name(vh), strerror(-ret));
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
 * Requests unanswered while the used index stands still for STALL_NS: the
 * daemon hangs; a64vm takes the queues back (and their requests fail).
 */
static void watch_requests(struct vhost_worker *vh)
{
	struct virtio_core *t = core(vh);
	uint64_t now = mono_ns();

	lock(vh);
	for (unsigned q = 0; vh->held && !vh->taken_back && q < backend_queues(vh); q++) {
		uint16_t avail, used;

		if (!t->queues[q].ready) {
			vh->waiting_since[q] = 0;
			continue;
		}
		virtq_indexes(&t->queues[q], t->mem, &avail, &used);
		if (avail == used || used != vh->last_used[q]) {
			vh->last_used[q] = used;
			vh->waiting_since[q] = avail == used ? 0 : now;
		} else if (!vh->waiting_since[q]) {
			vh->waiting_since[q] = now;
		} else if (now - vh->waiting_since[q] >= STALL_NS) {
			log_error("%s: the vhost-user daemon answered none of %u requests in %llu "
				  "s: it hangs", name(vh), (uint16_t)(avail - used),
				  STALL_NS / 1000000000ull);
			take_back(vh);
			virtio_slot_settle(vh->d);
		}
	}
	unlock(vh);
}

/*
 * The worker: every conversation with the backend happens here, so that no
 * vCPU, no device lock and not the host bridge's lock waits on it.
 */
static void *worker(void *arg)
{
	struct vhost_worker *vh = arg;
	uint64_t count;

	while (!stopping(vh)) {
		struct pollfd p[2] = { { .fd = vh->wake_fd, .events = POLLIN } };

		if (vh->tracked)
			watch_requests(vh); /* may end the daemon and close its socket */
		p[1] = (struct pollfd){ .fd = vh->vu.fd, .events = POLLIN }; /* -1: none */
		if (poll(p, 2, vh->tracked ? WATCH_MS : -1) < 0)
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

/*
 * Under the device's lock, the vCPUs parked (a snapshot): whether the
 * daemon holds no request, every one the driver made available answered
 * (a queue that still has some gets a kick, for a driver parked before
 * its notify); once it does, the queues' indexes are set to where the
 * daemon is, so that a daemon given the saved state takes up there.
 */
static bool drained(void *ctx)
{
	struct vhost_worker *vh = ctx;
	struct virtio_core *t = core(vh);

	if (vh->taken_back || (vh->want && !vh->held))
		return true; /* a64vm's own model serves, or no daemon has taken them yet */
	if (vh->want != vh->held)
		return false; /* the daemon gives them back */
	for (unsigned q = 0; q < backend_queues(vh); q++) {
		uint16_t avail, used;

		if (!t->queues[q].ready)
			continue;
		virtq_indexes(&t->queues[q], t->mem, &avail, &used);
		if (avail != used) {
			/* A driver parked between its avail index and its notify. */
			if (write(virtio_slot_kick_fd(vh->d, q), &(uint64_t){ 1 },
				  sizeof(uint64_t)) < 0)
				log_debug("%s: queue %u: %s", name(vh), q, strerror(errno));
			return false;
		}
	}
	/* Where a daemon starting from the saved state takes up (SET_VRING_BASE). */
	for (unsigned q = 0; q < backend_queues(vh); q++) {
		struct virtq *vq = &t->queues[q];
		uint16_t avail, used;

		if (!vq->ready)
			continue;
		virtq_indexes(vq, t->mem, &avail, &used);
		vq->last_avail = vq->used_idx = vq->signalled = used;
	}
	return true;
}

int vhost_worker_wire(struct vhost_worker *vh, struct virtio_slot *d)
{
	struct virtio_core *t = virtio_slot_core(d);
	int ret = 0;

	vh->d = d;
	vh->vu.stopping = virtio_slot_stopping(d);
	t->withheld = vh->lacks;
	t->running = on_running;
	t->held = on_held;
	t->drained = drained;
	t->running_ctx = vh;
	virtio_slot_on_vectors_changed(d, vectors_changed, vh);
	vh->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vh->wake_fd < 0)
		ret = -errno;
	for (unsigned q = 0; q < backend_queues(vh) && !ret; q++) {
		vh->call[q].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = vh->call[q].fd < 0 ? -errno
					 : virtio_slot_watch(d, vh->call[q].fd, true, on_call,
							     &vh->call[q]);
	}
	if (ret)
		log_error("%s: %s", name(vh), strerror(-ret));
	return ret;
}

int vhost_worker_reconnect(struct vhost_worker *vh, const char *path, pid_t daemon)
{
	uint64_t had = vh->vu.features;
	int ret;

	vhost_user_close(&vh->vu);
	if (vh->inflight)
		munmap(vh->inflight, vh->inflight_len);
	vh->inflight = NULL;
	vh->inflight_len = vh->inflight_stride = 0;
	ret = vhost_user_open(&vh->vu, path, name(vh), 0);
	vh->vu.stopping = virtio_slot_stopping(vh->d);
	if (!ret && vh->vu.features != had) {
		log_error("%s: the new daemon offers features 0x%llx, the one before 0x%llx",
			  name(vh), (unsigned long long)vh->vu.features, (unsigned long long)had);
		ret = -EPROTO;
	}
	if (!ret && vh->tracked)
		ret = vhost_worker_track(vh, backend_queues(vh), daemon);
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
	pthread_setname_np(vh->worker, "vhost");
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
	if (vh->kernel_fd >= 0)
		close(vh->kernel_fd);
	virtiofsd_remove(&vh->daemon);
	if (vh->inflight)
		munmap(vh->inflight, vh->inflight_len);
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		if (vh->call[q].fd >= 0)
			close(vh->call[q].fd);
	if (vh->wake_fd >= 0)
		close(vh->wake_fd);
	free(vh);
}
