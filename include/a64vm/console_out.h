/*
 * The guest's console output on its way to a file descriptor that may stop
 * draining (a terminal on hold, a pipe nobody reads): no writer ever blocks
 * on it. Bytes go out at once when the descriptor takes them, else into a
 * 64 KiB ring that the main loop drains when the descriptor is writable. A
 * writer that finds the ring full holds for up to CONSOLE_OUT_HOLD_MS (a
 * slow reader loses nothing); then, until the ring has drained to half,
 * output is dropped, counted and logged.
 */
#ifndef A64VM_CONSOLE_OUT_H
#define A64VM_CONSOLE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_OUT_RING (64u << 10)
#define CONSOLE_OUT_HOLD_MS 250

struct console_out;

/*
 * Output to fd, made non-blocking unless it is a regular file (its flags
 * are restored by console_out_close). 0 or -errno.
 */
int console_out_open(int fd, struct console_out **out);
/* One last non-blocking flush, the flags back, the count of drops logged. */
void console_out_close(struct console_out *o);

/* Any thread: the bytes, in order, or counted as dropped. */
void console_out_write(struct console_out *o, const uint8_t *buf, size_t len);

/*
 * The main loop's side. wake_fd (an eventfd) becomes readable when the ring
 * has bytes: the loop then watches fd for writability and calls
 * console_out_flush, which says whether bytes are still waiting.
 */
int console_out_wake_fd(const struct console_out *o);
bool console_out_flush(struct console_out *o);

/* Bytes dropped so far. */
uint64_t console_out_dropped(struct console_out *o);

#endif
