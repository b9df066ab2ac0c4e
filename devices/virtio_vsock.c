#include "a64vm/virtio_vsock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/errmsg.h"
#include "a64vm/log.h"

#define QUEUE_RX 0
#define QUEUE_TX 1
#define CONFIG_SIZE 8 /* guest_cid, le64 */

static uint64_t vsock_features(void *dev)
{
	return ((struct virtio_vsock *)dev)->features;
}

static void vsock_config_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	uint64_t cid = ((struct virtio_vsock *)dev)->cid;
	uint8_t config[CONFIG_SIZE];

	for (unsigned i = 0; i < CONFIG_SIZE; i++)
		config[i] = (uint8_t)(cid >> (8 * i));
	memcpy(data, config + off, len);
}

void virtio_vsock_fill_rx(struct virtio_vsock *v, struct virtio_core *t)
{
	struct virtq *q = virtio_core_live_queue(t, QUEUE_RX);
	bool pushed = false;
	int ret = 0;

	while (q && v->mux && (ret = virtq_pop(q, t->mem, &v->rx_req)) > 0) {
		struct virtq_req *r = &v->rx_req;
		uint64_t cap = r->in_len < sizeof(v->pkt) ? r->in_len : sizeof(v->pkt);
		size_t len = r->nout ? 0 : vsock_mux_to_guest(v->mux, v->pkt, cap);

		if (!len && !r->nout) {
			q->last_avail--; /* nothing to say: the buffer waits */
			break;
		}
		/* A buffer the device may not write: used empty. */
		virtq_copy_to(r, 0, v->pkt, len);
		virtq_push(q, t->mem, r->head, (uint32_t)len);
		pushed = true;
	}
	if (ret < 0)
		virtio_core_needs_reset(t, v->rx_req.error);
	if (pushed)
		virtio_core_used(t, QUEUE_RX);
}

bool virtio_vsock_transport_reset(struct virtio_vsock *v, struct virtio_core *t)
{
	struct virtq *q = virtio_core_live_queue(t, VIRTIO_VSOCK_QUEUE_EVENT);
	const uint8_t event[4] = { 0 }; /* le32 id: VIRTIO_VSOCK_EVENT_TRANSPORT_RESET */
	int ret;

	if (v->mux)
		vsock_mux_reset(v->mux);
	if (!q)
		return true; /* no driver: no connection to tell of */
	ret = virtq_pop(q, t->mem, &t->req);
	if (ret < 0)
		virtio_core_needs_reset(t, t->req.error);
	if (ret <= 0)
		return false;
	virtq_push(q, t->mem, t->req.head, (uint32_t)virtq_copy_to(&t->req, 0, event,
								     sizeof(event)));
	virtio_core_used(t, VIRTIO_VSOCK_QUEUE_EVENT);
	return true;
}

/*
 * Only tx carries requests (rx and event are the device's to fill): to
 * the userspace backend, else dropped.
 */
static int vsock_request(void *dev, struct virtio_core *t, unsigned q,
			 const struct virtq_req *req)
{
	struct virtio_vsock *v = dev;

	(void)t;
	if (q != QUEUE_TX)
		return 0;
	if (!v->mux) {
		v->dropped++;
		return 0;
	}
	if (req->out_len > sizeof(v->pkt)) {
		log_ratelimited(LOG_WARN, "virtio-vsock: the guest sent a packet of %llu bytes: "
				"dropped", (unsigned long long)req->out_len);
		return 0;
	}
	virtq_copy_from(req, 0, v->pkt, req->out_len);
	if (vsock_mux_from_guest(v->mux, v->pkt, req->out_len))
		virtio_vsock_fill_rx(v, t);
	return 0;
}

/* Buffers posted on rx: filled with what waits; event's are kept. */
static void vsock_buffers_posted(void *dev, struct virtio_core *t, unsigned q)
{
	if (q == QUEUE_RX)
		virtio_vsock_fill_rx(dev, t);
}

static void vsock_reset(void *dev)
{
	struct virtio_vsock *v = dev;

	if (v->mux)
		vsock_mux_reset(v->mux);
}

const struct virtio_core_ops virtio_vsock_ops = {
	.name = "virtio-vsock", .device_id = VIRTIO_VSOCK_ID, .nqueues = VIRTIO_VSOCK_QUEUES,
	.config_size = CONFIG_SIZE, .features = vsock_features,
	.config_read = vsock_config_read, .request = vsock_request,
	.receive_queues = 1u << QUEUE_RX | 1u << VIRTIO_VSOCK_QUEUE_EVENT,
	.buffers_posted = vsock_buffers_posted, .reset = vsock_reset,
};

/* "cid=N", decimal, 3 to 2^32 - 2. */
static bool parse_cid(const char *opt, size_t len, uint64_t *cid)
{
	char digits[16];
	char *end;

	if (len <= 4 || len - 4 >= sizeof(digits) || strncmp(opt, "cid=", 4))
		return false;
	memcpy(digits, opt + 4, len - 4);
	digits[len - 4] = '\0';
	if (digits[0] < '0' || digits[0] > '9')
		return false;
	errno = 0;
	*cid = strtoull(digits, &end, 10);
	return !errno && !*end && *cid >= VIRTIO_VSOCK_CID_MIN && *cid <= VIRTIO_VSOCK_CID_MAX;
}

/* "uds=PATH": short enough that PATH_PORT is a socket address. */
static bool parse_uds(const char *opt, size_t len, char uds[96])
{
	if (len <= 4 || len - 4 >= 96 || strncmp(opt, "uds=", 4))
		return false;
	memcpy(uds, opt + 4, len - 4);
	uds[len - 4] = '\0';
	return true;
}

int virtio_vsock_parse_options(const char *s, struct virtio_vsock_options *out)
{
	const char *opt;
	size_t len;

	memset(out, 0, sizeof(*out));
	while (config_next_item(&s, &opt, &len))
		if (!parse_cid(opt, len, &out->cid) && !parse_uds(opt, len, out->uds) &&
		    !config_parse_transport(opt, len, &out->transport))
			return -EINVAL;
	return out->cid ? 0 : -EINVAL;
}

static int apply_vsock(struct config *cfg, const char *val, char *err, size_t errlen)
{
	struct virtio_vsock_options o;

	if (virtio_vsock_parse_options(val, &o))
		return errmsg(err, errlen, "--vsock: '%s' is not cid=N[,uds=PATH]"
			      "[,transport=mmio|pci] (a CID from %llu to %llu; a PATH of 1 to "
			      "95 bytes)", val, VIRTIO_VSOCK_CID_MIN, VIRTIO_VSOCK_CID_MAX);
	return config_use(cfg, "vsock", val, 1, "vsock device", err, errlen);
}

const struct config_option virtio_vsock_cli[] = {
	{ "vsock", " cid=N[,uds=PATH][,transport=T]", "virtio-vsock with the guest's CID N, on\n"
	  "the host kernel's vhost-vsock (/dev/vhost-vsock), or with uds=PATH on a64vm's\n"
	  "own: host programs connect to the UNIX socket PATH and write \"CONNECT PORT\",\n"
	  "the guest's connections to port P go to PATH_P", apply_vsock },
	{ NULL, NULL, NULL, NULL },
};
