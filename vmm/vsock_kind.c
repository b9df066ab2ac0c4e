/*
 * virtio-vsock's host side: the host kernel's vhost-vsock serves rx and
 * tx (vmm/vhost_worker.c hands them over), so host programs reach the
 * guest with AF_VSOCK; a64vm keeps the event queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/vhost_kernel.h"
#include "a64vm/vhost_worker.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_slot.h"
#include "a64vm/virtio_vsock.h"

#define VHOST_VSOCK_PATH "/dev/vhost-vsock"
#define DEVICE_FEATURES 0xffffffull /* bits 0-23: the device type's own */

static int vsock_open(const struct virtio_kind_ctx *ctx, void **priv)
{
	struct virtio_vsock_options o;
	struct virtio_vsock *v = calloc(1, sizeof(*v));
	struct vhost_worker *vh;
	const char *name;
	int fd, ret;

	*priv = v;
	if (!v)
		return -ENOMEM;
	virtio_slot_set_name(ctx->slot, "virtio-vsock");
	name = virtio_slot_name(ctx->slot);
	if (virtio_vsock_parse_options(ctx->value, &o))
		return -EINVAL; /* checked when parsed: cannot happen */
	v->cid = o.cid;
	virtio_slot_set_model(ctx->slot, v);
	fd = vhost_kernel_open(VHOST_VSOCK_PATH, name, &v->features);
	if (fd < 0)
		return fd;
	v->features &= DEVICE_FEATURES;
	ret = vhost_kernel_vsock_set_cid(fd, o.cid);
	if (ret) {
		log_error("%s: CID %llu: %s", name, (unsigned long long)o.cid,
			  ret == -EADDRINUSE ? "another VM on this host has it" : strerror(-ret));
		close(fd);
		return ret;
	}
	ret = vhost_worker_open_kernel(fd, VIRTIO_VSOCK_QUEUE_EVENT, vhost_kernel_vsock_run,
				       "vhost backend the guest's packets are dropped", &vh);
	/* Closed with the device; the event queue stays a64vm's. */
	virtio_slot_set_vhost(ctx->slot, vh, VIRTIO_VSOCK_QUEUE_EVENT);
	return ret;
}

static void vsock_close(struct virtio_slot *s, void *priv)
{
	struct virtio_vsock *v = priv;

	if (v && v->dropped)
		log_info("%s: %llu packets dropped after its backend went",
			 virtio_slot_name(s), (unsigned long long)v->dropped);
	free(v);
}

const struct virtio_kind vsock_kind = {
	.ops = &virtio_vsock_ops, .pci_class = 0xff0000, /* as QEMU's vhost-vsock-pci */
	.options = virtio_vsock_cli, .adds = "vsock", .open = vsock_open, .close = vsock_close,
};
