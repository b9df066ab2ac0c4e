#include "a64vm/vsock_mux.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "a64vm/vsock_packet.h"

#define TAG_LISTEN VSOCK_MUX_MAX_CONNS
#define TAG_WAKE (VSOCK_MUX_MAX_CONNS + 1)
#define RST_RING 64		/* answers to packets of no connection; more are dropped */
#define FIRST_HOST_PORT 1024u	/* where a host program's connections are numbered from */
#define OK_LINE_MAX 16		/* "OK 4294967295\n" */
#define PEND_SIZE (VSOCK_MUX_BUF + OK_LINE_MAX)
/*
 * What one read of a host socket takes at most: the guest's receive
 * buffers are small (Linux posts 4 KiB ones), and a read per buffer cost
 * more than the copy.
 */
#define STAGE_SIZE (64u * 1024)

enum state { FREE, LINE, REQUESTED, ESTABLISHED, CLOSED };

/* Control packets owed to the guest, a bit each, sent lowest first. */
enum { OWE_REQUEST = 1, OWE_RESPONSE = 2, OWE_CREDIT = 4, OWE_SHUTDOWN = 8, OWE_RST = 16 };

struct conn {
	enum state state;
	int fd;		 /* -1 once closed */
	uint32_t events; /* what the epoll watches; 0: not in it */
	uint32_t local_port, peer_port;
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt; /* the guest's credit to us */
	uint32_t rx_cnt, fwd_cnt, told_fwd_cnt;	       /* ours to the guest */
	unsigned owed;
	bool readable, host_eof, guest_no_send, guest_no_rcv, wr_shut;
	uint8_t *pend; /* bytes the host socket has not taken yet */
	size_t pend_len, pend_extra; /* ... of which the first pend_extra are our "OK" */
	uint8_t *stage; /* bytes read from the host socket, not yet in a guest buffer */
	size_t stage_off, stage_len;
	char line[VSOCK_CONNECT_LINE_MAX];
	size_t line_len;
};

struct vsock_mux {
	uint64_t cid;
	int epfd, listen_fd, wake_fd;
	vsock_connect_fn connect;
	void *ctx;
	atomic_bool reset;
	uint32_t next_port;
	unsigned next, nconns;
	struct { uint32_t local_port, peer_port; } rsts[RST_RING];
	unsigned rst_head, rst_count;
	uint64_t refused, violations;
	struct conn conns[VSOCK_MUX_MAX_CONNS];
};

static int add_fd(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int vsock_mux_create(uint64_t cid, int listen_fd, vsock_connect_fn connect, void *ctx,
		     struct vsock_mux **out)
{
	struct vsock_mux *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	*m = (struct vsock_mux){ .cid = cid, .listen_fd = listen_fd, .connect = connect,
				 .ctx = ctx, .next_port = FIRST_HOST_PORT };
	for (unsigned i = 0; i < VSOCK_MUX_MAX_CONNS; i++)
		m->conns[i].fd = -1;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->epfd < 0 || m->wake_fd < 0)
		ret = -errno;
	else if (!(ret = add_fd(m->epfd, m->wake_fd, TAG_WAKE)) && listen_fd >= 0)
		ret = add_fd(m->epfd, listen_fd, TAG_LISTEN);
	if (ret) {
		vsock_mux_destroy(m);
		return ret;
	}
	*out = m;
	return 0;
}

static void watch(struct vsock_mux *m, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)(c - m->conns) };
	int op = !c->events ? EPOLL_CTL_ADD : !events ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;

	if (events == c->events || c->fd < 0)
		return;
	/* Out of the epoll when nothing is wanted: a hung-up socket would wake it. */
	if (!epoll_ctl(m->epfd, op, c->fd, &ev))
		c->events = events;
}

static uint32_t credit(const struct conn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	return in_flight > c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

static bool may_read(const struct conn *c)
{
	return c->state == ESTABLISHED && !c->host_eof && !c->guest_no_rcv && credit(c);
}

/* Whether host bytes wait for the guest: staged, or in the socket. */
static bool has_data(const struct conn *c)
{
	return may_read(c) && (c->stage_len || c->readable);
}

static void update(struct vsock_mux *m, struct conn *c)
{
	uint32_t ev = 0;

	if (c->state == LINE || (may_read(c) && !c->readable && !c->stage_len))
		ev |= EPOLLIN;
	if (c->state == ESTABLISHED && c->pend_len)
		ev |= EPOLLOUT;
	watch(m, c, ev);
}

/*
 * A connection's buffer is mapped, not malloc'd: glibc's free in a
 * thread's arena may open /proc/sys/vm/overcommit_memory, which the I/O
 * thread's seccomp filter forbids.
 */
static uint8_t *map(uint8_t **buf, size_t size)
{
	void *p;

	if (!*buf) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		*buf = p == MAP_FAILED ? NULL : p;
	}
	return *buf;
}

