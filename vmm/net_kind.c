/*
 * virtio-net's host side: a tap device (vmm/tap.c), or a stream to passt
 * (vmm/net_stream.c), one a64vm starts (--net user, vmm/passt.c) or one
 * already listening (--net stream=PATH); the I/O thread watches either.
 * Or a vhost-user daemon serves both queues (vmm/vhost_worker.c): the
 * passt a64vm starts, where it has that mode, or one at --net
 * vhost-user=PATH; a64vm keeps the configuration space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/log.h"
#include "a64vm/memory.h"
#include "a64vm/net_stream.h"
#include "a64vm/passt.h"
#include "a64vm/tap.h"
#include "a64vm/vhost_worker.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_net.h"
#include "a64vm/virtio_slot.h"

struct net_dev {
	struct virtio_slot *slot;
	struct virtio_net net; /* large: the device is allocated */
	struct tap tap;
	struct net_stream stream;
	uint64_t dropped; /* the guest's frames, after its vhost-user daemon went */
};

static void on_frames(void *ctx)
{
	struct net_dev *n = ctx;

	virtio_slot_lock(n->slot);
	virtio_net_frames_ready(&n->net, virtio_slot_core(n->slot));
	virtio_slot_unlock(n->slot);
}

/* Once a64vm took the queues back from a vhost-user daemon gone: no link. */
static ssize_t none_recv(void *ctx, uint8_t *buf, size_t cap)
{
	(void)ctx;
	(void)buf;
	(void)cap;
	return 0;
}

static void none_send(void *ctx, const struct iovec *iov, unsigned n)
{
	(void)iov;
	(void)n;
	((struct net_dev *)ctx)->dropped++;
}

static void none_set(void *ctx, bool on)
{
	(void)ctx;
	(void)on;
}

static const struct virtio_net_backend no_link = {
	.recv = none_recv, .send = none_send, .want_frames = none_set, .set_csum = none_set,
};

/* Whether a vhost-user daemon serves the queues: one at PATH, or passt's mode. */
static bool by_vhost_user(const struct virtio_net_options *o)
{
	if (o->link == VIRTIO_NET_VHOST_USER)
		return true;
	if (o->link != VIRTIO_NET_USER || o->vhost_user == VIRTIO_NET_VU_OFF)
		return false;
	return o->vhost_user == VIRTIO_NET_VU_ON || passt_offers_vhost_user();
}

static bool net_shares_ram(const struct config *cfg)
{
	struct virtio_net_options o;

	return !virtio_net_parse_options(config_use_value(cfg, "net", 0), &o) &&
	       by_vhost_user(&o);
}

static int open_vhost_user(const struct virtio_kind_ctx *ctx, struct net_dev *n,
			   const struct virtio_net_options *o)
{
	struct vhost_worker *vh = NULL;
	int fd = -1, ret = 0;

	if (o->link == VIRTIO_NET_USER && !passt_offers_vhost_user()) {
		log_error("--net user,vhost-user=on: this passt has no vhost-user mode "
			  "(Debian 13's has; Debian 12's speaks only its stream)");
		return -ENOTSUP;
	}
	if (o->link == VIRTIO_NET_USER)
		ret = passt_start(o, true, &fd);
	if (!ret)
		ret = vhost_worker_open_user(fd, o->path, "virtio-net",
					     "daemon the guest's frames are dropped", &vh,
					     &n->net.vhost_offers);
	if (vh)
		virtio_slot_set_vhost(ctx->slot, vh, virtio_net_ops.nqueues); /* closed with it */
	n->net.vhost = true;
	n->net.be = &no_link;
	n->net.be_ctx = n;
	if (!ret && virtio_slot_mem(ctx->slot)->fd < 0)
		ret = -EINVAL; /* net_shares_ram: vm.c maps RAM shared */
	if (!ret)
		log_debug("virtio-net: on %s, by vhost-user (frames pass none of a64vm's "
			  "threads)", o->link == VIRTIO_NET_USER ? "passt" : o->path);
	return ret;
}

static int open_stream(struct net_dev *n, const struct virtio_net_options *o,
		       struct virtio_io *io)
{
	int fd, ret;

	if (o->link == VIRTIO_NET_STREAM)
		return net_stream_connect(o->path, io, &n->stream);
	ret = passt_start(o, false, &fd);
	if (ret)
		return ret;
	net_stream_adopt(fd, "passt", io, &n->stream);
	return 0;
}

static int net_open(const struct virtio_kind_ctx *ctx, void **priv)
{
	struct virtio_net_options o;
	struct net_dev *n = calloc(1, sizeof(*n));
	struct virtio_io *io = virtio_slot_io(ctx->slot);
	int ret, fd;

	*priv = n;
	if (!n)
		return -ENOMEM;
	n->slot = ctx->slot;
	n->tap.fd = n->stream.fd = -1;
	virtio_slot_set_name(ctx->slot, "virtio-net");
	if (virtio_net_parse_options(ctx->value, &o))
		return -EINVAL; /* checked when parsed: cannot happen */
	memcpy(n->net.mac, o.mac, sizeof(n->net.mac));
	virtio_slot_set_model(ctx->slot, &n->net);
	if (by_vhost_user(&o))
		return open_vhost_user(ctx, n, &o);
	if (o.link == VIRTIO_NET_TAP) {
		ret = tap_open(o.tap, io, &n->tap);
		n->net.be = &tap_backend;
		n->net.be_ctx = &n->tap;
		n->net.tx_csum = true;
		fd = n->tap.fd;
	} else {
		ret = open_stream(n, &o, io);
		n->net.be = &net_stream_backend;
		n->net.be_ctx = &n->stream;
		fd = n->stream.fd;
		if (!ret)
			log_debug("virtio-net: on %s, by passt's stream protocol (no vhost-user)",
			  n->stream.peer);
	}
	if (ret)
		return ret;
	return virtio_slot_watch(ctx->slot, fd, false, on_frames, n);
}

/* passt ends once its end of the stream is closed: nothing to wait for. */
static void net_close(struct virtio_slot *s, void *priv)
{
	struct net_dev *n = priv;

	if (!n)
		return;
	if (n->dropped)
		log_info("%s: %llu frames of the guest's dropped after its daemon went",
			 virtio_slot_name(s), (unsigned long long)n->dropped);
	tap_close(&n->tap);
	net_stream_close(&n->stream);
	free(n);
}

const struct virtio_kind net_kind = {
	.ops = &virtio_net_ops, .pci_class = 0x020000, .options = virtio_net_cli,
	.adds = "net", .shares_ram = net_shares_ram, .open = net_open, .close = net_close,
	/*
	 * Its queues and vectors; the link is the host's: a restore opens its
	 * own tap or passt, and frames on the wire meanwhile are lost, as on
	 * a cable pulled and put back. A vhost-user daemon's queues: refused.
	 */
	.saveable = true,
};
