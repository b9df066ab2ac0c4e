#include "a64vm/virtio_fs.h"

#include <string.h>

#define FUSE_IN_HEADER 40
#define FUSE_OUT_HEADER 16
#define FUSE_EIO (-5) /* -EIO as FUSE carries it, whatever the host's value */

#define CONFIG_SIZE (VIRTIO_FS_TAG_LEN + 4)

static uint64_t fs_features(void *dev)
{
	return ((struct virtio_fs *)dev)->features;
}

static void fs_config_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	struct virtio_fs *f = dev;
	uint8_t config[CONFIG_SIZE] = { 0 };

	memcpy(config, f->tag, VIRTIO_FS_TAG_LEN);
	config[VIRTIO_FS_TAG_LEN] = VIRTIO_FS_QUEUES - 1; /* num_request_queues, LE */
	memcpy(data, config + off, len);
}

/* The first n readable bytes of req into buf: false when it has fewer. */
static bool gather(const struct virtq_req *req, uint8_t *buf, size_t n)
{
	size_t done = 0;

	for (unsigned i = 0; i < req->nout && done < n; i++) {
		size_t take = req->iov[i].len < n - done ? req->iov[i].len : n - done;

		memcpy(buf + done, req->iov[i].base, take);
		done += take;
	}
	return done == n;
}

/*
 * The daemon is gone: EIO for a request that expects an answer (its
 * unique echoed, as FUSE matches them); FORGET expects none (no writable
 * buffer) and gets none. A request too short for its headers is answered
 * with nothing rather than failing the queue.
 */
static int fs_request(void *dev, struct virtio_dev *t, unsigned q,
		      const struct virtq_req *req)
{
	struct virtio_fs *f = dev;
	uint8_t in[FUSE_IN_HEADER], out[FUSE_OUT_HEADER] = { FUSE_OUT_HEADER };
	int32_t error = FUSE_EIO;

	(void)t;
	(void)q;
	if (!req->nin || req->iov[req->nout].len < FUSE_OUT_HEADER ||
	    !gather(req, in, sizeof(in)))
		return 0;
	memcpy(out + 4, &error, 4);
	memcpy(out + 8, in + 8, 8); /* unique */
	memcpy(req->iov[req->nout].base, out, sizeof(out));
	f->answered++;
	return FUSE_OUT_HEADER;
}

const struct virtio_dev_ops virtio_fs_ops = {
	.name = "virtio-fs", .device_id = VIRTIO_FS_ID, .nqueues = VIRTIO_FS_QUEUES,
	.config_size = CONFIG_SIZE, .features = fs_features,
	.config_read = fs_config_read, .request = fs_request,
};
