/*
 * virtio-console (VIRTIO 1.x, 5.3), one port, no features: the guest's
 * hvc0. What the guest transmits goes to the console; console input fills
 * the buffers the guest posts on its receive queue.
 */
#ifndef A64VM_VIRTIO_CONSOLE_H
#define A64VM_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "a64vm/virtio_core.h"

#define VIRTIO_CONSOLE_ID 3
#define VIRTIO_CONSOLE_RX 0 /* receiveq: input to the guest */
#define VIRTIO_CONSOLE_TX 1 /* transmitq: the guest's output */

/* The console on the other end. */
struct virtio_console_backend {
	/* The guest's output. */
	void (*write)(void *ctx, const uint8_t *buf, size_t len);
	/* The guest posted receive buffers: input may come again. */
	void (*input_ready)(void *ctx);
};

struct virtio_console {
	const struct virtio_console_backend *be;
	void *be_ctx;
};

/*
 * Console input: the bytes the guest's receive buffers took. When it
 * takes fewer, be->input_ready says when buffers come.
 */
size_t virtio_console_input(struct virtio_console *c, struct virtio_core *t,
			    const uint8_t *buf, size_t len);

/* The kind's transport ops; dev is a struct virtio_console. */
extern const struct virtio_core_ops virtio_console_ops;

#endif
