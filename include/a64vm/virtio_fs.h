/*
 * virtio-fs (VIRTIO 1.2, 5.11): the configuration a64vm serves (the tag,
 * the number of request queues). The queues are a vhost-user daemon's; a64vm
 * serves them only once the daemon is gone, answering every FUSE request
 * with an I/O error so that the guest sees errors, not a hang.
 */
#ifndef A64VM_VIRTIO_FS_H
#define A64VM_VIRTIO_FS_H

#include <stdint.h>

#include "a64vm/virtio_dev.h"

#define VIRTIO_FS_ID 26
#define VIRTIO_FS_TAG_LEN 36
#define VIRTIO_FS_QUEUES 2 /* hiprio and one request queue */

struct virtio_fs {
	uint8_t tag[VIRTIO_FS_TAG_LEN]; /* NUL-padded, not terminated when full */
	uint64_t features;		/* the daemon's device features */
	uint64_t answered;		/* requests answered with EIO */
};

/* The kind's transport ops; dev is a struct virtio_fs. */
extern const struct virtio_dev_ops virtio_fs_ops;

#endif