static void unmap(uint8_t **buf, size_t size)
{
	if (*buf)
		munmap(*buf, size);
	*buf = NULL;
}

static bool hold(struct conn *c)
{
	return map(&c->pend, PEND_SIZE);
}

static void release(struct conn *c)
{
	unmap(&c->pend, PEND_SIZE);
	unmap(&c->stage, STAGE_SIZE);
	c->stage_off = c->stage_len = 0;
}

/* The host socket closed; the guest told with an RST, or not (it sent one). */
static void end_conn(struct vsock_mux *m, struct conn *c, bool rst)
{
	watch(m, c, 0);
	if (c->fd >= 0)
		close(c->fd);
	release(c);
	c->fd = -1;
	c->pend = NULL;
	c->pend_len = 0;
	if (rst && c->state != LINE) {
		c->state = CLOSED;
		c->owed = (c->owed & OWE_SHUTDOWN) | OWE_RST; /* an end of stream told first */
		return;
	}
	c->state = FREE;
	m->nconns--;
}

static struct conn *new_conn(struct vsock_mux *m, int fd, enum state state)
{
	for (unsigned i = 0; i < VSOCK_MUX_MAX_CONNS; i++) {
		struct conn *c = &m->conns[i];

		if (c->state == FREE) {
			memset(c, 0, sizeof(*c));
			c->state = state;
			c->fd = fd;
			m->nconns++;
			return c;
		}
	}
	return NULL;
}

static struct conn *find(struct vsock_mux *m, uint32_t local_port, uint32_t peer_port)
{
	for (unsigned i = 0; i < VSOCK_MUX_MAX_CONNS; i++) {
		struct conn *c = &m->conns[i];

		if (c->state > LINE && c->local_port == local_port && c->peer_port == peer_port)
			return c;
	}
	return NULL;
}

static void queue_rst(struct vsock_mux *m, uint32_t local_port, uint32_t peer_port)
{
	unsigned i = (m->rst_head + m->rst_count) % RST_RING;

	if (m->rst_count == RST_RING)
		return; /* the guest's connect or send times out instead */
	m->rsts[i].local_port = local_port;
	m->rsts[i].peer_port = peer_port;
	m->rst_count++;
}

static void maybe_finish(struct vsock_mux *m, struct conn *c)
{
	if (c->state == ESTABLISHED && !c->pend_len && c->guest_no_send &&
	    (c->host_eof || c->guest_no_rcv))
		end_conn(m, c, true);
}

/* What the guest's view of our buffer lacks: told before it runs dry. */
static void check_credit(struct conn *c)
{
	if (c->fwd_cnt != c->told_fwd_cnt &&
	    VSOCK_MUX_BUF - (c->rx_cnt - c->told_fwd_cnt) < VSOCK_MAX_PAYLOAD)
		c->owed |= OWE_CREDIT;
}

/* The bytes sent off the front of pend; the guest's count those of its own. */
static void sent(struct conn *c, size_t n)
{
	size_t ours = n < c->pend_extra ? n : c->pend_extra;

	c->pend_extra -= ours;
	c->fwd_cnt += (uint32_t)(n - ours);
}

/* Whatever the host socket takes now; false when the connection ended. */
static bool flush(struct vsock_mux *m, struct conn *c)
{
	while (c->pend_len) {
		ssize_t n = send(c->fd, c->pend, c->pend_len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			end_conn(m, c, true);
			return false;
		}
		sent(c, (size_t)n);
		c->pend_len -= (size_t)n;
		memmove(c->pend, c->pend + n, c->pend_len);
	}
	if (!c->pend_len && c->guest_no_send && !c->wr_shut) {
		shutdown(c->fd, SHUT_WR);
		c->wr_shut = true;
	}
	check_credit(c);
	maybe_finish(m, c);
	return c->state == ESTABLISHED;
}

static bool append(struct conn *c, const void *data, size_t n)
{
	if (!hold(c))
		return false;
	memcpy(c->pend + c->pend_len, data, n);
	c->pend_len += n;
	return true;
}

