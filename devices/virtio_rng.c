#include "a64vm/virtio_rng.h"

#include <stdint.h>

#define MAX_PER_REQUEST 65536u /* a driver takes what it gets (5.4.6.1) */

/* Fills the request's writable buffers; the bytes the source gave. */
static int rng_request(void *dev, struct virtio_core *t, unsigned q,
		       const struct virtq_req *req)
{
	struct virtio_rng *r = dev;
	uint64_t done = 0;

	(void)t;
	(void)q;
	for (unsigned i = 0; i < req->nin && done < MAX_PER_REQUEST; i++) {
		const struct virtq_iov *iov = &req->iov[req->nout + i];
		size_t want = iov->len < MAX_PER_REQUEST - done ? iov->len
								: MAX_PER_REQUEST - done;
		ssize_t n = r->be->fill(r->be_ctx, iov->base, want);

		if (n < 0)
			break;
		done += (uint64_t)n;
		if ((size_t)n < want)
			break;
	}
	return (int)done;
}

const struct virtio_core_ops virtio_rng_ops = {
	.name = "virtio-rng", .device_id = VIRTIO_RNG_ID, .nqueues = 1,
	.request = rng_request,
};

static int apply_rng(struct config *cfg, const char *val, char *err, size_t errlen)
{
	/* A flag: saying it twice asks for one. */
	return config_uses(cfg, "rng") ? 0 : config_use(cfg, "rng", val, 1, "", err, errlen);
}

const struct config_option virtio_rng_cli[] = {
	{ "rng", NULL, "virtio-rng, fed from getrandom()", apply_rng },
	{ NULL, NULL, NULL, NULL },
};
