/*
 * virtio-rng (VIRTIO 1.x, 5.4): the driver's buffers are filled from an
 * entropy source the glue supplies (the host's getrandom()).
 */
#ifndef A64VM_VIRTIO_RNG_H
#define A64VM_VIRTIO_RNG_H

#include <stddef.h>
#include <sys/types.h>

#include "a64vm/config.h"
#include "a64vm/virtio_core.h"

#define VIRTIO_RNG_ID 4

/* The entropy source. */
struct virtio_rng_backend {
	/* Up to len random bytes into buf: how many, or < 0 on failure. */
	ssize_t (*fill)(void *ctx, void *buf, size_t len);
};

struct virtio_rng {
	const struct virtio_rng_backend *be;
	void *be_ctx;
};

/* The options the kind owns on the command line (--rng). */
extern const struct config_option virtio_rng_cli[];

/* The kind's transport ops; dev is a struct virtio_rng. */
extern const struct virtio_core_ops virtio_rng_ops;

#endif
