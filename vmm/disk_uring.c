#include "a64vm/disk_uring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <liburing.h>

#include "a64vm/log.h"

struct disk_uring {
	struct io_uring ring;
	int event_fd;
	bool broken; /* the ring refused a submission for good */
	/* Queued since the last submission, in order; failed: to answer EIO. */
	unsigned nqueued, nfailed;
	struct virtio_blk_io **queued, **failed;
};

static void free_uring(struct disk_uring *u)
{
	if (u->event_fd >= 0)
		close(u->event_fd);
	free(u->queued);
	free(u->failed);
	free(u);
}

int disk_uring_open(struct disk *d, unsigned entries)
{
	struct disk_uring *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	u->event_fd = -1;
	u->queued = calloc(entries, sizeof(*u->queued));
	u->failed = calloc(entries, sizeof(*u->failed));
	if (!u->queued || !u->failed) {
		free_uring(u);
		return -ENOMEM;
	}
	/* The completion ring has twice the room: it never overflows. */
	ret = io_uring_queue_init(entries, &u->ring, 0);
	if (ret) {
		free_uring(u);
		return ret;
	}
	u->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = u->event_fd < 0 ? -errno : io_uring_register_eventfd(&u->ring, u->event_fd);
	if (ret) {
		io_uring_queue_exit(&u->ring);
		free_uring(u);
		return ret;
	}
	d->uring = u;
	return 0;
}

void disk_uring_close(struct disk *d)
{
	if (!d->uring)
		return;
	/* The kernel finishes or cancels what is still in flight. */
	io_uring_queue_exit(&d->uring->ring);
	free_uring(d->uring);
	d->uring = NULL;
}

int disk_uring_event_fd(const struct disk *d)
{
	return d->uring->event_fd;
}

/* Wakes the I/O thread for another try, or to answer failed requests. */
static void wake(struct disk_uring *u)
{
	uint64_t one = 1;

	if (write(u->event_fd, &one, sizeof(one)) < 0)
		log_ratelimited(LOG_ERROR, "virtio-blk: cannot wake the I/O thread: %s",
				strerror(errno));
}

static int submit(void *ctx, struct virtio_blk_io *io)
{
	struct disk *d = ctx;
	struct disk_uring *u = d->uring;
	struct io_uring_sqe *sqe;

	if (u->broken)
		return -EBUSY; /* done at once instead */
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe)
		return -EBUSY;
	if (io->type == VIRTIO_BLK_T_IN) {
		io_uring_prep_readv(sqe, d->fd, io->iov, (unsigned)io->niov, io->pos);
	} else {
		/* After every write queued before it, and before any after it. */
		io_uring_prep_fsync(sqe, d->fd, IORING_FSYNC_DATASYNC);
		sqe->flags |= IOSQE_IO_DRAIN;
	}
	io_uring_sqe_set_data(sqe, io);
	u->queued[u->nqueued++] = io;
	return 0;
}

/*
 * One io_uring_enter for everything queued. A transient refusal is tried
 * again from the I/O thread; any other leaves the ring unused (what it
 * holds is never submitted) and its requests answered with EIO.
 */
static void start(void *ctx)
{
	struct disk_uring *u = ((struct disk *)ctx)->uring;
	int ret;

	if (!u->nqueued)
		return;
	ret = io_uring_submit(&u->ring);
	if (ret >= 0) {
		unsigned n = (unsigned)ret < u->nqueued ? (unsigned)ret : u->nqueued;

		memmove(u->queued, u->queued + n, (u->nqueued - n) * sizeof(*u->queued));
		u->nqueued -= n;
	} else if (ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
		log_error("virtio-blk: io_uring refused %u requests: %s; they fail, and "
			  "later ones are done synchronously", u->nqueued, strerror(-ret));
		u->broken = true;
		memcpy(u->failed + u->nfailed, u->queued, u->nqueued * sizeof(*u->queued));
		u->nfailed += u->nqueued;
		u->nqueued = 0;
	}
	if (u->nqueued || u->nfailed)
		wake(u);
}

void disk_uring_reap(struct disk *d,
			 void (*done)(void *ctx, struct virtio_blk_io *io, int64_t result),
			 void *ctx)
{
	struct disk_uring *u = d->uring;
	struct io_uring_cqe *cqe;
	uint64_t count;
	unsigned head, seen = 0;

	if (read(u->event_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_ratelimited(LOG_ERROR, "virtio-blk: io_uring's eventfd: %s",
				strerror(errno));
	start(d);
	for (unsigned i = 0; i < u->nfailed; i++)
		done(ctx, u->failed[i], -EIO);
	u->nfailed = 0;
	io_uring_for_each_cqe(&u->ring, head, cqe) {
		done(ctx, io_uring_cqe_get_data(cqe), cqe->res);
		seen++;
	}
	io_uring_cq_advance(&u->ring, seen);
}

const struct virtio_blk_backend disk_uring_backend = {
	.transfer = disk_transfer, .punch = disk_punch, .flush = disk_flush,
	/*
	 * Writes are made at once (pwritev). io_uring hands a buffered write
	 * the file system cannot take without blocking (tmpfs, and most before
	 * Linux 6.0) to its worker threads, one write to a file at a time:
	 * 4 KiB random writes at queue depth 32 ran at a third of pwritev's
	 * rate (docs/benchmarks.md).
	 */
	.submit = submit, .start = start, .submits_writes = false,
};
