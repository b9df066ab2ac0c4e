#include "a64vm/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "a64vm/log.h"
#include "a64vm/virtio_io.h"

int tap_open(const char *name, struct virtio_io *io, struct tap *out)
{
	struct ifreq ifr;
	int hdr = VIRTIO_NET_HDR_LEN, fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr)) {
		int err = errno;

		log_error("--net tap=%s: %s%s%s", name, fd < 0 ? "/dev/net/tun: " : "",
			  strerror(err), err == EPERM || err == EACCES ?
			  " (a new tap needs CAP_NET_ADMIN; an existing one must "
			  "belong to this user)" : "");
		if (fd >= 0)
			close(fd);
		return -err;
	}
	out->fd = fd;
	out->io = io;
	out->polled = false;
	snprintf(out->name, sizeof(out->name), "%s", name);
	return 0;
}

void tap_close(struct tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static ssize_t tap_recv(void *ctx, uint8_t *buf, size_t cap)
{
	return read(((struct tap *)ctx)->fd, buf, cap);
}

static void tap_send(void *ctx, const struct iovec *iov, unsigned n)
{
	struct tap *t = ctx;

	if (writev(t->fd, iov, (int)n) < 0)
		log_ratelimited(LOG_WARN, "virtio-net: tap %s: %s", t->name,
				strerror(errno));
}

static void tap_want_frames(void *ctx, bool on)
{
	struct tap *t = ctx;

	if (on != t->polled && !virtio_io_enable(t->io, t->fd, on))
		t->polled = on;
}

/* Partial checksums reach the guest only if it can finish them. */
static void tap_set_csum(void *ctx, bool on)
{
	struct tap *t = ctx;

	if (ioctl(t->fd, TUNSETOFFLOAD, on ? TUN_F_CSUM : 0))
		log_ratelimited(LOG_WARN, "virtio-net: tap %s: TUNSETOFFLOAD: %s",
				t->name, strerror(errno));
}

const struct virtio_net_backend tap_backend = {
	.recv = tap_recv, .send = tap_send, .want_frames = tap_want_frames,
	.set_csum = tap_set_csum,
};