static void guest_data(struct vsock_mux *m, struct conn *c, const uint8_t *p, size_t n)
{
	ssize_t w = 0;

	if (c->guest_no_send || c->rx_cnt - c->fwd_cnt + n > VSOCK_MUX_BUF) {
		m->violations++; /* past the credit we gave */
		end_conn(m, c, true);
		return;
	}
	c->rx_cnt += (uint32_t)n;
	if (!c->pend_len) {
		do
			w = send(c->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		while (w < 0 && errno == EINTR);
		if (w < 0 && errno != EAGAIN) {
			end_conn(m, c, true);
			return;
		}
		w = w < 0 ? 0 : w;
		c->fwd_cnt += (uint32_t)w;
	}
	if ((size_t)w < n && !append(c, p + w, n - (size_t)w)) {
		end_conn(m, c, true);
		return;
	}
	check_credit(c);
}

static struct conn *guest_connect(struct vsock_mux *m, const struct vsock_hdr *h)
{
	struct conn *c;
	int fd = m->nconns < VSOCK_MUX_MAX_CONNS ? m->connect(m->ctx, h->dst_port) : -EMFILE;

	if (fd < 0 || !(c = new_conn(m, fd, ESTABLISHED))) {
		if (fd >= 0)
			close(fd);
		m->refused++;
		queue_rst(m, h->dst_port, h->src_port);
		return NULL;
	}
	c->local_port = h->dst_port;
	c->peer_port = h->src_port;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	c->owed = OWE_RESPONSE;
	update(m, c);
	return c;
}

static void guest_shutdown(struct vsock_mux *m, struct conn *c, uint32_t flags)
{
	c->guest_no_rcv |= flags & VSOCK_SHUTDOWN_RCV;
	c->guest_no_send |= (flags & VSOCK_SHUTDOWN_SEND) != 0;
	flush(m, c);
}

static void guest_response(struct vsock_mux *m, struct conn *c)
{
	char ok[OK_LINE_MAX];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", c->local_port);

	c->state = ESTABLISHED;
	if (!append(c, ok, (size_t)n)) {
		end_conn(m, c, true);
		return;
	}
	c->pend_extra = (size_t)n;
	flush(m, c);
}

/* The driver reset the device: every host socket closes. */
static void take_reset(struct vsock_mux *m)
{
	uint64_t v;

	if (!atomic_exchange(&m->reset, false))
		return;
	if (read(m->wake_fd, &v, sizeof(v)) < 0)
		v = 0; /* already read: nothing to do */
	for (unsigned i = 0; i < VSOCK_MUX_MAX_CONNS; i++)
		if (m->conns[i].state != FREE)
			end_conn(m, &m->conns[i], false);
	m->rst_count = 0;
}

/* One packet from the guest: the connection it was for, if any. */
static struct conn *take_packet(struct vsock_mux *m, const uint8_t *pkt, size_t len)
{
	struct vsock_hdr h;
	struct conn *c;

	if (len < VSOCK_HDR_LEN) {
		m->violations++;
		return NULL;
	}
	vsock_hdr_decode(pkt, &h);
	if (h.len != len - VSOCK_HDR_LEN || h.src_cid != m->cid || h.dst_cid != VSOCK_HOST_CID) {
		m->violations++;
		return NULL;
	}
	c = find(m, h.dst_port, h.src_port);
	if (h.type != VSOCK_TYPE_STREAM || (!c && h.op != VSOCK_OP_REQUEST)) {
		if (h.op != VSOCK_OP_RST)
			queue_rst(m, h.dst_port, h.src_port);
		return NULL;
	}
	if (c && c->state == CLOSED) {
		if (h.op == VSOCK_OP_RST)
			end_conn(m, c, false); /* no need to tell it any more */
		return NULL;
	}
	if (c) {
		c->peer_buf_alloc = h.buf_alloc;
		c->peer_fwd_cnt = h.fwd_cnt;
	}
	switch (h.op) {
	case VSOCK_OP_REQUEST:
		if (c)
			end_conn(m, c, true); /* a port pair already in use */
		else
			c = guest_connect(m, &h);
		return c;
	case VSOCK_OP_RESPONSE:
		if (c->state == REQUESTED)
			guest_response(m, c);
		else
			end_conn(m, c, true);
		break;
	case VSOCK_OP_RST:
		end_conn(m, c, false);
		return NULL;
	case VSOCK_OP_SHUTDOWN:
		if (c->state == ESTABLISHED)
			guest_shutdown(m, c, h.flags);
		break;
	case VSOCK_OP_RW:
		if (c->state == ESTABLISHED)
			guest_data(m, c, pkt + VSOCK_HDR_LEN, h.len);
		else
			end_conn(m, c, true);
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		c->owed |= OWE_CREDIT;
		break;
	default: /* a credit update: taken above; anything else: ignored */
		break;
	}
	if (c->state == ESTABLISHED)
		update(m, c);
	return c;
}

bool vsock_mux_from_guest(struct vsock_mux *m, const uint8_t *pkt, size_t len)
{
	unsigned rsts = m->rst_count;
	struct conn *c;

	take_reset(m);
	c = take_packet(m, pkt, len);
	/* An answer, or credit for bytes already waiting (no event will say so). */
	return m->rst_count != rsts || (c && (c->owed || has_data(c)));
}

static uint32_t new_port(struct vsock_mux *m)
{
	for (;;) {
		uint32_t p = m->next_port++;
		bool used = false;

		if (m->next_port < FIRST_HOST_PORT)
			m->next_port = FIRST_HOST_PORT;
		for (unsigned i = 0; i < VSOCK_MUX_MAX_CONNS && !used; i++)
			used = m->conns[i].state > LINE && m->conns[i].local_port == p;
		if (!used)
			return p;
	}
}

/* "CONNECT PORT\n", a byte at a time: what follows it stays for the guest. */
static void read_line(struct vsock_mux *m, struct conn *c)
{
	for (;;) {
		char ch;
		ssize_t n = read(c->fd, &ch, 1);
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			end_conn(m, c, false);
			return;
		}
		c->line[c->line_len++] = ch;
		ret = vsock_parse_connect(c->line, c->line_len, &c->peer_port);
		if (ret < 0) {
			m->refused++;
			end_conn(m, c, false);
			return;
		}
		if (ret > 0) {
			c->state = REQUESTED;
			c->local_port = new_port(m);
			c->owed = OWE_REQUEST;
			update(m, c);
			return;
		}
	}
}

