#include "a64vm/virtio_net.h"

#include <errno.h>
#include <string.h>

#define NUM_BUFFERS_OFF 10 /* in virtio_net_hdr */
#define STATUS_LINK_UP 1

uint64_t virtio_net_features(void)
{
	return VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MAC |
	       VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_STATUS;
}

void virtio_net_config_read(const struct virtio_net *n, uint32_t off, uint8_t *data,
			    unsigned len)
{
	uint8_t cfg[VIRTIO_NET_CONFIG_SIZE] = { 0 };

	memcpy(cfg, n->mac, 6);
	cfg[6] = STATUS_LINK_UP;
	memcpy(data, cfg + off, len);
}

int virtio_net_receive(struct virtq *q, const struct guest_mem *mem, bool mergeable,
		       struct virtq_req *req, const uint8_t *frame, size_t len)
{
	uint16_t heads[VIRTQ_MAX_SIZE];
	uint32_t lens[VIRTQ_MAX_SIZE];
	uint8_t *num_buffers = NULL;
	size_t done = 0;
	unsigned n = 0;
	int ret;

	if (len < VIRTIO_NET_HDR_LEN)
		return 1; /* not a frame: dropped */
	while (done < len) {
		uint64_t chunk;

		ret = n < VIRTQ_MAX_SIZE ? virtq_pop(q, mem, req) : 0;
		if (ret <= 0) {
			q->last_avail -= (uint16_t)n; /* give back what was taken */
			return ret;
		}
		if (!n) {
			/* The header's num_buffers is filled in at the end. */
			if (!req->nin || req->iov[req->nout].len < VIRTIO_NET_HDR_LEN) {
				req->error = "a receive buffer smaller than the header";
				return -EINVAL;
			}
			num_buffers = req->iov[req->nout].base + NUM_BUFFERS_OFF;
		}
		chunk = virtq_copy_to(req, 0, frame + done, len - done);
		heads[n] = req->head;
		lens[n++] = (uint32_t)chunk;
		done += chunk;
		if (!mergeable && done < len) {
			/* Without merging, one buffer must hold it all: drop it. */
			virtq_push(q, mem, heads[0], 0);
			return 1;
		}
	}
	num_buffers[0] = (uint8_t)n;
	num_buffers[1] = (uint8_t)(n >> 8);
	for (unsigned i = 0; i < n; i++)
		virtq_push(q, mem, heads[i], lens[i]);
	return 1;
}

void virtio_net_frames_ready(struct virtio_net *n, struct virtio_dev *t)
{
	struct virtq *q = virtio_dev_live_queue(t, VIRTIO_NET_RX);
	bool mergeable = t->driver_features & VIRTIO_NET_F_MRG_RXBUF;
	bool csum = t->driver_features & VIRTIO_NET_F_GUEST_CSUM;
	bool pushed = false;
	int ret = 1;

	if (!q) {
		n->be->want_frames(n->be_ctx, false);
		return;
	}
	if (csum != n->csum) {
		n->be->set_csum(n->be_ctx, csum);
		n->csum = csum;
	}
	for (;;) {
		if (!n->rx_len) {
			ssize_t len = n->be->recv(n->be_ctx, n->rx_frame,
						  sizeof(n->rx_frame));

			if (len <= 0)
				break;
			n->rx_len = (size_t)len;
		}
		ret = virtio_net_receive(q, t->mem, mergeable, &t->req, n->rx_frame,
					 n->rx_len);
		if (ret <= 0)
			break;
		n->rx_len = 0;
		pushed = true;
	}
	if (ret < 0)
		virtio_dev_needs_reset(t, t->req.error);
	n->be->want_frames(n->be_ctx, ret > 0);
	if (pushed)
		virtio_dev_used(t, VIRTIO_NET_RX);
}

static uint64_t net_features(void *dev)
{
	(void)dev;
	return virtio_net_features();
}

static void net_config_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	virtio_net_config_read(dev, off, data, len);
}

/* A frame the guest sends, header first, as the tap takes it. */
static int net_transmit(void *dev, struct virtio_dev *t, unsigned q,
			const struct virtq_req *req)
{
	struct virtio_net *n = dev;
	struct iovec iov[VIRTQ_MAX_IOV];
	unsigned count = virtq_iovecs(req, false, 0, req->out_len, iov);

	(void)t;
	(void)q;
	if (count)
		n->be->send(n->be_ctx, iov, count);
	return 0;
}

static void net_buffers_posted(void *dev, struct virtio_dev *t, unsigned q)
{
	(void)q;
	virtio_net_frames_ready(dev, t);
}

const struct virtio_dev_ops virtio_net_ops = {
	.name = "virtio-net", .device_id = VIRTIO_NET_ID, .nqueues = 2,
	.config_size = VIRTIO_NET_CONFIG_SIZE, .features = net_features,
	.config_read = net_config_read, .request = net_transmit,
	.receive_queues = 1u << VIRTIO_NET_RX, .buffers_posted = net_buffers_posted,
};
