#include "a64vm/control.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "a64vm/arch.h"
#include "a64vm/board.h"
#include "a64vm/control_proto.h"
#include "a64vm/event_loop.h"
#include "a64vm/listen_socket.h"
#include "a64vm/log.h"
#include "a64vm/memory.h"
#include "a64vm/mono_time.h"
#include "a64vm/snapshot_ops.h"
#include "a64vm/vcpu.h"
#include "a64vm/vm_ctl.h"

#define MAX_CLIENTS 8
#define REPLY_MAX (2 * CONTROL_MAX_READ + 512)

struct control;

struct client {
	struct control *owner;
	int fd;
	size_t len;
	char buf[CONTROL_MAX_LINE + 1];
};

struct control {
	struct control_wiring w;
	struct event_loop *loop;
	int listen_fd;
	struct unix_socket_owner socket; /* removed at exit */
	struct client clients[MAX_CLIENTS];
};

static void drop(struct control *c, struct client *cl)
{
	event_loop_del(c->loop, cl->fd);
	close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
}

/* A client that does not read its replies is dropped, never waited for. */
static bool send_line(struct client *cl, const char *line)
{
	size_t len = strlen(line);

	return send(cl->fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len;
}

/* "state":"running" or "state":"paused","held_by":[...]; its length. */
static int hold_state(struct vm_ctl *ctl, char *out, size_t size)
{
	static const struct { unsigned bit; const char *name; } reasons[] = {
		{ VM_HOLD_OPERATOR, "operator" }, { VM_HOLD_DEBUGGER, "debugger" },
		{ VM_HOLD_REBOOT, "reboot" }, { VM_HOLD_SNAPSHOT, "snapshot" },
		{ VM_HOLD_REPORT, "report" },
	};
	unsigned holds = vm_ctl_holds(ctl);
	int n;

	if (!holds)
		return snprintf(out, size, "\"state\":\"running\"");
	n = snprintf(out, size, "\"state\":\"paused\",\"held_by\":[");
	for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (holds & reasons[i].bit) {
			n += snprintf(out + n, size - (size_t)n, "%s\"%s\"",
				      out[n - 1] == '[' ? "" : ",", reasons[i].name);
		}
	return n + snprintf(out + n, size - (size_t)n, "]");
}

static void status_reply(const struct control_wiring *w, char *out, size_t size)
{
	static const struct { const char *name; unsigned reason; } named[] = {
		{ "mmio", KVM_EXIT_MMIO },	   { "system_event", KVM_EXIT_SYSTEM_EVENT },
		{ "arm_nisv", KVM_EXIT_ARM_NISV }, { "intr", KVM_EXIT_INTR },
	};
	uint64_t total[VCPU_EXIT_REASONS] = { 0 }, other = 0;
	int n;

	for (unsigned i = 0; i < w->ncpus; i++)
		for (unsigned r = 0; r < VCPU_EXIT_REASONS; r++)
			total[r] += atomic_load_explicit(&w->vcpus[i].exits[r],
							 memory_order_relaxed);
	for (unsigned r = 0; r < VCPU_EXIT_REASONS; r++)
		other += total[r];
	n = snprintf(out, size, "{\"ok\":true,");
	n += hold_state(w->ctl, out + n, size - (size_t)n);
	n += snprintf(out + n, size - (size_t)n, ",\"vcpus\":%u,\"reboots\":%u,"
		      "\"exits\":{", w->ncpus, atomic_load(&w->ctl->reboots));
	for (unsigned i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		other -= total[named[i].reason];
		n += snprintf(out + n, size - (size_t)n, "\"%s\":%" PRIu64 ",",
			      named[i].name, total[named[i].reason]);
	}
	snprintf(out + n, size - (size_t)n,
		 "\"other\":%" PRIu64 "},\"nisv\":{\"emulated\":%" PRIu64
		 ",\"aborted\":%" PRIu64 "}}\n", other,
		 (uint64_t)atomic_load(&w->nisv->count[NISV_EMULATED]),
		 (uint64_t)atomic_load(&w->nisv->count[NISV_ABORTED]));
}

static void read_phys_reply(struct guest_mem *mem, const struct control_request *req,
			    char *out, size_t size)
{
	uint8_t data[CONTROL_MAX_READ];
	int n;

	if (memory_read(mem, req->addr, data, req->len)) {
		snprintf(out, size, "{\"ok\":false,\"error\":\"[%#" PRIx64 ", +%" PRIu64
			 ") is not guest RAM\"}\n", req->addr, req->len);
		return;
	}
	n = snprintf(out, size, "{\"ok\":true,\"data\":\"");
	for (uint64_t i = 0; i < req->len; i++)
		n += snprintf(out + n, size - (size_t)n, "%02x", data[i]);
	snprintf(out + n, size - (size_t)n, "\"}\n");
}

static void error_reply(const char *err, char *out, size_t size);

static void digest_reply(struct guest_mem *mem, const struct control_request *req, char *out,
			 size_t size)
{
	uint64_t h;

	if (memory_digest(mem, req->addr, req->len, &h))
		snprintf(out, size, "{\"ok\":false,\"error\":\"[%#" PRIx64 ", +%" PRIu64
			 ") is not guest RAM\"}\n", req->addr, req->len);
	else
		snprintf(out, size, "{\"ok\":true,\"digest\":\"%016" PRIx64 "\"}\n", h);
}

static void snapshot_reply(struct control *c, const struct control_request *req, char *out,
			   size_t size)
{
	static const enum snapshot_op ops[] = {
		[CONTROL_SNAPSHOT] = SNAPSHOT_SAVE, [CONTROL_RESTORE] = SNAPSHOT_RESTORE,
		[CONTROL_CHECKPOINT] = SNAPSHOT_CHECKPOINT, [CONTROL_REWIND] = SNAPSHOT_REWIND,
	};
	struct snapshot_request r = {
		.op = ops[req->cmd], .paused = req->paused,
		.arg = req->cmd == CONTROL_CHECKPOINT || req->cmd == CONTROL_REWIND ? req->name
										    : req->dir,
	};
	char err[300] = "this VM cannot be saved";
	uint64_t t0 = mono_ns(), pages = 0;

	if (!c->w.snapshot || c->w.snapshot(c->w.snapshot_ctx, &r, &pages, err, sizeof(err))) {
		error_reply(err, out, size);
		return;
	}
	if (r.op == SNAPSHOT_REWIND)
		snprintf(out, size, "{\"ok\":true,\"ms\":%.3f,\"pages\":%" PRIu64 "}\n",
			 (double)(mono_ns() - t0) / 1e6, pages);
	else
		snprintf(out, size, "{\"ok\":true,\"ms\":%.3f}\n", (double)(mono_ns() - t0) / 1e6);
}

static void execute(struct control *c, const struct control_request *req,
		    char *out, size_t size)
{
	struct vm_ctl *ctl = c->w.ctl;
	uint64_t parked_ns = 0;
	int n;

	switch (req->cmd) {
	case CONTROL_STATUS:
		status_reply(&c->w, out, size);
		return;
	case CONTROL_PAUSE:
		if (vm_ctl_hold(ctl, VM_HOLD_OPERATOR, &parked_ns)) {
			snprintf(out, size, "{\"ok\":false,\"error\":\"vCPUs did not park\"}\n");
			return;
		}
		snprintf(out, size, "{\"ok\":true,\"parked_ns\":%" PRIu64 "}\n", parked_ns);
		return;
	case CONTROL_RESUME:
		vm_ctl_release(ctl, VM_HOLD_OPERATOR);
		/* The debugger's stop is the debugger's to end. */
		if (vm_ctl_holds(ctl)) {
			n = snprintf(out, size, "{\"ok\":false,\"error\":\"still held\",");
			n += hold_state(ctl, out + n, size - (size_t)n);
			snprintf(out + n, size - (size_t)n, "}\n");
			return;
		}
		break;
	case CONTROL_POWERDOWN:
		board_power_button(c->w.board);
		break;
	case CONTROL_RESET:
		vm_ctl_request_reset(ctl);
		break;
	case CONTROL_QUIT:
		vm_ctl_request_stop(ctl, VM_STOP_QUIT);
		break;
	case CONTROL_READ_PHYS:
		read_phys_reply(c->w.mem, req, out, size);
		return;
	case CONTROL_DIGEST:
		digest_reply(c->w.mem, req, out, size);
		return;
	case CONTROL_SNAPSHOT:
	case CONTROL_RESTORE:
	case CONTROL_CHECKPOINT:
	case CONTROL_REWIND:
		snapshot_reply(c, req, out, size);
		return;
	}
	snprintf(out, size, "{\"ok\":true}\n");
}

/* Error text goes into a JSON string: keep it to safe characters. */
static void error_reply(const char *err, char *out, size_t size)
{
	char clean[256];
	size_t i;

	for (i = 0; err[i] && i < sizeof(clean) - 1; i++)
		clean[i] = (err[i] == '"' || err[i] == '\\' || (unsigned char)err[i] < 0x20)
				   ? '\'' : err[i];
	clean[i] = '\0';
	snprintf(out, size, "{\"ok\":false,\"error\":\"%s\"}\n", clean);
}

static void handle_line(struct control *c, struct client *cl, const char *line,
			size_t len)
{
	struct control_request req;
	char err[160], out[REPLY_MAX];

	if (control_parse(line, len, &req, err, sizeof(err)))
		error_reply(err, out, sizeof(out));
	else
		execute(c, &req, out, sizeof(out));
	if (!send_line(cl, out))
		drop(c, cl);
}

static void on_client(void *ctx, uint32_t events)
{
	struct client *cl = ctx;
	struct control *c = cl->owner;
	ssize_t n;

	(void)events;
	n = read(cl->fd, cl->buf + cl->len, CONTROL_MAX_LINE + 1 - cl->len);
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		drop(c, cl);
		return;
	}
	cl->len += (size_t)n;
	for (;;) {
		char *nl = memchr(cl->buf, '\n', cl->len);
		size_t used;

		if (!nl)
			break;
		used = (size_t)(nl - cl->buf) + 1;
		handle_line(c, cl, cl->buf, used - 1);
		if (cl->fd < 0)
			return;
		memmove(cl->buf, cl->buf + used, cl->len - used);
		cl->len -= used;
	}
	if (cl->len > CONTROL_MAX_LINE) {
		send_line(cl, "{\"ok\":false,\"error\":\"request longer than 4096 bytes\"}\n");
		drop(c, cl);
	}
}

