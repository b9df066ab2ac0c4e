#include "a64vm/virtio_rng.h"

#include <stdint.h>

/* Fills the request's writable buffers; the bytes the source gave. */
static int rng_request(void *dev, struct virtio_mmio *t, unsigned q,
		       const struct virtq_req *req)
{
	struct virtio_rng *r = dev;
	uint64_t done = 0;

	(void)t;
	(void)q;
	for (unsigned i = 0; i < req->nin; i++) {
		const struct virtq_iov *iov = &req->iov[req->nout + i];
		ssize_t n = r->fill(r->ctx, iov->base, iov->len);

		if (n < 0)
			break;
		done += (uint64_t)n;
		if ((uint64_t)n < iov->len)
			break;
	}
	return (int)(done > INT32_MAX ? INT32_MAX : done);
}

const struct virtio_dev_ops virtio_rng_ops = {
	.name = "virtio-rng", .device_id = VIRTIO_RNG_ID, .nqueues = 1,
	.request = rng_request,
};
