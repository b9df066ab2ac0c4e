#include "a64vm/virtio_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "a64vm/errmsg.h"

#define NUM_BUFFERS_OFF 10 /* in virtio_net_hdr */
#define STATUS_LINK_UP 1

uint64_t virtio_net_features(const struct virtio_net *n)
{
	if (n->vhost)
		return VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS |
		       (n->vhost_offers & VIRTIO_NET_VHOST_OFFLOADS);
	return (n->tx_csum ? VIRTIO_NET_F_CSUM : 0) | VIRTIO_NET_F_GUEST_CSUM |
	       VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_STATUS;
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

void virtio_net_frames_ready(struct virtio_net *n, struct virtio_core *t)
{
	struct virtq *q = virtio_core_live_queue(t, VIRTIO_NET_RX);
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
		virtio_core_needs_reset(t, t->req.error);
	n->be->want_frames(n->be_ctx, ret > 0);
	if (pushed)
		virtio_core_used(t, VIRTIO_NET_RX);
}

static uint64_t net_features(void *dev)
{
	return virtio_net_features(dev);
}

static void net_config_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	virtio_net_config_read(dev, off, data, len);
}

/* A frame the guest sends, header first, as the tap takes it. */
static int net_transmit(void *dev, struct virtio_core *t, unsigned q,
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

static void net_buffers_posted(void *dev, struct virtio_core *t, unsigned q)
{
	(void)q;
	virtio_net_frames_ready(dev, t);
}

const struct virtio_core_ops virtio_net_ops = {
	.name = "virtio-net", .device_id = VIRTIO_NET_ID, .nqueues = 2,
	.config_size = VIRTIO_NET_CONFIG_SIZE, .features = net_features,
	.config_read = net_config_read, .request = net_transmit,
	.receive_queues = 1u << VIRTIO_NET_RX, .buffers_posted = net_buffers_posted,
};

/* A port number, 1 to 65535, of exactly len digits. */
static bool parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if (!len || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = (uint16_t)v;
	return v >= 1 && v <= 65535;
}

/* "tcp:[ADDR]:HOSTPORT-:GUESTPORT" (tcp: may be left out, udp: not). */
static bool parse_forward(const char *s, size_t len, struct virtio_net_forward *f)
{
	const char *end = s + len, *dash = memchr(s, '-', len), *colon, *addr;
	unsigned char bin[16];
	bool bracketed;
	size_t alen;

	memset(f, 0, sizeof(*f));
	if (len > 4 && !strncmp(s, "udp:", 4))
		f->udp = true, s += 4;
	else if (len > 4 && !strncmp(s, "tcp:", 4))
		s += 4;
	else if (len && *s == ':')
		s++;
	else
		return false;
	if (!dash || dash < s)
		return false;
	/* ADDR, bracketed when it is IPv6, then :HOSTPORT up to the dash. */
	for (colon = dash; colon > s && colon[-1] != ':'; colon--)
		;
	if (colon == s)
		return false;
	addr = s;
	alen = (size_t)(colon - 1 - s);
	bracketed = alen >= 2 && addr[0] == '[' && addr[alen - 1] == ']';
	if (bracketed)
		addr++, alen -= 2;
	if (alen >= sizeof(f->addr) || !parse_port(colon, (size_t)(dash - colon), &f->host_port))
		return false;
	memcpy(f->addr, alen ? addr : "127.0.0.1", alen ? alen : 9);
	f->addr[alen ? alen : 9] = '\0';
	/* The guest's side: its address is passt's to choose, only the port. */
	if (end - dash < 3 || dash[1] != ':' ||
	    !parse_port(dash + 2, (size_t)(end - dash - 2), &f->guest_port))
		return false;
	return bracketed ? inet_pton(AF_INET6, f->addr, bin) == 1
			 : inet_pton(AF_INET, f->addr, bin) == 1;
}

/* The first item: which link, and its name or path. */
static bool parse_link(const char *opt, size_t len, struct virtio_net_options *out)
{
	if (len == 4 && !strncmp(opt, "user", 4)) {
		out->link = VIRTIO_NET_USER;
		return true;
	}
	if (len > 7 && !strncmp(opt, "stream=", 7) && len - 7 < sizeof(out->path)) {
		out->link = VIRTIO_NET_STREAM;
		memcpy(out->path, opt + 7, len - 7);
		return true;
	}
	if (len > 11 && !strncmp(opt, "vhost-user=", 11) && len - 11 < sizeof(out->path)) {
		out->link = VIRTIO_NET_VHOST_USER;
		memcpy(out->path, opt + 11, len - 11);
		return true;
	}
	if (len <= 4 || strncmp(opt, "tap=", 4) || len - 4 >= sizeof(out->tap) ||
	    memchr(opt + 4, '/', len - 4))
		return false;
	out->link = VIRTIO_NET_TAP;
	memcpy(out->tap, opt + 4, len - 4);
	return true;
}

int virtio_net_parse_options(const char *s, struct virtio_net_options *out)
{
	const char *opt;
	size_t len;

	memset(out, 0, sizeof(*out));
	/* QEMU's default: 52:54:00:12:34:56 */
	memcpy(out->mac, "\x52\x54\x00\x12\x34\x56", 6);
	if (!config_next_item(&s, &opt, &len) || !parse_link(opt, len, out))
		return -EINVAL;
	while (config_next_item(&s, &opt, &len)) {
		if (out->link == VIRTIO_NET_USER && len > 8 && !strncmp(opt, "hostfwd=", 8)) {
			if (out->nfwd == VIRTIO_NET_MAX_FORWARDS ||
			    !parse_forward(opt + 8, len - 8, &out->fwd[out->nfwd++]))
				return -EINVAL;
			continue;
		}
		if (out->link == VIRTIO_NET_USER && len > 11 && !strncmp(opt, "vhost-user=", 11)) {
			if (len == 13 && !strncmp(opt + 11, "on", 2))
				out->vhost_user = VIRTIO_NET_VU_ON;
			else if (len == 14 && !strncmp(opt + 11, "off", 3))
				out->vhost_user = VIRTIO_NET_VU_OFF;
			else
				return -EINVAL;
			continue;
		}
		if (!config_parse_mac(opt, len, out->mac) &&
		    !config_parse_transport(opt, len, &out->transport))
			return -EINVAL;
	}
	return 0;
}

static int apply_net(struct config *cfg, const char *val, char *err, size_t errlen)
{
	struct virtio_net_options o;

	if (virtio_net_parse_options(val, &o))
		return errmsg(err, errlen, "--net: '%s' is not tap=NAME, user[,hostfwd=FWD]..."
			      "[,vhost-user=on|off], stream=PATH or vhost-user=PATH, then "
			      "[,mac=MAC][,transport=mmio|pci] (a tap "
			      "name of 1 to 15 characters; a unicast MAC; FWD as QEMU's: "
			      "tcp|udp:[ADDR]:HOSTPORT-:GUESTPORT, at most %d)", val,
			      VIRTIO_NET_MAX_FORWARDS);
	return config_use(cfg, "net", val, 1, "network", err, errlen);
}

const struct config_option virtio_net_cli[] = {
	{ "net", " tap=NAME|user|stream=PATH|vhost-user=PATH[,hostfwd=FWD][,mac=MAC]"
	  "[,transport=T]",
	  "virtio-net on a tap (created when absent), on a passt a64vm starts (user: "
	  "no root needed; by vhost-user where passt has it, vhost-user=off: never), "
	  "or on a passt listening at PATH (stream=), or a vhost-user-net daemon at "
	  "PATH", apply_net },
	{ NULL, NULL, NULL, NULL },
};