static void accept_all(struct vsock_mux *m)
{
	int fd;

	while ((fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct conn *c = m->nconns < VSOCK_MUX_MAX_CONNS ? new_conn(m, fd, LINE) : NULL;

		if (!c) {
			m->refused++;
			close(fd);
			continue;
		}
		update(m, c);
		read_line(m, c); /* its line may be there already */
	}
}

void vsock_mux_poll(struct vsock_mux *m)
{
	struct epoll_event evs[32];
	int n;

	take_reset(m);
	n = epoll_wait(m->epfd, evs, 32, 0);
	for (int i = 0; i < n; i++) {
		uint32_t tag = evs[i].data.u32, e = evs[i].events;
		struct conn *c = tag < VSOCK_MUX_MAX_CONNS ? &m->conns[tag] : NULL;

		if (tag == TAG_LISTEN)
			accept_all(m);
		else if (tag == TAG_WAKE)
			take_reset(m);
		else if (c->state == LINE)
			read_line(m, c);
		else if (c->state == ESTABLISHED) {
			if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR) && c->pend_len && !flush(m, c))
				continue;
			if (e & (EPOLLIN | EPOLLHUP | EPOLLERR) && c->events & EPOLLIN)
				c->readable = true;
			update(m, c);
		}
	}
}

static size_t emit(struct vsock_mux *m, struct conn *c, uint16_t op, uint32_t flags,
		   uint32_t len, uint8_t *buf)
{
	struct vsock_hdr h = {
		.src_cid = VSOCK_HOST_CID, .dst_cid = m->cid, .src_port = c->local_port,
		.dst_port = c->peer_port, .len = len, .type = VSOCK_TYPE_STREAM, .op = op,
		.flags = flags, .buf_alloc = VSOCK_MUX_BUF, .fwd_cnt = c->fwd_cnt,
	};

	c->told_fwd_cnt = c->fwd_cnt;
	vsock_hdr_encode(&h, buf);
	return VSOCK_HDR_LEN + len;
}

