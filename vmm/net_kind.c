/*
 * virtio-net's host side: a tap device (vmm/tap.c), or a stream to passt
 * (vmm/net_stream.c), one a64vm starts (--net user, vmm/passt.c) or one
 * already listening (--net stream=PATH); the I/O thread watches either.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/log.h"
#include "a64vm/net_stream.h"
#include "a64vm/passt.h"
#include "a64vm/tap.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_net.h"
#include "a64vm/virtio_slot.h"

struct net_dev {
	struct virtio_slot *slot;
	struct virtio_net net; /* large: the device is allocated */
	struct tap tap;
	struct net_stream stream;
};

static void on_frames(void *ctx)
{
	struct net_dev *n = ctx;

	virtio_slot_lock(n->slot);
	virtio_net_frames_ready(&n->net, virtio_slot_core(n->slot));
	virtio_slot_unlock(n->slot);
}

static int open_stream(struct net_dev *n, const struct virtio_net_options *o,
		       struct virtio_io *io)
{
	int fd, ret;

	if (o->link == VIRTIO_NET_STREAM)
		return net_stream_connect(o->path, io, &n->stream);
	ret = passt_start(o, &fd);
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
		log_debug("virtio-net: on %s, by passt's stream protocol (no vhost-user)",
			  n->stream.peer);
	}
	if (ret)
		return ret;
	virtio_slot_set_model(ctx->slot, &n->net);
	return virtio_slot_watch(ctx->slot, fd, false, on_frames, n);
}

/* passt ends once its end of the stream is closed: nothing to wait for. */
static void net_close(struct virtio_slot *s, void *priv)
{
	struct net_dev *n = priv;

	(void)s;
	if (!n)
		return;
	tap_close(&n->tap);
	net_stream_close(&n->stream);
	free(n);
}

const struct virtio_kind net_kind = {
	.ops = &virtio_net_ops, .pci_class = 0x020000, .options = virtio_net_cli,
	.adds = "net", .open = net_open, .close = net_close,
};
