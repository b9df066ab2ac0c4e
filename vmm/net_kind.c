/* virtio-net's host side: a tap device (vmm/tap.c) the I/O thread watches. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/tap.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_net.h"
#include "a64vm/virtio_slot.h"

struct net_dev {
	struct virtio_slot *slot;
	struct virtio_net net; /* large: the device is allocated */
	struct tap tap;
};

static void on_tap(void *ctx)
{
	struct net_dev *n = ctx;

	virtio_slot_lock(n->slot);
	virtio_net_frames_ready(&n->net, virtio_slot_core(n->slot));
	virtio_slot_unlock(n->slot);
}

static int net_open(const struct virtio_kind_ctx *ctx, void **priv)
{
	struct virtio_net_options o;
	struct net_dev *n = calloc(1, sizeof(*n));
	int ret;

	*priv = n;
	if (!n)
		return -ENOMEM;
	n->slot = ctx->slot;
	n->tap.fd = -1;
	virtio_slot_set_name(ctx->slot, "virtio-net");
	if (virtio_net_parse_options(ctx->value, &o))
		return -EINVAL; /* checked when parsed: cannot happen */
	ret = tap_open(o.tap, virtio_slot_io(ctx->slot), &n->tap);
	if (ret)
		return ret;
	memcpy(n->net.mac, o.mac, sizeof(n->net.mac));
	n->net.be = &tap_backend;
	n->net.be_ctx = &n->tap;
	virtio_slot_set_model(ctx->slot, &n->net);
	return virtio_slot_watch(ctx->slot, n->tap.fd, false, on_tap, n);
}

static void net_close(struct virtio_slot *s, void *priv)
{
	struct net_dev *n = priv;

	(void)s;
	if (!n)
		return;
	tap_close(&n->tap);
	free(n);
}

const struct virtio_kind net_kind = {
	.ops = &virtio_net_ops, .pci_class = 0x020000, .options = virtio_net_cli,
	.adds = "net", .open = net_open, .close = net_close,
};
