/* virtio-rng's host side: the host's getrandom(). */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_rng.h"
#include "a64vm/virtio_slot.h"

static ssize_t host_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	return getrandom(buf, len, 0);
}

static const struct virtio_rng_backend host_entropy = { .fill = host_random };

static int rng_open(const struct virtio_kind_ctx *ctx, void **priv)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));

	*priv = r;
	if (!r)
		return -ENOMEM;
	r->be = &host_entropy;
	virtio_slot_set_name(ctx->slot, "virtio-rng");
	virtio_slot_set_model(ctx->slot, r);
	return 0;
}

static void rng_close(struct virtio_slot *s, void *priv)
{
	(void)s;
	free(priv);
}

const struct virtio_kind rng_kind = {
	.ops = &virtio_rng_ops, .pci_class = 0xff0000, .options = virtio_rng_cli,
	.adds = "rng", .open = rng_open, .close = rng_close,
	.saveable = true, /* nothing besides its queue: the host's entropy is drawn anew */
};
