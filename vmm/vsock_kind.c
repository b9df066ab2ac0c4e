/*
 * virtio-vsock's host side: the host kernel's vhost-vsock serves rx and
 * tx (vmm/vhost_worker.c hands them over), so host programs reach the
 * guest with AF_VSOCK; a64vm keeps the event queue. Each time the guest
 * lets go of the device (a reset, a reboot) it is replaced by a new one
 * (vmm/device_opener.c): closing the old, which no longer holds the CID,
 * is what makes the kernel reset every host connection to the guest that
 * is gone (else a host peer waiting for credit would wait for ever).
 *
 * With uds=PATH, a64vm's own backend (lib/vsock_mux.c) serves rx and tx
 * on the I/O thread: host programs connect to the UNIX socket PATH, and
 * the guest's connections to the host's port P reach PATH_P through a
 * child forked at setup (vmm/device_opener.c), as no thread of a64vm may
 * connect to a path once the guest runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a64vm/device_opener.h"
#include "a64vm/listen_socket.h"
#include "a64vm/log.h"
#include "a64vm/vhost_kernel.h"
#include "a64vm/vhost_worker.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_slot.h"
#include "a64vm/virtio_vsock.h"

#define VHOST_VSOCK_PATH "/dev/vhost-vsock"

struct vsock_dev {
	struct virtio_vsock model; /* large: the device is allocated */
	struct device_opener opener;
	const char *name;
	struct virtio_slot *slot;
	int listen_fd; /* uds=PATH's, or -1 */
	struct unix_socket_owner owner;
};

/*
 * A device owned (its features as the first one's, when renewed) given
 * the CID: the descriptor, or -errno with it closed.
 */
static int set_up(struct vsock_dev *v, int fd, bool renewed)
{
	uint64_t features;
	int ret = renewed ? vhost_kernel_own(fd, &features) : 0;

	if (!ret && renewed && (features & VHOST_DEVICE_FEATURES) != v->model.features)
		ret = -EPROTO;
	if (!ret)
		ret = vhost_kernel_vsock_set_cid(fd, v->model.cid);
	if (ret == -EADDRINUSE)
		log_error("%s: CID %llu: another VM on this host has it", v->name,
			  (unsigned long long)v->model.cid);
	else if (ret)
		log_error("%s: %s: %s", v->name, VHOST_VSOCK_PATH, strerror(-ret));
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int renew(void *ctx, int old)
{
	struct vsock_dev *v = ctx;
	int fd = device_opener_get(&v->opener);

	close(old);
	if (fd < 0) {
		log_error("%s: cannot open %s anew: %s", v->name, VHOST_VSOCK_PATH,
			  strerror(-fd));
		return fd;
	}
	return set_up(v, fd, true);
}

static int connect_host(void *ctx, uint32_t port)
{
	return device_opener_connect(&((struct vsock_dev *)ctx)->opener, port);
}

static void on_host(void *ctx)
{
	struct vsock_dev *v = ctx;

	virtio_slot_lock(v->slot);
	vsock_mux_poll(v->model.mux);
	virtio_vsock_fill_rx(&v->model, virtio_slot_core(v->slot));
	virtio_slot_unlock(v->slot);
}

static int open_uds(const struct virtio_kind_ctx *ctx, struct vsock_dev *v, const char *path)
{
	int ret;

	v->listen_fd = listen_unix(path, &v->owner);
	if (v->listen_fd < 0) {
		ret = v->listen_fd;
		log_error("%s: uds=%s: %s", v->name, path, ret == -EADDRINUSE ?
			  "something is there already (a file, or a socket another "
			  "program listens on)" : strerror(-ret));
		return ret;
	}
	ret = device_opener_start_connector(&v->opener, path, ctx->cfg->seccomp);
	if (!ret)
		ret = vsock_mux_create(v->model.cid, v->listen_fd, connect_host, v,
				       &v->model.mux);
	if (!ret)
		ret = virtio_slot_watch(ctx->slot, vsock_mux_fd(v->model.mux), true, on_host, v);
	if (!ret)
		log_debug("%s: a64vm's own backend on %s (no vhost-vsock)", v->name, path);
	return ret;
}

static int vsock_open(const struct virtio_kind_ctx *ctx, void **priv)
{
	struct virtio_vsock_options o;
	struct vsock_dev *v = calloc(1, sizeof(*v));
	struct vhost_worker *vh;
	int fd, ret;

	*priv = v;
	if (!v)
		return -ENOMEM;
	v->opener.sock = v->listen_fd = v->owner.dir_fd = -1;
	v->slot = ctx->slot;
	virtio_slot_set_name(ctx->slot, "virtio-vsock");
	v->name = virtio_slot_name(ctx->slot);
	if (virtio_vsock_parse_options(ctx->value, &o))
		return -EINVAL; /* checked when parsed: cannot happen */
	v->model.cid = o.cid;
	virtio_slot_set_model(ctx->slot, &v->model);
	if (o.uds[0])
		return open_uds(ctx, v, o.uds);
	fd = vhost_kernel_open(VHOST_VSOCK_PATH, v->name, &v->model.features);
	if (fd < 0)
		return fd;
	v->model.features &= VHOST_DEVICE_FEATURES;
	fd = set_up(v, fd, false);
	if (fd < 0)
		return fd;
	ret = device_opener_start(&v->opener, VHOST_VSOCK_PATH, ctx->cfg->seccomp);
	if (ret) {
		close(fd);
		return ret;
	}
	ret = vhost_worker_open_kernel(&(struct vhost_kernel_device){
		.fd = fd, .run = vhost_kernel_vsock_run,
		.renew = renew, .ctx = v,
		.without = "vhost backend the guest's packets are dropped" }, &vh);
	/* Closed with the device; the event queue stays a64vm's. */
	virtio_slot_set_vhost(ctx->slot, vh, VIRTIO_VSOCK_QUEUE_EVENT);
	return ret;
}

static void vsock_close(struct virtio_slot *s, void *priv)
{
	struct vsock_dev *v = priv;

	if (!v)
		return;
	if (v->model.dropped)
		log_info("%s: %llu packets dropped after its backend went",
			 virtio_slot_name(s), (unsigned long long)v->model.dropped);
	if (v->model.mux) {
		struct vsock_mux_stats st;

		vsock_mux_stats(v->model.mux, &st);
		if (st.refused || st.violations)
			log_info("%s: %llu connections refused, %llu packets past their credit "
				 "or malformed", virtio_slot_name(s),
				 (unsigned long long)st.refused, (unsigned long long)st.violations);
	}
	vsock_mux_destroy(v->model.mux);
	if (v->listen_fd >= 0)
		close(v->listen_fd);
	listen_unix_remove(&v->owner);
	device_opener_stop(&v->opener);
	free(v);
}

/*
 * Restored (uds=: vhost-vsock's queues are the kernel's, and refused): the
 * host's side of every connection is not the snapshot's, so the guest is
 * told to reset its own; its listening sockets stay.
 */
static int vsock_restore(struct virtio_slot *s, void *priv, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (!virtio_vsock_transport_reset(&((struct vsock_dev *)priv)->model,
					  virtio_slot_core(s)))
		log_warn("%s: the guest posted no event buffer: it is not told that its "
			 "connections are gone", virtio_slot_name(s));
	return 0;
}

const struct virtio_kind vsock_kind = {
	.ops = &virtio_vsock_ops, .pci_class = 0xff0000, /* as QEMU's vhost-vsock-pci */
	.options = virtio_vsock_cli, .adds = "vsock", .open = vsock_open, .close = vsock_close,
	.saveable = true, .restore = vsock_restore,
};
