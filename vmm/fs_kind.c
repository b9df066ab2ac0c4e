/*
 * virtio-fs's host side: its queues are a vhost-user daemon's
 * (vmm/vhost_worker.c), virtiofsd that a64vm starts (vmm/virtiofsd.c) or
 * the user's; guest RAM is shared with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/log.h"
#include "a64vm/memory.h"
#include "a64vm/vhost_worker.h"
#include "a64vm/virtio_fs.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_slot.h"

static int fs_open(const struct virtio_kind_ctx *ctx, void **priv)
{
	struct virtio_fs_options o;
	struct virtio_fs *f = calloc(1, sizeof(*f));
	struct vhost_worker *vh = NULL;
	char name[32];
	int ret;

	*priv = f;
	if (!f)
		return -ENOMEM;
	virtio_slot_set_name(ctx->slot, "virtio-fs%u", ctx->index);
	if (virtio_fs_parse_options(ctx->value, &o))
		return -EINVAL; /* checked when parsed: cannot happen */
	memcpy(f->tag, o.tag, strlen(o.tag));
	virtio_slot_set_model(ctx->slot, f);
	snprintf(name, sizeof(name), "%s", virtio_slot_name(ctx->slot));
	ret = vhost_worker_open(&o, config_use_value(ctx->cfg, "fs-daemon", 0), name, &vh,
				&f->features);
	virtio_slot_set_vhost(ctx->slot, vh, VIRTIO_FS_QUEUES); /* closed with the device */
	if (!ret && virtio_slot_mem(ctx->slot)->fd < 0)
		ret = -EINVAL; /* shares_ram: vm.c maps RAM shared */
	return ret;
}

static void fs_close(struct virtio_slot *s, void *priv)
{
	struct virtio_fs *f = priv;

	if (f && f->answered)
		log_info("%s: %llu requests answered with EIO after its daemon went",
			 virtio_slot_name(s), (unsigned long long)f->answered);
	free(f);
}

/* virtiofsd maps guest RAM, always. */
static bool fs_shares_ram(const struct config *cfg)
{
	(void)cfg;
	return true;
}

const struct virtio_kind fs_kind = {
	.ops = &virtio_fs_ops, .pci_class = 0x018000, /* QEMU's vhost-user-fs-pci */
	.options = virtio_fs_cli, .adds = "fs", .shares_ram = fs_shares_ram,
	.open = fs_open, .close = fs_close,
};
