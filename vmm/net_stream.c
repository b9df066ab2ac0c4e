#include "a64vm/net_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/mono_time.h"
#include "a64vm/virtio_io.h"

#define STALL_NS (5ull * 1000000000u) /* a peer that takes nothing this long is gone */
#define MAX_SEGMENTS 1023		/* IOV_MAX, less the length */

void net_stream_adopt(int fd, const char *peer, struct virtio_io *io, struct net_stream *s)
{
	memset(s, 0, offsetof(struct net_stream, tx));
	net_stream_rx_init(&s->rx);
	s->fd = fd;
	s->io = io;
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int net_stream_connect(const char *path, struct virtio_io *io, struct net_stream *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int err, fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		char peer[sizeof(s->peer)];

		snprintf(peer, sizeof(peer), "stream=%s", path);
		net_stream_adopt(fd, peer, io, s);
		return 0;
	}
	err = errno;
	log_error("--net stream=%s: %s%s", path, strerror(err),
		  err == ENOENT || err == ECONNREFUSED ?
		  " (is passt running there? passt --socket PATH)" : "");
	if (fd >= 0)
		close(fd);
	s->fd = -1;
	return -err;
}

void net_stream_close(struct net_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* The link ends: said once; the guest's frames are dropped from now on. */
static void link_down(struct net_stream *s, const char *why)
{
	if (s->down)
		return;
	s->down = true;
	log_error("virtio-net: %s %s: the link is down (the VM runs on)", s->peer, why);
	if (s->polled)
		virtio_io_enable(s->io, s->fd, false);
	s->polled = false;
}

/* A write failed (errno): the link ends, or waits, but not for ever. */
static void write_failed(struct net_stream *s)
{
	uint64_t now = mono_ns();

	if (errno != EAGAIN)
		link_down(s, strerror(errno));
	else if (!s->stalled_since)
		s->stalled_since = now;
	else if (now - s->stalled_since > STALL_NS)
		link_down(s, "has taken nothing for 5 s");
}

/* What is left of the last frame goes out: true once nothing waits. */
static bool flush(struct net_stream *s)
{
	while (s->tx_off < s->tx_len && !s->down) {
		struct iovec rest = { s->tx + s->tx_off, s->tx_len - s->tx_off };
		ssize_t n = sendmsg(s->fd, &(struct msghdr){ .msg_iov = &rest, .msg_iovlen = 1 },
				    MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			s->tx_off += (size_t)n;
			s->stalled_since = 0;
		} else if (n < 0 && errno != EINTR) {
			write_failed(s);
			return false;
		}
	}
	return !s->down;
}

static ssize_t stream_recv(void *ctx, uint8_t *buf, size_t cap)
{
	struct net_stream *s = ctx;

	flush(s); /* a peer that sends may take again */
	for (;;) {
		const uint8_t *frame;
		uint8_t *at;
		size_t len, room;
		ssize_t n;
		int ret = net_stream_rx_next(&s->rx, &frame, &len);

		if (ret > 0 && VIRTIO_NET_HDR_LEN + len <= cap) {
			/* No offloads: a header of zeros, num_buffers filled in later. */
			memset(buf, 0, VIRTIO_NET_HDR_LEN);
			memcpy(buf + VIRTIO_NET_HDR_LEN, frame, len);
			return (ssize_t)(VIRTIO_NET_HDR_LEN + len);
		}
		if (ret < 0) {
			char why[64];

			snprintf(why, sizeof(why), "sent a frame length of %zu", len);
			link_down(s, why);
		}
		if (ret != 0 || s->down)
			return 0;
		room = net_stream_rx_space(&s->rx, &at);
		n = read(s->fd, at, room);
		if (n > 0) {
			net_stream_rx_filled(&s->rx, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN)
			link_down(s, n ? strerror(errno) : "closed the connection");
		return 0;
	}
}

static void stream_send(void *ctx, const struct iovec *iov, unsigned n)
{
	struct net_stream *s = ctx;
	struct iovec out[MAX_SEGMENTS + 1];
	size_t skip = VIRTIO_NET_HDR_LEN, len = 0, done = 0;
	unsigned k = 1;
	uint8_t hdr[NET_STREAM_LEN_SIZE];
	ssize_t sent;

	/* The frame without its virtio_net_hdr, after its length. */
	for (unsigned i = 0; i < n; i++) {
		size_t cut = skip < iov[i].iov_len ? skip : iov[i].iov_len;

		skip -= cut;
		if (iov[i].iov_len > cut && k <= MAX_SEGMENTS) {
			out[k].iov_base = (uint8_t *)iov[i].iov_base + cut;
			out[k].iov_len = iov[i].iov_len - cut;
			len += out[k++].iov_len;
		} else if (iov[i].iov_len > cut) {
			len = 0; /* too many pieces to send at once: dropped */
			break;
		}
	}
	if (skip || len < NET_STREAM_MIN_FRAME || len > NET_STREAM_MAX_FRAME) {
		log_ratelimited(LOG_WARN, "virtio-net: the guest sent a frame of %zu bytes: "
				"dropped", len);
		return;
	}
	if (!flush(s)) {
		if (!s->down)
			s->dropped++;
		return;
	}
	net_stream_header(len, hdr);
	out[0] = (struct iovec){ hdr, sizeof(hdr) };
	do
		sent = sendmsg(s->fd, &(struct msghdr){ .msg_iov = out, .msg_iovlen = k },
			       MSG_DONTWAIT | MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	if (sent < 0) {
		s->dropped += errno == EAGAIN; /* nothing went: lost, as on a full tap */
		write_failed(s);
		return;
	}
	s->stalled_since = 0;
	if ((size_t)sent == sizeof(hdr) + len)
		return;
	/* Part went: the rest must follow before any other frame. */
	for (unsigned i = 0; i < k; i++) {
		memcpy(s->tx + done, out[i].iov_base, out[i].iov_len);
		done += out[i].iov_len;
	}
	s->tx_off = (size_t)sent;
	s->tx_len = done;
}

static void stream_want_frames(void *ctx, bool on)
{
	struct net_stream *s = ctx;

	if (!s->down && on != s->polled && !virtio_io_enable(s->io, s->fd, on))
		s->polled = on;
}

/* Frames from passt carry whole checksums: nothing to tell it. */
static void stream_set_csum(void *ctx, bool on)
{
	(void)ctx;
	(void)on;
}

const struct virtio_net_backend net_stream_backend = {
	.recv = stream_recv, .send = stream_send, .want_frames = stream_want_frames,
	.set_csum = stream_set_csum,
};
