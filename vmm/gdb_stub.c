#include "a64vm/gdb_stub.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "a64vm/arch.h"
#include "a64vm/board.h"
#include "a64vm/config.h"
#include "a64vm/event_loop.h"
#include "a64vm/gdb_rsp.h"
#include "a64vm/gdb_tdesc.h"
#include "a64vm/listen_socket.h"
#include "a64vm/log.h"
#include "a64vm/memory.h"
#include "a64vm/vcpu.h"
#include "a64vm/vm_ctl.h"

#define SEND_TIMEOUT_S 5 /* a debugger that stops reading is dropped */

struct gdb_stub {
	struct gdb_stub_wiring w;
	struct event_loop *loop;
	int listen_fd, client_fd, event_fd;
	bool running; /* the vCPUs run, as far as GDB is concerned */
	bool lost;    /* the client went away while a packet was handled */
	struct unix_socket_owner socket; /* --gdb unix: removed at exit */
	struct gdb_target target;
	struct gdb_session session;
	struct gdb_rsp_reader reader;
	pthread_mutex_t lock; /* guards the pending stop */
	bool have_pending;
	struct gdb_stop pending;
	size_t out_len; /* the last packet sent, kept for a NAK */
	uint8_t out[2 * GDB_RSP_MAX_PACKET + 8];
	char reply[GDB_RSP_MAX_PACKET + 1];
	char sve_xml[GDB_TDESC_SVE_MAX]; /* the description, with SVE on */
};

static void vcpu_stop(struct gdb_stub *g, const struct gdb_stop *stop)
{
	uint64_t one = 1;

	pthread_mutex_lock(&g->lock);
	if (!g->have_pending) {
		g->pending = *stop;
		g->have_pending = true;
	}
	pthread_mutex_unlock(&g->lock);
	vm_ctl_hold_from_vcpu(g->w.ctl, VM_HOLD_DEBUGGER);
	if (write(g->event_fd, &one, sizeof(one)) < 0)
		log_error("gdb: cannot wake the main loop: %s", strerror(errno));
}

static void on_debug_exit(void *ctx, struct vcpu *v)
{
	struct gdb_stub *g = ctx;
	struct gdb_stop stop;

	gdb_target_decode_exit(&g->target, v->id, v->fd, v->run, &stop);
	vcpu_stop(g, &stop);
}

/* The instruction is not performed; GDB sees SIGBUS on it. */
static void on_nisv_stop(void *ctx, unsigned cpu)
{
	vcpu_stop(ctx, &(struct gdb_stop){ .cpu = cpu, .kind = GDB_STOP_SIGNAL,
					   .signal = GDB_SIGBUS });
}

void gdb_stub_hooks(struct gdb_stub *g, struct vcpu_debugger *out)
{
	*out = (struct vcpu_debugger){ .debug_exit = on_debug_exit,
				       .nisv_stop = on_nisv_stop, .ctx = g };
}

