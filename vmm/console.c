#include "a64vm/console.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include "a64vm/console_out.h"
#include "a64vm/log.h"
#include "a64vm/vm_ctl.h"

#define CTRL_A 0x01

struct console {
	int in_fd, out_fd;
	bool tty;
	struct termios saved;
	int room_fd; /* eventfd: the UART can take input again */
	bool escape; /* the previous byte was Ctrl-A */
	uint8_t pending[256];
	size_t pending_off, pending_len;
	struct console_out *output; /* never blocks the guest's threads */
	bool output_watched;
	struct console_sink sink;
	struct event_loop *loop;
};

static void set_raw(struct console *con)
{
	struct termios t = con->saved;

	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				 IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(con->in_fd, TCSANOW, &t);
}

int console_open(int in_fd, int out_fd, struct console **out)
{
	struct console *con = calloc(1, sizeof(*con));

	if (!con)
		return -ENOMEM;
	con->in_fd = in_fd;
	con->out_fd = out_fd;
	con->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (con->room_fd < 0) {
		int err = errno;

		free(con);
		return -err;
	}
	if (console_out_open(out_fd, &con->output)) {
		close(con->room_fd);
		free(con);
		return -ENOMEM;
	}
	con->tty = isatty(in_fd) && !tcgetattr(in_fd, &con->saved);
	if (con->tty)
		set_raw(con);
	*out = con;
	return 0;
}

void console_close(struct console *con)
{
	if (!con)
		return;
	if (con->tty)
		tcsetattr(con->in_fd, TCSANOW, &con->saved);
	console_out_close(con->output);
	close(con->room_fd);
	free(con);
}

void console_put_byte(void *ctx, uint8_t byte)
{
	console_out_write(((struct console *)ctx)->output, &byte, 1);
}

void console_put(void *ctx, const uint8_t *buf, size_t len)
{
	console_out_write(((struct console *)ctx)->output, buf, len);
}

const struct virtio_console_backend console_virtio_backend = {
	.write = console_put, .input_ready = console_input_ready,
};

void console_input_ready(void *ctx)
{
	struct console *con = ctx;
	uint64_t one = 1;

	if (write(con->room_fd, &one, sizeof(one)) < 0)
		log_ratelimited(LOG_WARN, "console: eventfd: %s", strerror(errno));
}

static void say(struct console *con, const char *msg)
{
	console_out_write(con->output, (const uint8_t *)msg, strlen(msg));
}

/* Applies the escapes in place; returns the bytes left for the guest. */
static size_t filter_escapes(struct console *con, uint8_t *buf, size_t len)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (!con->escape) {
			if (c == CTRL_A)
				con->escape = true;
			else
				buf[out++] = c;
			continue;
		}
		con->escape = false;
		switch (c) {
		case 'x':
			say(con, "\r\na64vm: terminated by Ctrl-A x\r\n");
			vm_ctl_request_stop(con->sink.ctl, VM_STOP_QUIT);
			return out;
		case 'a':
		case CTRL_A:
			buf[out++] = CTRL_A;
			break;
		case 'h':
			say(con, "\r\nCtrl-A x  quit\r\nCtrl-A a  send Ctrl-A\r\n"
				 "Ctrl-A h  this help\r\n");
			break;
		default:
			break;
		}
	}
	return out;
}

/* Feeds held-back input; true when it has all been taken. */
static bool feed(struct console *con)
{
	const uint8_t *buf = con->pending + con->pending_off;
	size_t len = con->pending_len - con->pending_off;
	size_t n = con->sink.input(con->sink.ctx, buf, len);

	con->pending_off += n;
	if (con->pending_off < con->pending_len)
		return false;
	con->pending_off = con->pending_len = 0;
	return true;
}

static void on_input(void *ctx, uint32_t events)
{
	struct console *con = ctx;
	ssize_t n;

	(void)events;
	n = read(con->in_fd, con->pending, sizeof(con->pending));
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		/* End of input: the guest runs on without a keyboard. */
		event_loop_del(con->loop, con->in_fd);
		return;
	}
	con->pending_len = filter_escapes(con, con->pending, (size_t)n);
	con->pending_off = 0;
	if (!feed(con))
		event_loop_enable(con->loop, con->in_fd, false);
}

static void on_room(void *ctx, uint32_t events)
{
	struct console *con = ctx;
	uint64_t count;

	(void)events;
	if (read(con->room_fd, &count, sizeof(count)) < 0)
		return;
	if (con->pending_len && feed(con))
		event_loop_enable(con->loop, con->in_fd, true);
}

/* Output waits in the ring: drain it whenever the descriptor has room. */
static void on_output_room(void *ctx, uint32_t events)
{
	struct console *con = ctx;
	bool left = console_out_flush(con->output);

	(void)events;
	if (left != con->output_watched &&
	    !event_loop_enable(con->loop, con->out_fd, left))
		con->output_watched = left;
}

int console_attach(struct console *con, const struct console_sink *sink,
		   struct event_loop *loop)
{
	int ret;

	con->sink = *sink;
	con->loop = loop;
	ret = event_loop_add(loop, console_out_wake_fd(con->output), on_output_room, con);
	/* A regular file takes every write at once: nothing to wait for. */
	if (!ret) {
		ret = event_loop_add_output(loop, con->out_fd, on_output_room, con);
		ret = ret == -EPERM ? 0 : ret;
	}
	if (!ret)
		ret = event_loop_add(loop, con->room_fd, on_room, con);
	if (ret)
		return ret;
	ret = event_loop_add(loop, con->in_fd, on_input, con);
	/* A regular file or /dev/null cannot be polled: no console input. */
	if (ret == -EPERM)
		ret = 0;
	return ret;
}
