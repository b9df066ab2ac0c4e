/*
 * A raw disk image as virtio-blk's backend: opened and locked against a
 * second VM, moved with preadv/pwritev, holes punched with fallocate,
 * flushed with fdatasync. Served from the virtio I/O thread.
 */
#ifndef A64VM_DISK_H
#define A64VM_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/virtio_blk.h"


struct disk_uring;

struct disk {
	int fd;
	uint64_t sectors; /* whole 512-byte sectors */
	struct disk_uring *uring; /* vmm/disk_uring.c; NULL: synchronous */
};

/* Opens and locks cfg's image; 0 or -errno, logged. */
int disk_open(const struct virtio_blk_options *cfg, struct disk *out);
void disk_close(struct disk *d);

/* The backend for a struct virtio_blk; its context is the struct disk. */
extern const struct virtio_blk_backend disk_backend;

/* The synchronous calls, which the asynchronous backend shares. */
int disk_transfer(void *ctx, struct iovec *iov, int n, uint64_t pos, bool write);
int disk_punch(void *ctx, uint64_t pos, uint64_t len);
int disk_flush(void *ctx);

#endif