static bool send_all(struct gdb_stub *g, const uint8_t *buf, size_t len)
{
	while (len && g->client_fd >= 0) {
		ssize_t n = send(g->client_fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			g->lost = true;
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return !g->lost;
}

static void send_packet(struct gdb_stub *g, const char *payload, size_t len)
{
	g->out_len = gdb_rsp_frame((const uint8_t *)payload, len, g->out, sizeof(g->out));
	if (g->client_fd >= 0)
		send_all(g, g->out, g->out_len);
}

/* Parks every vCPU; the stop a vCPU recorded, or sig on cpu. */
static struct gdb_stop stop_vm(struct gdb_stub *g, int sig)
{
	struct gdb_stop stop = { .cpu = g->session.last_stop.cpu,
				 .kind = GDB_STOP_SIGNAL, .signal = sig };
	uint64_t count;

	vm_ctl_hold(g->w.ctl, VM_HOLD_DEBUGGER, NULL);
	g->running = false;
	pthread_mutex_lock(&g->lock);
	if (g->have_pending)
		stop = g->pending;
	g->have_pending = false;
	pthread_mutex_unlock(&g->lock);
	if (read(g->event_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_debug("gdb: %s", strerror(errno));
	gdb_target_stopped(&g->target);
	if (stop.signal == GDB_SIGBUS)
		gdb_target_nisv_stop(&g->target, stop.cpu);
	return stop;
}

static void report_stop(struct gdb_stub *g, const struct gdb_stop *stop)
{
	size_t len = gdb_cmd_stop_reply(&g->session, stop, g->reply, sizeof(g->reply));

	if (g->client_fd >= 0)
		send_packet(g, g->reply, len);
	else
		log_info("vCPU %u stopped (signal %d); waiting for GDB", stop->cpu,
			 stop->signal);
}

static void on_event(void *ctx, uint32_t events)
{
	struct gdb_stub *g = ctx;
	struct gdb_stop stop;

	(void)events;
	if (!g->running) {
		uint64_t count;

		if (read(g->event_fd, &count, sizeof(count)) < 0)
			log_debug("gdb: %s", strerror(errno));
		return;
	}
	stop = stop_vm(g, GDB_SIGTRAP);
	report_stop(g, &stop);
}

/* Whatever the debugger left in the guest goes, and the guest runs on. */
static void release_guest(struct gdb_stub *g)
{
	if (g->running)
		stop_vm(g, GDB_SIGTRAP);
	gdb_cmd_remove_all_sw_bps(&g->session);
	g->session.ops->detach(g->session.target);
	g->running = true;
}

static void drop_client(struct gdb_stub *g, const char *why)
{
	log_info("gdb: %s", why);
	event_loop_del(g->loop, g->client_fd);
	close(g->client_fd);
	g->client_fd = -1;
	g->lost = false;
	release_guest(g);
}

static void handle_packet(struct gdb_stub *g)
{
	size_t len = 0;
	enum gdb_cmd_result res;

	if (!g->session.no_ack)
		send_all(g, (const uint8_t *)"+", 1);
	/*
	 * All-stop: while the guest runs only Ctrl-C is valid. A vCPU's
	 * registers cannot even be read then without waiting for it.
	 */
	if (g->running) {
		send_packet(g, "E10", 3);
		return;
	}
	res = gdb_cmd_handle(&g->session, (const char *)g->reader.payload,
			     g->reader.len, g->reply, &len);
	switch (res) {
	case GDB_CMD_REPLY:
		if (g->session.console[0]) {
			char out[1 + 2 * sizeof(g->session.console)];
			struct gdb_out o = { out, 0, sizeof(out), false };

			gdb_put(&o, "O");
			gdb_put_hex(&o, (const uint8_t *)g->session.console,
				    strlen(g->session.console));
			send_packet(g, out, o.len);
		}
		send_packet(g, g->reply, len);
		break;
	case GDB_CMD_RESUMED:
		g->running = true;
		break;
	case GDB_CMD_DETACHED:
		send_packet(g, g->reply, len);
		g->running = true;
		g->lost = true; /* closes the connection after this packet */
		break;
	case GDB_CMD_KILLED:
		g->lost = true;
		break;
	}
}

static void handle_byte(struct gdb_stub *g, uint8_t byte)
{
	struct gdb_stop stop;

	switch (gdb_rsp_feed(&g->reader, byte)) {
	case GDB_RSP_PACKET:
		handle_packet(g);
		break;
	case GDB_RSP_BAD_PACKET:
		log_ratelimited(LOG_INFO, "gdb: a packet with a bad checksum or escape");
		if (!g->session.no_ack)
			send_all(g, (const uint8_t *)"-", 1);
		break;
	case GDB_RSP_OVERFLOW:
		log_ratelimited(LOG_INFO, "gdb: a packet longer than %u bytes",
				GDB_RSP_MAX_PACKET);
		if (!g->session.no_ack)
			send_all(g, (const uint8_t *)"-", 1);
		else
			send_packet(g, "E07", 3);
		break;
	case GDB_RSP_INTERRUPT:
		if (g->running) {
			stop = stop_vm(g, GDB_SIGINT);
			report_stop(g, &stop);
		}
		break;
	case GDB_RSP_NAK:
		if (g->out_len)
			send_all(g, g->out, g->out_len);
		break;
	case GDB_RSP_ACK:
	case GDB_RSP_NONE:
		break;
	}
}

static void on_client(void *ctx, uint32_t events)
{
	struct gdb_stub *g = ctx;
	uint8_t buf[4096];
	ssize_t n;

	(void)events;
	n = recv(g->client_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop_client(g, "the debugger disconnected; the guest runs on");
		return;
	}
	for (ssize_t i = 0; i < n && !g->lost; i++)
		handle_byte(g, buf[i]);
	if (g->lost)
		drop_client(g, g->running ? "the debugger left; the guest runs on"
					  : "the debugger is gone");
}

/* A fresh session, describing the registers the vCPUs have. */
static void start_session(struct gdb_stub *g)
{
	gdb_session_init(&g->session, &gdb_target_ops, &g->target);
	if (g->sve_xml[0])
		g->session.target_xml = g->sve_xml;
}

static void on_accept(void *ctx, uint32_t events)
{
	struct gdb_stub *g = ctx;
	struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
	struct gdb_stop last;
	int fd, one = 1;

	(void)events;
	fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (g->client_fd >= 0) {
		log_info("gdb: refused a second debugger; one is attached");
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (event_loop_add(g->loop, fd, on_client, g)) {
		close(fd);
		return;
	}
	g->client_fd = fd;
	g->lost = false;
	g->out_len = 0;
	gdb_rsp_reader_init(&g->reader);
	/* A fresh session; GDB expects the target stopped when it attaches. */
	last = g->running ? stop_vm(g, GDB_SIGTRAP) : g->session.last_stop;
	start_session(g);
	g->session.last_stop = last;
	log_info("gdb: a debugger attached; the guest is stopped");
}

/* The narrow control the debugger's target gets over the VM. */
static int ctl_vcpu_fd(void *ctx, unsigned cpu)
{
	return ((struct gdb_stub_wiring *)ctx)->vcpus[cpu].fd;
}

static void ctl_hold_vcpu(void *ctx, unsigned cpu, bool hold)
{
	atomic_store(&((struct gdb_stub_wiring *)ctx)->vcpus[cpu].hold, hold);
}

static bool ctl_vcpu_held(void *ctx, unsigned cpu)
{
	return atomic_load(&((struct gdb_stub_wiring *)ctx)->vcpus[cpu].hold);
}

static void ctl_release(void *ctx)
{
	vm_ctl_release(((struct gdb_stub_wiring *)ctx)->ctl, VM_HOLD_DEBUGGER);
}

static int ctl_reset(void *ctx)
{
	return vm_ctl_reboot(((struct gdb_stub_wiring *)ctx)->ctl);
}

static void ctl_quit(void *ctx)
{
	vm_ctl_request_stop(((struct gdb_stub_wiring *)ctx)->ctl, VM_STOP_QUIT);
}

static int ctl_phys_access(void *ctx, uint64_t gpa, uint8_t *buf, size_t len,
			   bool write)
{
	return board_debug_access(((struct gdb_stub_wiring *)ctx)->board, gpa, buf,
				  len, write);
}

static void init_target(struct gdb_stub *g)
{
	struct gdb_stub_wiring *w = &g->w;
	struct gdb_vm_control c = {
		.ctx = w, .ncpus = w->ncpus, .vcpu_fd = ctl_vcpu_fd,
		.hold_vcpu = ctl_hold_vcpu, .vcpu_held = ctl_vcpu_held,
		.release = ctl_release, .reset = ctl_reset, .quit = ctl_quit,
		.mem = w->mem, .phys_access = ctl_phys_access, .nisv = w->nisv,
		.sve_vq = w->sve_vq, .snapshot = w->snapshot, .snapshot_ctx = w->snapshot_ctx,
	};

	gdb_target_host_limits(w->kvm_fd, &c.hw_bps, &c.hw_wps);
	gdb_target_init(&g->target, &c);
	if (c.sve_vq && !gdb_tdesc_sve(c.sve_vq, g->sve_xml, sizeof(g->sve_xml)))
		log_warn("gdb: no SVE description for %u quadwords", c.sve_vq);
}

int gdb_stub_open(const struct gdb_stub_wiring *w, struct event_loop *loop,
		  struct gdb_stub **out)
{
	const struct config_gdb *cfg = w->cfg;
	struct gdb_stub *g = calloc(1, sizeof(*g));
	int ret;

	if (!g)
		return -ENOMEM;
	if (w->ncpus > GDB_MAX_CPUS) {
		log_error("--gdb: at most %d vCPUs can be debugged", GDB_MAX_CPUS);
		free(g);
		return -EINVAL;
	}
	g->w = *w;
	g->loop = loop;
	g->client_fd = -1;
	g->socket.dir_fd = -1;
	g->running = true;
	pthread_mutex_init(&g->lock, NULL);
	init_target(g);
	start_session(g);
	g->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g->listen_fd = cfg->unix_path ? listen_unix(cfg->unix_path, &g->socket)
				      : listen_tcp(cfg->host, cfg->port);
	ret = g->event_fd < 0 ? -errno : g->listen_fd < 0 ? g->listen_fd : 0;
	if (!ret)
		ret = event_loop_add(loop, g->listen_fd, on_accept, g);
	if (!ret)
		ret = event_loop_add(loop, g->event_fd, on_event, g);
	if (ret) {
		if (cfg->unix_path)
			log_error("--gdb unix:%s: %s", cfg->unix_path, strerror(-ret));
		else
			log_error("--gdb tcp:%s:%u: %s", cfg->host, cfg->port,
				  strerror(-ret));
		gdb_stub_close(g);
		return ret;
	}
	if (cfg->wait) {
		/* Before any vCPU runs: they park before their first instruction. */
		vm_ctl_hold(w->ctl, VM_HOLD_DEBUGGER, NULL);
		g->running = false;
	}
	if (cfg->unix_path)
		log_info("gdb: listening on %s%s", cfg->unix_path,
			 cfg->wait ? "; the guest waits for it" : "");
	else
		log_info("gdb: listening on %s:%u%s", cfg->host, cfg->port,
			 cfg->wait ? "; the guest waits for it" : "");
	*out = g;
	return 0;
}

void gdb_stub_close(struct gdb_stub *g)
{
	if (!g)
		return;
	if (g->client_fd >= 0) {
		event_loop_del(g->loop, g->client_fd);
		close(g->client_fd);
	}
	if (g->listen_fd >= 0) {
		event_loop_del(g->loop, g->listen_fd);
		close(g->listen_fd);
	}
	if (g->event_fd >= 0) {
		event_loop_del(g->loop, g->event_fd);
		close(g->event_fd);
	}
	listen_unix_remove(&g->socket);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
