/*
 * virtio-vsock's packet layer and a64vm's own backend: the header's
 * layout, the host's "CONNECT PORT" line, and connections both ways on
 * real UNIX sockets (a listener in a temporary directory, socket pairs for
 * the guest's connections): handshakes, data, credit, shutdown, refusals,
 * limits, a reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "a64vm/listen_socket.h"
#include "a64vm/vsock_mux.h"
#include "a64vm/vsock_packet.h"
#include "unit.h"

#define CID 42
#define RXBUF (4096 + VSOCK_HDR_LEN) /* what Linux posts */

static struct vsock_mux *mux;
static int listen_fd = -1, host_end = -1, connect_err;
static char dir[] = "/tmp/vsock-mux-XXXXXX", path[128];
static uint8_t pkt[VSOCK_HDR_LEN + VSOCK_MAX_PAYLOAD];

/* The guest's connection to port P: one end of a pair, the test keeps the other. */
static int fake_connect(void *ctx, uint32_t port)
{
	int pair[2];

	(void)ctx;
	(void)port;
	if (connect_err)
		return -connect_err;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair))
		return -errno;
	fcntl(pair[0], F_SETFL, O_NONBLOCK);
	/* A host program's socket takes little before it reads. */
	setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &(int){ 4096 }, sizeof(int));
	if (host_end >= 0)
		close(host_end);
	host_end = pair[1];
	return pair[0];
}

static void setup(void)
{
	strcpy(dir, "/tmp/vsock-mux-XXXXXX");
	if (!mkdtemp(dir))
		CU_FAIL_FATAL("mkdtemp");
	snprintf(path, sizeof(path), "%s/v.sock", dir);
	listen_fd = listen_unix(path, NULL);
	CU_ASSERT_FATAL(listen_fd >= 0);
	CU_ASSERT_EQUAL_FATAL(vsock_mux_create(CID, listen_fd, fake_connect, NULL, &mux), 0);
	connect_err = 0;
}

static void teardown(void)
{
	vsock_mux_destroy(mux);
	close(listen_fd);
	if (host_end >= 0)
		close(host_end);
	host_end = -1;
	unlink(path);
	rmdir(dir);
}

/* A packet from the guest's port gport to the host's hport, into pkt. */
static size_t encode(uint16_t op, uint32_t gport, uint32_t hport, uint32_t flags,
		     uint32_t buf_alloc, uint32_t fwd_cnt, const void *data, uint32_t len)
{
	struct vsock_hdr h = { .src_cid = CID, .dst_cid = VSOCK_HOST_CID, .src_port = gport,
			       .dst_port = hport, .len = len, .type = VSOCK_TYPE_STREAM,
			       .op = op, .flags = flags, .buf_alloc = buf_alloc,
			       .fwd_cnt = fwd_cnt };

	vsock_hdr_encode(&h, pkt);
	if (len)
		memcpy(pkt + VSOCK_HDR_LEN, data, len);
	return VSOCK_HDR_LEN + len;
}

static bool send_guest(uint16_t op, uint32_t gport, uint32_t hport, uint32_t flags,
		       uint32_t buf_alloc, uint32_t fwd_cnt, const void *data, uint32_t len)
{
	size_t n = encode(op, gport, hport, flags, buf_alloc, fwd_cnt, data, len);

	return vsock_mux_from_guest(mux, pkt, n);
}

/* The next packet for the guest, after the host's sockets were served. */
static size_t to_guest(struct vsock_hdr *h, size_t cap)
{
	size_t len;

	vsock_mux_poll(mux);
	len = vsock_mux_to_guest(mux, pkt, cap);
	if (len)
		vsock_hdr_decode(pkt, h);
	return len;
}

