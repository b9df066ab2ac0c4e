#include "a64vm/virtio_vsock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/errmsg.h"

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

/* Only tx carries requests (rx and event are the device's to fill): dropped. */
static int vsock_request(void *dev, struct virtio_core *t, unsigned q,
			 const struct virtq_req *req)
{
	(void)t;
	(void)req;
	if (q == QUEUE_TX)
		((struct virtio_vsock *)dev)->dropped++;
	return 0;
}

/* Buffers posted on rx or event: kept; nothing comes without a backend. */
static void vsock_buffers_posted(void *dev, struct virtio_core *t, unsigned q)
{
	(void)dev;
	(void)t;
	(void)q;
}

const struct virtio_core_ops virtio_vsock_ops = {
	.name = "virtio-vsock", .device_id = VIRTIO_VSOCK_ID, .nqueues = VIRTIO_VSOCK_QUEUES,
	.config_size = CONFIG_SIZE, .features = vsock_features,
	.config_read = vsock_config_read, .request = vsock_request,
	.receive_queues = 1u << QUEUE_RX | 1u << VIRTIO_VSOCK_QUEUE_EVENT,
	.buffers_posted = vsock_buffers_posted,
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

int virtio_vsock_parse_options(const char *s, struct virtio_vsock_options *out)
{
	const char *opt;
	size_t len;

	memset(out, 0, sizeof(*out));
	while (config_next_item(&s, &opt, &len))
		if (!parse_cid(opt, len, &out->cid) &&
		    !config_parse_transport(opt, len, &out->transport))
			return -EINVAL;
	return out->cid ? 0 : -EINVAL;
}

static int apply_vsock(struct config *cfg, const char *val, char *err, size_t errlen)
{
	struct virtio_vsock_options o;

	if (virtio_vsock_parse_options(val, &o))
		return errmsg(err, errlen, "--vsock: '%s' is not cid=N[,transport=mmio|pci] "
			      "(a CID from %llu to %llu)", val, VIRTIO_VSOCK_CID_MIN,
			      VIRTIO_VSOCK_CID_MAX);
	return config_use(cfg, "vsock", val, 1, "vsock device", err, errlen);
}

const struct config_option virtio_vsock_cli[] = {
	{ "vsock", " cid=N[,transport=T]", "virtio-vsock with the guest's CID N, on the\n"
	  "host kernel's vhost-vsock (/dev/vhost-vsock)", apply_vsock },
	{ NULL, NULL, NULL, NULL },
};