static void on_accept(void *ctx, uint32_t events)
{
	struct control *c = ctx;
	struct client *cl = NULL;
	int fd;

	(void)events;
	fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (unsigned i = 0; i < MAX_CLIENTS && !cl; i++)
		if (c->clients[i].fd < 0)
			cl = &c->clients[i];
	if (!cl || event_loop_add(c->loop, fd, on_client, cl)) {
		static const char busy[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";

		if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("control: %s", strerror(errno));
		close(fd);
		return;
	}
	cl->fd = fd;
	cl->len = 0;
}

int control_open(const char *path, const struct control_wiring *w,
		 struct event_loop *loop, struct control **out)
{
	struct control *c;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->w = *w;
	c->loop = loop;
	c->socket.dir_fd = -1;
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		c->clients[i] = (struct client){ .owner = c, .fd = -1 };
	c->listen_fd = listen_unix(path, &c->socket);
	ret = c->listen_fd < 0 ? c->listen_fd : 0;
	if (!ret)
		ret = event_loop_add(loop, c->listen_fd, on_accept, c);
	if (ret) {
		log_error("--control %s: %s", path, strerror(-ret));
		control_close(c);
		return ret;
	}
	*out = c;
	return 0;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			drop(c, &c->clients[i]);
	if (c->listen_fd >= 0) {
		event_loop_del(c->loop, c->listen_fd);
		close(c->listen_fd);
	}
	listen_unix_remove(&c->socket);
	free(c);
}