static void expect(uint16_t op, uint32_t hport, uint32_t gport)
{
	struct vsock_hdr h;

	CU_ASSERT_EQUAL_FATAL(to_guest(&h, RXBUF) >= VSOCK_HDR_LEN, true);
	CU_ASSERT_EQUAL(h.op, op);
	CU_ASSERT_EQUAL(h.src_cid, VSOCK_HOST_CID);
	CU_ASSERT_EQUAL(h.dst_cid, CID);
	CU_ASSERT_EQUAL(h.src_port, hport);
	CU_ASSERT_EQUAL(h.dst_port, gport);
	CU_ASSERT_EQUAL(h.type, VSOCK_TYPE_STREAM);
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static void test_header_layout(void)
{
	struct vsock_hdr h = { 0x0102030405060708ull, 2, 0x11223344, 5000, 7, 1, 5, 3,
			       0x40000, 0x99 }, back;
	uint8_t b[VSOCK_HDR_LEN];

	vsock_hdr_encode(&h, b);
	CU_ASSERT_EQUAL(b[0], 0x08);
	CU_ASSERT_EQUAL(b[7], 0x01);
	CU_ASSERT_EQUAL(b[16], 0x44);
	CU_ASSERT_EQUAL(b[20] | b[21] << 8, 5000);
	CU_ASSERT_EQUAL(b[24], 7);  /* len */
	CU_ASSERT_EQUAL(b[28], 1);  /* type */
	CU_ASSERT_EQUAL(b[30], 5);  /* op */
	CU_ASSERT_EQUAL(b[32], 3);  /* flags */
	CU_ASSERT_EQUAL(b[38], 4);  /* buf_alloc 0x40000 */
	CU_ASSERT_EQUAL(b[40], 0x99);
	vsock_hdr_decode(b, &back);
	CU_ASSERT_TRUE(back.src_cid == h.src_cid && back.dst_cid == h.dst_cid &&
		       back.src_port == h.src_port && back.dst_port == h.dst_port &&
		       back.len == h.len && back.type == h.type && back.op == h.op &&
		       back.flags == h.flags && back.buf_alloc == h.buf_alloc &&
		       back.fwd_cnt == h.fwd_cnt);
}

static void test_connect_line(void)
{
	static const struct {
		const char *s;
		int ret;
		uint32_t port;
	} cases[] = {
		{ "CONNECT 5000\n", 1, 5000 }, { "CONNECT 0\n", 1, 0 },
		{ "CONNECT 4294967295\n", 1, 4294967295u }, { "CONN", 0 }, { "CONNECT ", 0 },
		{ "CONNECT 52", 0 }, { "", 0 }, { "CONNECT 4294967296\n", -1 },
		{ "CONNECT \n", -1 }, { "CONNECT -1\n", -1 }, { "connect 1\n", -1 },
		{ "CONNECT 1\nx", -1 }, { "CONNECT 1 \n", -1 }, { "GET / HTTP/1.0\r\n", -1 },
		{ "CONNECT 00000000001\n", -1 }, { "CONNECT  1\n", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t port = 77;

		CU_ASSERT_EQUAL(vsock_parse_connect(cases[i].s, strlen(cases[i].s), &port),
				cases[i].ret);
		if (cases[i].ret == 1)
			CU_ASSERT_EQUAL(port, cases[i].port);
	}
}

/* The guest connects to the host's port 5000 and both sides send. */
static void test_guest_connects(void)
{
	struct vsock_hdr h;
	char buf[64];

	setup();
	CU_ASSERT_TRUE(send_guest(VSOCK_OP_REQUEST, 1234, 5000, 0, 65536, 0, NULL, 0));
	expect(VSOCK_OP_RESPONSE, 5000, 1234);
	CU_ASSERT_FALSE(send_guest(VSOCK_OP_RW, 1234, 5000, 0, 65536, 0, "hello", 5));
	CU_ASSERT_EQUAL(read(host_end, buf, sizeof(buf)), 5);
	CU_ASSERT_EQUAL(memcmp(buf, "hello", 5), 0);
	CU_ASSERT_EQUAL(write(host_end, "world!", 6), 6);
	CU_ASSERT_EQUAL(to_guest(&h, RXBUF), VSOCK_HDR_LEN + 6);
	CU_ASSERT_EQUAL(h.op, VSOCK_OP_RW);
	CU_ASSERT_EQUAL(h.len, 6);
	CU_ASSERT_EQUAL(h.fwd_cnt, 5); /* the guest's 5 bytes went on */
	CU_ASSERT_EQUAL(h.buf_alloc, VSOCK_MUX_BUF);
	CU_ASSERT_EQUAL(memcmp(pkt + VSOCK_HDR_LEN, "world!", 6), 0);
	CU_ASSERT_EQUAL(to_guest(&h, RXBUF), 0);
	teardown();
}

/* The host sends only what the guest's buffer has room for, and more on its update. */
static void test_guest_credit(void)
{
	static char big[10000];
	struct vsock_hdr h;

	setup();
	send_guest(VSOCK_OP_REQUEST, 1, 5000, 0, 100, 0, NULL, 0);
	expect(VSOCK_OP_RESPONSE, 5000, 1);
	CU_ASSERT_EQUAL(write(host_end, big, sizeof(big)), (ssize_t)sizeof(big));
	CU_ASSERT_EQUAL(to_guest(&h, RXBUF), VSOCK_HDR_LEN + 100);
	CU_ASSERT_EQUAL(to_guest(&h, RXBUF), 0); /* no credit left */
	/* Credit for bytes already read from the socket: no event will come, so said. */
	CU_ASSERT_TRUE(send_guest(VSOCK_OP_CREDIT_UPDATE, 1, 5000, 0, 100, 60, NULL, 0));
	CU_ASSERT_EQUAL(to_guest(&h, RXBUF), VSOCK_HDR_LEN + 60);
	send_guest(VSOCK_OP_CREDIT_UPDATE, 1, 5000, 0, 1u << 20, 160, NULL, 0);
	/* Then as much as a receive buffer holds. */
	CU_ASSERT_EQUAL(to_guest(&h, RXBUF), RXBUF);
	CU_ASSERT_EQUAL(to_guest(&h, 1000), 1000);
	teardown();
}

/*
 * One read of the host's socket serves several small guest buffers (Linux
 * posts 4 KiB ones), in order; what was read but the guest's credit no
 * longer covers waits.
 */
static void test_staged_reads(void)
{
	static uint8_t sent[10000], got[10000];
	struct vsock_hdr h;
	size_t at = 0, len;
	int queued = -1;

	setup();
	for (size_t i = 0; i < sizeof(sent); i++)
		sent[i] = (uint8_t)(i * 7 + i / 251);
	send_guest(VSOCK_OP_REQUEST, 1, 5000, 0, 1u << 20, 0, NULL, 0);
	expect(VSOCK_OP_RESPONSE, 5000, 1);
	CU_ASSERT_EQUAL(write(host_end, sent, sizeof(sent)), (ssize_t)sizeof(sent));
	CU_ASSERT_EQUAL(to_guest(&h, 4096), 4096);
	memcpy(got, pkt + VSOCK_HDR_LEN, h.len);
	at = h.len;
	/* All of it was taken from the socket by that one read. */
	CU_ASSERT_EQUAL(ioctl(host_end, SIOCOUTQ, &queued), 0);
	CU_ASSERT_EQUAL(queued, 0);
	/* The guest shrinks its buffer: 5000 in all, so 948 more for now. */
	send_guest(VSOCK_OP_CREDIT_UPDATE, 1, 5000, 0, 5000, 0, NULL, 0);
	CU_ASSERT_EQUAL(to_guest(&h, 4096), VSOCK_HDR_LEN + 948);
	memcpy(got + at, pkt + VSOCK_HDR_LEN, h.len);
	at += h.len;
	CU_ASSERT_EQUAL(to_guest(&h, 4096), 0);
	send_guest(VSOCK_OP_CREDIT_UPDATE, 1, 5000, 0, 1u << 20, 5000, NULL, 0);
	while (at < sizeof(got) && (len = to_guest(&h, 4096)) > VSOCK_HDR_LEN) {
		CU_ASSERT_EQUAL_FATAL(h.op, VSOCK_OP_RW);
		CU_ASSERT_FATAL(at + h.len <= sizeof(got));
		memcpy(got + at, pkt + VSOCK_HDR_LEN, h.len);
		at += h.len;
	}
	CU_ASSERT_EQUAL(at, sizeof(sent));
	CU_ASSERT_EQUAL(memcmp(got, sent, sizeof(sent)), 0);
	CU_ASSERT_EQUAL(to_guest(&h, 4096), 0);
	teardown();
}

/* No socket for the port, a malformed packet, a packet of no connection. */
static void test_refusals(void)
{
	struct vsock_hdr h;
	struct vsock_mux_stats st;

	setup();
	connect_err = ECONNREFUSED;
	CU_ASSERT_TRUE(send_guest(VSOCK_OP_REQUEST, 7, 6000, 0, 65536, 0, NULL, 0));
	expect(VSOCK_OP_RST, 6000, 7);
	CU_ASSERT_TRUE(send_guest(VSOCK_OP_RW, 8, 6000, 0, 65536, 0, "x", 1));
	expect(VSOCK_OP_RST, 6000, 8);
	CU_ASSERT_FALSE(send_guest(VSOCK_OP_RST, 9, 6000, 0, 0, 0, NULL, 0));
	CU_ASSERT_EQUAL(to_guest(&h, RXBUF), 0);
	/* A length that is not the packet's, another CID, a runt: dropped. */
	encode(VSOCK_OP_REQUEST, 7, 6000, 0, 65536, 0, NULL, 0);
	pkt[24] = 9;
	CU_ASSERT_FALSE(vsock_mux_from_guest(mux, pkt, VSOCK_HDR_LEN));
	pkt[24] = 0;
	pkt[0] = CID + 1;
	CU_ASSERT_FALSE(vsock_mux_from_guest(mux, pkt, VSOCK_HDR_LEN));
	CU_ASSERT_FALSE(vsock_mux_from_guest(mux, pkt, 3));
	vsock_mux_stats(mux, &st);
	CU_ASSERT_EQUAL(st.violations, 3);
	CU_ASSERT_EQUAL(st.refused, 1);
	CU_ASSERT_EQUAL(st.conns, 0);
	teardown();
}

static int host_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	CU_ASSERT_FATAL(fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	return fd;
}

/* A host program: CONNECT, the guest's answer, "OK HOSTPORT", data both ways. */
static void test_host_connects(void)
{
	int fd;
	char buf[64] = { 0 };
	struct vsock_hdr h;

	setup();
	fd = host_connect();
	CU_ASSERT_EQUAL(write(fd, "CONNECT 5000\nearly", 18), 18);
	expect(VSOCK_OP_REQUEST, 1024, 5000);
	CU_ASSERT_FALSE(readable(fd, 0));
	send_guest(VSOCK_OP_RESPONSE, 5000, 1024, 0, 65536, 0, NULL, 0);
	CU_ASSERT_EQUAL(read(fd, buf, sizeof(buf)), 8);
	CU_ASSERT_STRING_EQUAL(buf, "OK 1024\n");
	/* What it sent after its line reaches the guest after the answer. */
	CU_ASSERT_EQUAL(to_guest(&h, RXBUF), VSOCK_HDR_LEN + 5);
	CU_ASSERT_EQUAL(memcmp(pkt + VSOCK_HDR_LEN, "early", 5), 0);
	send_guest(VSOCK_OP_RW, 5000, 1024, 0, 65536, 5, "back", 4);
	CU_ASSERT_EQUAL(read(fd, buf, sizeof(buf)), 4);
	/* The host closes: the guest hears it will send no more, then is reset. */
	close(fd);
	expect(VSOCK_OP_SHUTDOWN, 1024, 5000);
	CU_ASSERT_EQUAL(h.flags, 0);
	CU_ASSERT_EQUAL(((struct vsock_hdr *)&h)->len, 5);
	send_guest(VSOCK_OP_SHUTDOWN, 5000, 1024, VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND,
		   65536, 5, NULL, 0);
	expect(VSOCK_OP_RST, 1024, 5000);
	teardown();
}

/* A line that is not CONNECT, and a guest with no listener there. */
static void test_host_refused(void)
{
	int a, b;
	char c;
	struct vsock_mux_stats st;

	setup();
	a = host_connect();
	CU_ASSERT_EQUAL(write(a, "GET / HTTP/1.0\r\n", 16), 16);
	b = host_connect();
	CU_ASSERT_EQUAL(write(b, "CONNECT 77\n", 11), 11);
	expect(VSOCK_OP_REQUEST, 1024, 77);
	send_guest(VSOCK_OP_RST, 77, 1024, 0, 0, 0, NULL, 0);
	CU_ASSERT_TRUE(readable(a, 1000));
	CU_ASSERT(read(a, &c, 1) <= 0); /* closed with its line unread: reset */
	CU_ASSERT_TRUE(readable(b, 1000));
	CU_ASSERT_EQUAL(read(b, &c, 1), 0); /* no "OK": closed */
	vsock_mux_stats(mux, &st);
	CU_ASSERT_EQUAL(st.refused, 1);
	CU_ASSERT_EQUAL(st.conns, 0);
	close(a);
	close(b);
	teardown();
}

/* A host that stops reading: the guest may fill our buffer and no more. */
static void test_host_not_reading(void)
{
	static uint8_t chunk[VSOCK_MAX_PAYLOAD];
	uint32_t sent = 0;
	struct vsock_hdr h;
	struct vsock_mux_stats st;
	size_t n;

	setup();
	send_guest(VSOCK_OP_REQUEST, 3, 5000, 0, 65536, 0, NULL, 0);
	expect(VSOCK_OP_RESPONSE, 5000, 3);
	while (sent + sizeof(chunk) <= VSOCK_MUX_BUF) {
		send_guest(VSOCK_OP_RW, 3, 5000, 0, 65536, 0, chunk, sizeof(chunk));
		sent += sizeof(chunk);
	}
	/* The host took a little; the guest's view of our room is stale: told. */
	while ((n = to_guest(&h, RXBUF)))
		CU_ASSERT_EQUAL(h.op, VSOCK_OP_CREDIT_UPDATE);
	/* Past the credit (the host took less than a packet): the connection is reset. */
	send_guest(VSOCK_OP_RW, 3, 5000, 0, 65536, 0, chunk, sizeof(chunk));
	expect(VSOCK_OP_RST, 5000, 3);
	vsock_mux_stats(mux, &st);
	CU_ASSERT_EQUAL(st.violations, 1);
	teardown();
}

/*
 * The host reads again: what waited goes, and the guest hears of the room
 * once its view of it is less than a packet (not at every write).
 */
static void test_host_reads_later(void)
{
	static uint8_t chunk[VSOCK_MAX_PAYLOAD], got[VSOCK_MUX_BUF];
	size_t total = 0;
	struct vsock_hdr h;
	bool told = false;

	setup();
	send_guest(VSOCK_OP_REQUEST, 3, 5000, 0, 65536, 0, NULL, 0);
	expect(VSOCK_OP_RESPONSE, 5000, 3);
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)i;
	for (int i = 0; i < 4; i++)
		send_guest(VSOCK_OP_RW, 3, 5000, 0, 65536, 0, chunk, sizeof(chunk));
	fcntl(host_end, F_SETFL, O_NONBLOCK);
	while (total < sizeof(got)) {
		ssize_t n = read(host_end, got + total, sizeof(got) - total);

		if (n > 0)
			total += (size_t)n;
		while (to_guest(&h, RXBUF))
			told |= h.op == VSOCK_OP_CREDIT_UPDATE && h.fwd_cnt >= sizeof(chunk);
		CU_ASSERT_FATAL(n > 0 || readable(host_end, 1000));
	}
	CU_ASSERT_TRUE(told);
	for (size_t i = 0; i < sizeof(got); i++)
		if (got[i] != (uint8_t)i) {
			CU_FAIL("bytes out of order");
			break;
		}
	teardown();
}

/* The guest shuts its sending side: the host reads to its end, then closes. */
static void test_guest_shutdown(void)
{
	char c;

	setup();
	send_guest(VSOCK_OP_REQUEST, 3, 5000, 0, 65536, 0, NULL, 0);
	expect(VSOCK_OP_RESPONSE, 5000, 3);
	send_guest(VSOCK_OP_RW, 3, 5000, 0, 65536, 0, "z", 1);
	send_guest(VSOCK_OP_SHUTDOWN, 3, 5000, VSOCK_SHUTDOWN_SEND, 65536, 0, NULL, 0);
	CU_ASSERT_EQUAL(read(host_end, &c, 1), 1);
	CU_ASSERT_EQUAL(read(host_end, &c, 1), 0);
	shutdown(host_end, SHUT_WR);
	expect(VSOCK_OP_SHUTDOWN, 5000, 3);
	expect(VSOCK_OP_RST, 5000, 3);
	teardown();
}

/* Connections are bounded; a reset ends them all. */
static void test_limit_and_reset(void)
{
	struct vsock_hdr h;
	struct vsock_mux_stats st;
	int ends[VSOCK_MUX_MAX_CONNS];
	char c;

	setup();
	for (uint32_t i = 0; i < VSOCK_MUX_MAX_CONNS; i++) {
		send_guest(VSOCK_OP_REQUEST, 100 + i, 5000, 0, 65536, 0, NULL, 0);
		expect(VSOCK_OP_RESPONSE, 5000, 100 + i);
		ends[i] = host_end;
		host_end = -1;
	}
	send_guest(VSOCK_OP_REQUEST, 99, 5000, 0, 65536, 0, NULL, 0);
	expect(VSOCK_OP_RST, 5000, 99);
	vsock_mux_stats(mux, &st);
	CU_ASSERT_EQUAL(st.conns, VSOCK_MUX_MAX_CONNS);
	vsock_mux_reset(mux);
	CU_ASSERT_EQUAL(to_guest(&h, RXBUF), 0);
	vsock_mux_stats(mux, &st);
	CU_ASSERT_EQUAL(st.conns, 0);
	for (int i = 0; i < VSOCK_MUX_MAX_CONNS; i++) {
		CU_ASSERT_EQUAL(read(ends[i], &c, 1), 0);
		close(ends[i]);
	}
	teardown();
}

const char unit_suite_name[] = "vsock_mux";
const struct unit_test unit_tests[] = {
	{ "the header's layout", test_header_layout },
	{ "the host's CONNECT line", test_connect_line },
	{ "the guest connects, both send", test_guest_connects },
	{ "the host sends within the guest's credit", test_guest_credit },
	{ "one read of the host serves small buffers", test_staged_reads },
	{ "refused and malformed packets", test_refusals },
	{ "a host program connects", test_host_connects },
	{ "a bad line, no guest listener", test_host_refused },
	{ "a host that does not read", test_host_not_reading },
	{ "a host that reads later", test_host_reads_later },
	{ "the guest shuts down its side", test_guest_shutdown },
	{ "bounded connections, and a reset", test_limit_and_reset },
	{ NULL, NULL },
};