static size_t emit_owed(struct vsock_mux *m, struct conn *c, uint8_t *buf)
{
	unsigned bit = (unsigned)c->owed & -(unsigned)c->owed;
	static const uint16_t ops[] = {
		[OWE_REQUEST] = VSOCK_OP_REQUEST, [OWE_RESPONSE] = VSOCK_OP_RESPONSE,
		[OWE_CREDIT] = VSOCK_OP_CREDIT_UPDATE, [OWE_SHUTDOWN] = VSOCK_OP_SHUTDOWN,
		[OWE_RST] = VSOCK_OP_RST,
	};
	size_t len;

	c->owed &= ~bit;
	len = emit(m, c, ops[bit], bit == OWE_SHUTDOWN ? VSOCK_SHUTDOWN_SEND : 0, 0, buf);
	if (bit == OWE_RST) {
		c->state = FREE;
		m->nconns--;
	}
	return len;
}

/*
 * Refills the stage from the host socket, at most the guest's credit: >0
 * read, 0 the host's end of stream, -errno.
 */
static ssize_t refill(struct conn *c)
{
	size_t want = credit(c) < STAGE_SIZE ? credit(c) : STAGE_SIZE;
	ssize_t n;

	if (!map(&c->stage, STAGE_SIZE))
		return -ENOMEM;
	do
		n = read(c->fd, c->stage, want);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	c->stage_off = 0;
	c->stage_len = (size_t)n;
	return n;
}

/* Data the host sent, as much as the guest's credit and buffer take. */
static size_t emit_data(struct vsock_mux *m, struct conn *c, uint8_t *buf, size_t cap)
{
	size_t max = cap - VSOCK_HDR_LEN;
	ssize_t n = c->stage_len ? (ssize_t)c->stage_len : refill(c);

	if (n > 0) {
		if (max > credit(c))
			max = credit(c);
		if (max > c->stage_len)
			max = c->stage_len;
		memcpy(buf + VSOCK_HDR_LEN, c->stage + c->stage_off, max);
		c->stage_off += max;
		c->stage_len -= max;
		c->tx_cnt += (uint32_t)max;
		update(m, c);
		return emit(m, c, VSOCK_OP_RW, 0, (uint32_t)max, buf);
	}
	if (!n) {
		c->host_eof = true;
		c->owed |= OWE_SHUTDOWN;
		maybe_finish(m, c);
	} else if (n == -EAGAIN) {
		c->readable = false;
	} else {
		end_conn(m, c, true);
	}
	update(m, c);
	return 0;
}

size_t vsock_mux_to_guest(struct vsock_mux *m, uint8_t *buf, size_t cap)
{
	take_reset(m);
	if (cap <= VSOCK_HDR_LEN)
		return 0;
	if (m->rst_count) {
		struct conn c = { .local_port = m->rsts[m->rst_head].local_port,
				  .peer_port = m->rsts[m->rst_head].peer_port };

		m->rst_head = (m->rst_head + 1) % RST_RING;
		m->rst_count--;
		return emit(m, &c, VSOCK_OP_RST, 0, 0, buf);
	}
	for (unsigned i = 0; i < VSOCK_MUX_MAX_CONNS; i++) {
		unsigned k = (m->next + i) % VSOCK_MUX_MAX_CONNS;
		struct conn *c = &m->conns[k];
		size_t len = 0;

		/* An end of stream found while reading is owed at once: asked again. */
		for (int tries = 0; tries < 2 && !len && c->state > LINE; tries++) {
			if (c->owed)
				len = emit_owed(m, c, buf);
			else if (has_data(c))
				len = emit_data(m, c, buf, cap);
		}
		if (len) {
			m->next = k + 1;
			return len;
		}
	}
	return 0;
}

void vsock_mux_reset(struct vsock_mux *m)
{
	uint64_t one = 1;

	atomic_store(&m->reset, true);
	if (write(m->wake_fd, &one, sizeof(one)) < 0)
		one = 0; /* the counter is full: a wake is pending anyway */
}

void vsock_mux_stats(const struct vsock_mux *m, struct vsock_mux_stats *s)
{
	s->conns = m->nconns;
	s->refused = m->refused;
	s->violations = m->violations;
}

void vsock_mux_destroy(struct vsock_mux *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < VSOCK_MUX_MAX_CONNS; i++) {
		if (m->conns[i].fd >= 0)
			close(m->conns[i].fd);
		release(&m->conns[i]);
	}
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->wake_fd >= 0)
		close(m->wake_fd);
	free(m);
}

int vsock_mux_fd(const struct vsock_mux *m)
{
	return m->epfd;
}
