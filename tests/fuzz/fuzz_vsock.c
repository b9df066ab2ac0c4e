/*
 * virtio-vsock's own backend (lib/vsock_mux.c): any sequence of guest
 * packets (any header, any length), host programs that write, read, close
 * or send any first line, receive buffers of any size, and resets. Every
 * packet for the guest fits its buffer and is well formed; connections
 * stay within their bound.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "a64vm/listen_socket.h"
#include "a64vm/vsock_mux.h"
#include "a64vm/vsock_packet.h"
#include "fuzz.h"

#define CID 3
#define MAX_ENDS 256

static int ends[MAX_ENDS], nends;
static int listen_fd = -1;
static struct sockaddr_un addr = { .sun_family = AF_UNIX };
static uint8_t pkt[VSOCK_HDR_LEN + VSOCK_MAX_PAYLOAD];

static int keep(int fd)
{
	if (nends == MAX_ENDS) {
		close(fd);
		return -1;
	}
	ends[nends++] = fd;
	return 0;
}

static int pair_connect(void *ctx, uint32_t port)
{
	int pair[2];

	(void)ctx;
	if (port % 5 == 0)
		return -ECONNREFUSED; /* nothing listens there */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair))
		return -errno;
	setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &(int){ 4096 }, sizeof(int));
	if (keep(pair[1])) {
		close(pair[0]);
		return -EMFILE;
	}
	return pair[0];
}

static void host_program(struct fuzz_in *in)
{
	size_t n = fuzz_take(in, 1) % (VSOCK_CONNECT_LINE_MAX + 8);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || keep(fd))
		return;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		return;
	n = n < in->left ? n : in->left;
	if (write(fd, in->p, n) < 0)
		n = 0;
	in->p += n;
	in->left -= n;
}

static void guest_packet(struct vsock_mux *m, struct fuzz_in *in)
{
	struct vsock_hdr h = {
		.src_cid = fuzz_take(in, 1) == 0xff ? 7 : CID,
		.dst_cid = VSOCK_HOST_CID,
		.op = (uint16_t)(fuzz_take(in, 1) % 9),
		.src_port = (uint32_t)fuzz_take(in, 1) % 8 + 1024,
		.dst_port = (uint32_t)fuzz_take(in, 1) % 8 + 1024,
		.flags = (uint32_t)fuzz_take(in, 1) % 4,
		.buf_alloc = (uint32_t)fuzz_take(in, 2) << 4,
		.fwd_cnt = (uint32_t)fuzz_take(in, 2) << 4,
		.type = fuzz_take(in, 1) == 0xfe ? 2 : VSOCK_TYPE_STREAM,
	};
	size_t len = fuzz_take(in, 2) % 9000, pkt_len;

	len = len < in->left ? len : in->left;
	h.len = (uint32_t)len;
	vsock_hdr_encode(&h, pkt);
	memcpy(pkt + VSOCK_HDR_LEN, in->p, len);
	in->p += len;
	in->left -= len;
	pkt_len = VSOCK_HDR_LEN + len;
	if (fuzz_take(in, 1) == 0xfd)
		pkt_len = fuzz_take(in, 1) % pkt_len; /* a length the header does not say */
	vsock_mux_from_guest(m, pkt, pkt_len);
}

static void to_guest(struct vsock_mux *m, struct fuzz_in *in)
{
	size_t cap = fuzz_take(in, 2) % (sizeof(pkt) + 1), len;
	struct vsock_hdr h;

	while ((len = vsock_mux_to_guest(m, pkt, cap))) {
		FUZZ_CHECK(len <= cap && len >= VSOCK_HDR_LEN);
		vsock_hdr_decode(pkt, &h);
		FUZZ_CHECK(h.len == len - VSOCK_HDR_LEN && h.len <= VSOCK_MAX_PAYLOAD);
		FUZZ_CHECK(h.src_cid == VSOCK_HOST_CID && h.dst_cid == CID);
		FUZZ_CHECK(h.type == VSOCK_TYPE_STREAM);
		FUZZ_CHECK(h.op >= VSOCK_OP_REQUEST && h.op <= VSOCK_OP_CREDIT_UPDATE);
		FUZZ_CHECK(h.op == VSOCK_OP_RW || !h.len);
		FUZZ_CHECK(h.buf_alloc == VSOCK_MUX_BUF);
	}
}

static void host_end(struct fuzz_in *in, unsigned what)
{
	static uint8_t buf[65536];
	size_t n = fuzz_take(in, 2) % sizeof(buf);
	int i = nends ? (int)(fuzz_take(in, 1) % (unsigned)nends) : -1;

	if (i < 0 || ends[i] < 0)
		return;
	if (what == 0 && write(ends[i], buf, n) < 0)
		return;
	if (what == 1 && read(ends[i], buf, n) < 0)
		return;
	if (what == 2)
		shutdown(ends[i], SHUT_WR);
	if (what == 3) {
		close(ends[i]);
		ends[i] = -1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vsock_mux *m;
	struct vsock_mux_stats st;

	if (listen_fd < 0) {
		signal(SIGPIPE, SIG_IGN); /* the test's writes to closed sockets */
		snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/fuzz-vsock-%d", getpid());
		unlink(addr.sun_path);
		listen_fd = listen_unix(addr.sun_path, NULL);
		FUZZ_CHECK(listen_fd >= 0);
	}
	FUZZ_CHECK(!vsock_mux_create(CID, listen_fd, pair_connect, NULL, &m));
	nends = 0;
	while (in.left) {
		unsigned op = (unsigned)fuzz_take(&in, 1) % 10;

		if (op < 3)
			guest_packet(m, &in);
		else if (op == 3)
			to_guest(m, &in);
		else if (op == 4)
			vsock_mux_poll(m);
		else if (op == 5)
			host_program(&in);
		else if (op == 6)
			vsock_mux_reset(m);
		else
			host_end(&in, op - 7 + (fuzz_take(&in, 1) & 1));
		vsock_mux_stats(m, &st);
		FUZZ_CHECK(st.conns <= VSOCK_MUX_MAX_CONNS);
	}
	vsock_mux_destroy(m);
	for (int i = 0; i < nends; i++)
		if (ends[i] >= 0)
			close(ends[i]);
	/* Host programs the mux never accepted wait in the backlog: drained. */
	for (int fd; (fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0;)
		close(fd);
	return 0;
}
