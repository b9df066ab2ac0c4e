/*
 * virtio-blk (VIRTIO 1.x, 5.2) on a backend that stores the sectors
 * (vmm/disk.c: a raw image): read, write, flush, discard and write-zeroes
 * (punched holes, or written zeroes), the device ID, and read-only disks.
 * A request is parsed from its segments and checked against the disk's
 * size before any I/O.
 */
#ifndef A64VM_VIRTIO_BLK_H
#define A64VM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "a64vm/virtio_dev.h"
#include "a64vm/virtqueue.h"

#define VIRTIO_BLK_ID 2
#define VIRTIO_BLK_CONFIG_SIZE 60
#define VIRTIO_BLK_SERIAL_LEN 20

enum {
	VIRTIO_BLK_T_IN = 0,
	VIRTIO_BLK_T_OUT = 1,
	VIRTIO_BLK_T_FLUSH = 4,
	VIRTIO_BLK_T_GET_ID = 8,
	VIRTIO_BLK_T_DISCARD = 11,
	VIRTIO_BLK_T_WRITE_ZEROES = 13,
};

enum { VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2 };

/* Where the sectors are; each call 0 or -errno. */
struct virtio_blk_backend {
	/* All of [pos, pos + the vectors' length) read or written. */
	int (*transfer)(void *ctx, struct iovec *iov, int n, uint64_t pos, bool write);
	/* [pos, pos + len) reads back as zeroes; -EOPNOTSUPP: it cannot punch. */
	int (*punch)(void *ctx, uint64_t pos, uint64_t len);
	/* What was written has reached stable storage. */
	int (*flush)(void *ctx);
};

struct virtio_blk {
	const struct virtio_blk_backend *be;
	void *be_ctx;
	bool read_only;
	uint64_t sectors; /* 512-byte sectors */
	char serial[VIRTIO_BLK_SERIAL_LEN];
	const atomic_bool *stopping; /* checked between slices of long work */
};

/* The device features this disk offers. */
uint64_t virtio_blk_features(const struct virtio_blk *b);

void virtio_blk_config_read(const struct virtio_blk *b, uint32_t off,
			    uint8_t *data, unsigned len);

/*
 * Performs one request and writes its status byte: the used length (bytes
 * written into the request), -EINVAL when the request has no status byte
 * to answer in (the device then needs a reset), or -ECANCELED when the
 * VMM began stopping halfway (the request stays unanswered).
 */
int virtio_blk_request(struct virtio_blk *b, const struct virtq_req *req);

/* The kind's transport ops; dev is a struct virtio_blk. */
extern const struct virtio_dev_ops virtio_blk_ops;

#endif
