/*
 * The console on stdin/stdout: raw mode on a terminal, QEMU's escapes
 * (Ctrl-A x quits, Ctrl-A Ctrl-A or Ctrl-A a sends Ctrl-A, Ctrl-A h helps),
 * and input held back while the guest's UART is full, so none is lost.
 */
#ifndef A64VM_CONSOLE_H
#define A64VM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "a64vm/event_loop.h"
#include "a64vm/virtio_console.h"

struct console;
struct vm_ctl;

/* Where console input goes, chosen once by vm.c (the PL011 or virtio-console). */
struct console_sink {
	/* Takes what it has room for; console_input_ready says when there is more. */
	size_t (*input)(void *ctx, const uint8_t *buf, size_t len);
	void *ctx;
	struct vm_ctl *ctl; /* Ctrl-A x stops the VM */
};

int console_open(int in_fd, int out_fd, struct console **out);
void console_close(struct console *con);

/* Starts feeding input to sink from the main loop. */
int console_attach(struct console *con, const struct console_sink *sink,
		   struct event_loop *loop);

/* virtio-console's other end; its context is the struct console. */
extern const struct virtio_console_backend console_virtio_backend;

/* The devices' side, shaped for a device_env (con is a struct console). */
void console_put_byte(void *con, uint8_t byte);
void console_put(void *con, const uint8_t *buf, size_t len);
/* The device that takes console input has room again. */
void console_input_ready(void *con);

#endif
