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

struct vm;
struct console;

int console_open(int in_fd, int out_fd, struct console **out);
void console_close(struct console *con);

/* Starts feeding input to vm's board from the main loop. */
int console_attach(struct console *con, struct vm *vm, struct event_loop *loop);

/* The devices' side, shaped for a device_env (con is a struct console). */
void console_output(void *con, uint8_t byte);
void console_write(void *con, const uint8_t *buf, size_t len);
/* The device that takes console input has room again. */
void console_input_room(void *con);

#endif
