/*
 * virtio-console's host side (--console virtio): the guest's hvc0 writes
 * to a64vm's console, and the console's input goes to it.
 */
#include <errno.h>
#include <stdlib.h>

#include "a64vm/console.h"
#include "a64vm/virtio_console.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_slot.h"

static int hvc_open(const struct virtio_kind_ctx *ctx, void **priv)
{
	struct virtio_console *c = calloc(1, sizeof(*c));

	*priv = c;
	if (!c)
		return -ENOMEM;
	*c = (struct virtio_console){ .be = &console_virtio_backend, .be_ctx = ctx->console };
	virtio_slot_set_name(ctx->slot, "virtio-console");
	virtio_slot_set_model(ctx->slot, c);
	return 0;
}

static void hvc_close(struct virtio_slot *s, void *priv)
{
	(void)s;
	free(priv);
}

static size_t hvc_input(struct virtio_slot *s, void *priv, const uint8_t *buf,
			    size_t len)
{
	size_t taken;

	virtio_slot_lock(s);
	taken = virtio_console_input(priv, virtio_slot_core(s), buf, len);
	virtio_slot_unlock(s);
	return taken;
}

static unsigned hvc_count(const struct config *cfg)
{
	return cfg->console_virtio;
}

const struct virtio_kind console_kind = {
	.ops = &virtio_console_ops, .pci_class = 0x078000, .count = hvc_count,
	.open = hvc_open, .close = hvc_close, .input = hvc_input,
	/* Its queues: output is written as the guest sends it, input as buffers wait. */
	.saveable = true,
};
