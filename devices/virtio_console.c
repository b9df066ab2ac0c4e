#include "a64vm/virtio_console.h"

#include <errno.h>

#define CONFIG_SIZE 12 /* cols, rows, max_nr_ports, emerg_wr: all zero */
#define SLICE 65536u   /* a stop is noticed between slices */

/* The guest's output: the request's readable bytes. */
static int console_transmit(void *dev, struct virtio_core *t, unsigned q,
			    const struct virtq_req *req)
{
	struct virtio_console *c = dev;

	(void)q;
	for (unsigned i = 0; i < req->nout; i++)
		for (uint32_t off = 0; off < req->iov[i].len; off += SLICE) {
			uint32_t n = req->iov[i].len - off < SLICE ? req->iov[i].len - off
								     : SLICE;

			if (virtio_stopping(t->stopping))
				return -ECANCELED;
			c->be->write(c->be_ctx, req->iov[i].base + off, n);
		}
	return 0;
}

/* Receive buffers wait for input; the console may now send it. */
static void console_buffers_posted(void *dev, struct virtio_core *t, unsigned q)
{
	struct virtio_console *c = dev;

	(void)t;
	(void)q;
	c->be->input_ready(c->be_ctx);
}

size_t virtio_console_input(struct virtio_console *c, struct virtio_core *t,
			    const uint8_t *buf, size_t len)
{
	struct virtq *q = virtio_core_live_queue(t, VIRTIO_CONSOLE_RX);
	size_t taken = 0;
	int ret = 0;

	(void)c;
	while (q && taken < len && (ret = virtq_pop(q, t->mem, &t->req)) == 1) {
		uint64_t n = virtq_copy_to(&t->req, 0, buf + taken, len - taken);

		virtq_push(q, t->mem, t->req.head, (uint32_t)n);
		taken += n;
	}
	if (ret < 0)
		virtio_core_needs_reset(t, t->req.error);
	if (taken)
		virtio_core_used(t, VIRTIO_CONSOLE_RX);
	return taken;
}

const struct virtio_core_ops virtio_console_ops = {
	.name = "virtio-console", .device_id = VIRTIO_CONSOLE_ID, .nqueues = 2,
	.config_size = CONFIG_SIZE,
	.request = console_transmit,
	.receive_queues = 1u << VIRTIO_CONSOLE_RX,
	.buffers_posted = console_buffers_posted,
};
