/*
 * A virtio device whose queues a vhost-user daemon serves (virtio-fs,
 * virtio-net on passt's vhost-user): the daemon gets guest RAM, each
 * queue's notify eventfd as its kick and, with MSI-X, the vector's irqfd
 * as its call, so a request passes through none of a64vm's threads.
 * Without MSI-X (virtio-mmio, INTx) the call is an eventfd the I/O thread
 * turns into the transport's interrupt, since those need the interrupt
 * status set. Ring features a64vm has and the daemon lacks (passt offers
 * neither indirect descriptors nor event index) are not offered to the
 * driver. When the daemon dies, hangs or breaks the protocol, a64vm takes
 * the queues back and answers each new request itself (the kind's model:
 * for virtio-fs, EIO). A driver's reset ends only once the daemon has
 * given the queues back (or is gone).
 *
 * The host kernel's vhost devices (vhost-vsock) are served the same way,
 * through ioctls instead of messages. A kind may leave its last queues to
 * a64vm (vhost-vsock's event queue): the count it gave
 * virtio_slot_set_vhost says which are the backend's.
 */
#ifndef A64VM_VHOST_WORKER_H
#define A64VM_VHOST_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "a64vm/virtio_fs.h"

/* A backend's features that are the device type's own (bits 0-23). */
#define VHOST_DEVICE_FEATURES 0xffffffull

struct virtio_slot;
struct vhost_worker;

/*
 * Starts the daemon for fs (unless it is the user's socket) and connects:
 * *device_features: what the daemon offers of the device's own features.
 * 0, or -errno with one line said.
 */
int vhost_worker_open(const struct virtio_fs_options *fs, const char *daemon, const char *name,
		   struct vhost_worker **out, uint64_t *device_features);
/*
 * A vhost-user daemon someone else started: on fd, connected (the worker
 * owns it, even on failure), else at path. without: what the guest sees
 * once a64vm took the queues back. As vhost_worker_open otherwise.
 */
int vhost_worker_open_user(int fd, const char *path, const char *name, const char *without,
			   struct vhost_worker **out, uint64_t *device_features);
/* The daemon's configuration space (GET_CONFIG), len bytes; -EOPNOTSUPP. */
int vhost_worker_get_config(struct vhost_worker *vh, uint8_t *buf, uint32_t len);
/*
 * For a device whose every request gets one answer (virtio-blk): requests
 * unanswered for 30 s with no progress mean the daemon hangs, and a64vm
 * takes the queues back; the daemon's record of the requests it holds
 * (INFLIGHT_SHMFD, where it keeps one) lets a64vm's model answer those.
 * daemon: its pid when a64vm started it (killed when it misbehaves), else
 * 0. Before the guest runs; 0 or -errno.
 */
int vhost_worker_track(struct vhost_worker *vh, unsigned nqueues, pid_t daemon);
/* A kernel vhost device, open, owned and set up by its kind. */
struct vhost_kernel_device {
	int fd;
	/* Its own start, after the rings are set, and stop, before they are read back. */
	int (*run)(int fd, bool on);
	/*
	 * Once it gave the queues back (a reset, a reboot): a new descriptor
	 * set up as fd was, fd closed either way; or -errno. NULL: fd is kept.
	 */
	int (*renew)(void *ctx, int fd);
	void *ctx;
	const char *without; /* what the guest sees once a64vm took the queues back */
};

/* The worker owns k->fd from here, even on failure. 0 or -errno. */
int vhost_worker_open_kernel(const struct vhost_kernel_device *k, struct vhost_worker **out);
/* After the transport is wired: the call eventfds, the worker's wake-up. */
int vhost_worker_wire(struct vhost_worker *vh, struct virtio_slot *d);
/*
 * Starts the device's worker, the one thread that talks to the daemon
 * once the guest runs (the driver's DRIVER_OK and resets, MSI-X changes,
 * the daemon's end). It calls on_start(ctx, name) first and goes on only
 * when that says so. 0 or -errno.
 */
int vhost_worker_start(struct vhost_worker *vh, bool (*on_start)(void *ctx, const char *name),
		    void *ctx);
/*
 * Before the worker starts (a restore): the daemon is a new one, at path
 * (pid daemon), with the features the old one had. 0 or -errno, said.
 */
int vhost_worker_reconnect(struct vhost_worker *vh, const char *path, pid_t daemon);
/* Ends the worker, once the VMM's stopping flag is set. */
void vhost_worker_stop(struct vhost_worker *vh);
void vhost_worker_close(struct vhost_worker *vh);

#endif
