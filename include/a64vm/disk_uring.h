/*
 * A disk's asynchronous I/O: io_uring on the image's descriptor. The I/O
 * thread queues a notify's reads and flushes (a flush drains every request
 * queued before it; writes are made at once) and starts them with one
 * system call; the ring's eventfd wakes it for their completions.
 */
#ifndef A64VM_DISK_URING_H
#define A64VM_DISK_URING_H

#include "a64vm/disk.h"

/*
 * A ring for up to entries requests in flight on d; 0 or -errno (the host
 * has no io_uring, or it is filtered: the caller stays synchronous).
 */
int disk_uring_open(struct disk *d, unsigned entries);
void disk_uring_close(struct disk *d);

/* Readable when completions wait for disk_uring_reap. */
int disk_uring_event_fd(const struct disk *d);

/*
 * Hands every finished request to done, with the bytes it moved or -errno.
 * On the thread that starts requests.
 */
void disk_uring_reap(struct disk *d,
			 void (*done)(void *ctx, struct virtio_blk_io *io, int64_t result),
			 void *ctx);

/* The backend for a struct virtio_blk with a ring; its context is the disk. */
extern const struct virtio_blk_backend disk_uring_backend;

#endif
