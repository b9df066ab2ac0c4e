/*
 * A tap device as virtio-net's backend: frames with a virtio_net_hdr in
 * front (IFF_VNET_HDR), so checksum offload passes straight through. Its
 * descriptor is watched by the virtio I/O thread while the device has
 * buffers for what arrives.
 */
#ifndef A64VM_TAP_H
#define A64VM_TAP_H

#include <stdbool.h>

#include "a64vm/virtio_net.h"

struct virtio_io;

struct tap {
	int fd;
	char name[16]; /* IFNAMSIZ */
	struct virtio_io *io;
	bool polled; /* the I/O thread watches fd */
};

/* Opens (creating when absent) the tap name; 0 or -errno, logged. */
int tap_open(const char *name, struct virtio_io *io, struct tap *out);
void tap_close(struct tap *t);

/* The backend for a struct virtio_net; its context is the struct tap. */
extern const struct virtio_net_backend tap_backend;

#endif
