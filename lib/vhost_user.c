#include "a64vm/vhost_user.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/mono_time.h"
#include "a64vm/vhost_user_proto.h"

/*
 * What a64vm asks of the protocol: REPLY_ACK, so a failed request is told;
 * CONFIG and INFLIGHT_SHMFD, used where the device has them (virtio-blk),
 * asked of every daemon as QEMU does.
 */
#define WANTED_PROTOCOL ((1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
			 (1ull << VHOST_USER_PROTOCOL_F_CONFIG) | \
			 (1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))

/* The daemon is gone or broke the protocol: one line, and no more talk. */
static int gone(struct vhost_user *vu, const struct vhost_user_msg *m, const char *why,
		int err)
{
	if (vu->fd >= 0 && err == -ECANCELED) {
		close(vu->fd); /* a64vm stops: nothing to tell */
		vu->fd = -1;
	} else if (vu->fd >= 0) {
		log_error("%s: the vhost-user daemon %s (%s); the device stops", vu->name, why,
			  m ? vhost_user_request_name(m->request) : "connecting");
		close(vu->fd);
		vu->fd = -1;
	}
	return err;
}

/*
 * Until fd is ready for events, the reply's deadline passes (-ETIMEDOUT),
 * or a64vm begins to stop (-ECANCELED): looked at every 100 ms, and after
 * every signal, so that neither a kick nor a slow daemon moves the
 * deadline.
 */
static int wait_ready(const struct vhost_user *vu, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = vu->fd, .events = events };
		uint64_t now = mono_ns();
		int ms;

		if (vu->stopping && atomic_load(vu->stopping))
			return -ECANCELED;
		if (now >= deadline)
			return -ETIMEDOUT;
		ms = deadline - now > 100000000u ? 100 : (int)((deadline - now) / 1000000u) + 1;
		if (poll(&p, 1, ms) > 0)
			return 0;
	}
}

static uint64_t deadline_of(const struct vhost_user *vu)
{
	return mono_ns() + (uint64_t)vu->timeout_ms * 1000000u;
}

static const char *why_of(int err, bool sending)
{
	switch (err) {
	case -ETIMEDOUT: return sending ? "does not read its socket" : "did not answer in time";
	case -ECANCELED: return "was still busy when a64vm stopped";
	default: return "closed its socket";
	}
}

static int send_msg(struct vhost_user *vu, const struct vhost_user_msg *m, const int *fds,
		    unsigned nfds)
{
	char control[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))] = { 0 };
	size_t len = vhost_user_len(m), done = 0;
	uint64_t deadline = deadline_of(vu);
	int ret = 0;

	if (vu->fd < 0)
		return -EPIPE;
	while (done < len && !ret) {
		struct iovec iov = { .iov_base = (uint8_t *)m + done, .iov_len = len - done };
		struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		/* The descriptors go with the first byte. */
		if (nfds && !done) {
			struct cmsghdr *c;

			h.msg_control = control;
			h.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
			c = CMSG_FIRSTHDR(&h);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
		}
		n = sendmsg(vu->fd, &h, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && (errno == EAGAIN || errno == EINTR))
			ret = wait_ready(vu, POLLOUT, deadline);
		else
			ret = -EPIPE;
	}
	return ret ? gone(vu, m, why_of(ret, true), ret) : 0;
}

/*
 * Exactly len bytes by deadline; descriptors that come along are counted
 * and closed, but for the first into *keep when keep is given.
 */
static int recv_exact(struct vhost_user *vu, uint8_t *buf, size_t len, unsigned *nfds,
		      int *keep, uint64_t deadline)
{
	size_t done = 0;

	while (done < len) {
		char control[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
		struct iovec iov = { .iov_base = buf + done, .iov_len = len - done };
		struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
				    .msg_controllen = sizeof(control) };
		ssize_t n = recvmsg(vu->fd, &h, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		int ret;

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ret = wait_ready(vu, POLLIN, deadline);
			if (ret)
				return ret;
			continue;
		}
		if (n <= 0)
			return -EPIPE;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
				if (keep && *keep < 0)
					*keep = fd;
				else
					close(fd);
				(*nfds)++;
			}
		}
		done += (size_t)n;
	}
	return 0;
}

/* The reply to req, checked as want; into *out, and its descriptor into *fd when given. */
static int recv_reply_fd(struct vhost_user *vu, const struct vhost_user_msg *req,
			 enum vhost_user_reply want, struct vhost_user_msg *out, int *fd)
{
	uint8_t buf[VHOST_USER_HDR_SIZE + VHOST_USER_MAX_PAYLOAD];
	uint64_t deadline = deadline_of(vu); /* one for the whole reply */
	const char *why = NULL;
	unsigned nfds = 0;
	uint32_t size;
	int ret = recv_exact(vu, buf, VHOST_USER_HDR_SIZE, &nfds, fd, deadline);

	if (!ret) {
		memcpy(&size, buf + 8, sizeof(size));
		/* Oversized: refused by the check before it is read. */
		if (size <= VHOST_USER_MAX_PAYLOAD)
			ret = recv_exact(vu, buf + VHOST_USER_HDR_SIZE, size, &nfds, fd, deadline);
		else
			size = 0;
	}
	if (!ret && vhost_user_check_reply(req, want, buf, VHOST_USER_HDR_SIZE + size, nfds,
					   out, &why))
		ret = -EPROTO;
	if (ret && fd && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	if (ret == -EPROTO) {
		char what[96];

		snprintf(what, sizeof(what), "sent a bad reply: %s", why);
		return gone(vu, req, what, -EPROTO);
	}
	return ret ? gone(vu, req, why_of(ret, false), ret) : 0;
}

static int recv_reply(struct vhost_user *vu, const struct vhost_user_msg *req,
		      enum vhost_user_reply want, struct vhost_user_msg *out)
{
	return recv_reply_fd(vu, req, want, out, NULL);
}

/* A request that has no reply of its own: acknowledged when REPLY_ACK is on. */
static int request(struct vhost_user *vu, struct vhost_user_msg *m, const int *fds,
		   unsigned nfds)
{
	bool ack = vu->protocol & (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK);
	struct vhost_user_msg reply;
	int ret;

	if (ack)
		m->flags |= VHOST_USER_FLAG_NEED_REPLY;
	ret = send_msg(vu, m, fds, nfds);
	if (ret || !ack)
		return ret;
	ret = recv_reply(vu, m, VHOST_USER_REPLY_U64, &reply);
	if (!ret && vhost_user_reply_u64(&reply)) {
		log_error("%s: the vhost-user daemon refused %s", vu->name,
			  vhost_user_request_name(m->request));
		return -EIO;
	}
	return ret;
}

/* A request whose reply is a u64 (features). */
static int query(struct vhost_user *vu, enum vhost_user_request req, uint64_t *v)
{
	struct vhost_user_msg m, reply;
	int ret;

	vhost_user_request(&m, req, 0);
	ret = send_msg(vu, &m, NULL, 0);
	if (!ret)
		ret = recv_reply(vu, &m, VHOST_USER_REPLY_U64, &reply);
	if (!ret)
		*v = vhost_user_reply_u64(&reply);
	return ret;
}

static int connect_to(const char *path, unsigned wait_ms)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	uint64_t until = mono_ns() + (uint64_t)wait_ms * 1000000u;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = errno;

		if ((err != ENOENT && err != ECONNREFUSED && err != EINTR) ||
		    mono_ns() >= until) {
			close(fd);
			return -err;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
	}
	return fd;
}

void vhost_user_set_timeout(struct vhost_user *vu, unsigned ms)
{
	vu->timeout_ms = ms;
}

int vhost_user_open(struct vhost_user *vu, const char *path, const char *name,
		    unsigned wait_ms)
{
	int fd = connect_to(path, wait_ms);

	if (fd < 0) {
		memset(vu, 0, sizeof(*vu));
		vu->fd = -1;
		log_error("%s: cannot connect to %s: %s", name, path, strerror(-fd));
		return fd;
	}
	return vhost_user_adopt(vu, fd, name);
}

int vhost_user_adopt(struct vhost_user *vu, int fd, const char *name)
{
	struct vhost_user_msg m;
	int ret;

	memset(vu, 0, sizeof(*vu));
	snprintf(vu->name, sizeof(vu->name), "%s", name);
	vu->timeout_ms = VHOST_USER_TIMEOUT_MS;
	vu->fd = fd;
	ret = query(vu, VHOST_USER_GET_FEATURES, &vu->features);
	if (!ret && (vu->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES))) {
		uint64_t theirs = 0;

		ret = query(vu, VHOST_USER_GET_PROTOCOL_FEATURES, &theirs);
		vhost_user_request_u64(&m, VHOST_USER_SET_PROTOCOL_FEATURES,
				       theirs & WANTED_PROTOCOL, 0);
		if (!ret)
			ret = send_msg(vu, &m, NULL, 0);
		if (!ret)
			vu->protocol = theirs & WANTED_PROTOCOL;
	}
	vhost_user_request(&m, VHOST_USER_SET_OWNER, 0);
	if (!ret)
		ret = request(vu, &m, NULL, 0);
	if (ret)
		vhost_user_close(vu);
	return ret;
}

void vhost_user_close(struct vhost_user *vu)
{
	if (vu->fd >= 0)
		close(vu->fd);
	vu->fd = -1;
}

int vhost_user_set_features(struct vhost_user *vu, uint64_t features)
{
	struct vhost_user_msg m;

	/* Keeping the protocol features needs their bit set again. */
	features |= vu->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES);
	vhost_user_request_u64(&m, VHOST_USER_SET_FEATURES, features, 0);
	return request(vu, &m, NULL, 0);
}

int vhost_user_set_mem(struct vhost_user *vu, const struct guest_mem *mem)
{
	struct vhost_user_region r = { .guest_addr = mem->base, .size = mem->size,
				       .user_addr = (uint64_t)(uintptr_t)mem->hva };
	struct vhost_user_msg m;

	vhost_user_request_mem(&m, &r, 1, 0);
	return request(vu, &m, &mem->fd, 1);
}

static uint64_t user_addr(const struct guest_mem *mem, uint64_t gpa)
{
	return (uint64_t)(uintptr_t)mem->hva + (gpa - mem->base);
}

int vhost_user_start_vring(struct vhost_user *vu, const struct guest_mem *mem,
			   const struct vhost_user_vring *r)
{
	struct vhost_user_vring_addr a = { .index = r->index, .desc = user_addr(mem, r->desc),
					   .avail = user_addr(mem, r->avail),
					   .used = user_addr(mem, r->used) };
	struct vhost_user_msg m;
	int ret;

	vhost_user_request_state(&m, VHOST_USER_SET_VRING_NUM, r->index, r->num, 0);
	ret = request(vu, &m, NULL, 0);
	vhost_user_request_state(&m, VHOST_USER_SET_VRING_BASE, r->index, r->base, 0);
	if (!ret)
		ret = request(vu, &m, NULL, 0);
	vhost_user_request_addr(&m, &a, 0);
	if (!ret)
		ret = request(vu, &m, NULL, 0);
	/*
	 * The call before the kick: a daemon serves the ring from its kick on,
	 * and the guest may have posted requests since DRIVER_OK; one answered
	 * before the daemon has its call is a write to no eventfd
	 * (qemu-storage-daemon's libvhost-user then drops the connection).
	 */
	if (!ret)
		ret = vhost_user_set_call(vu, r->index, r->call);
	vhost_user_request_u64(&m, VHOST_USER_SET_VRING_KICK, r->index, 0);
	if (!ret)
		ret = request(vu, &m, &r->kick, 1);
	/* With protocol features a ring starts disabled (vhost-user.rst). */
	vhost_user_request_state(&m, VHOST_USER_SET_VRING_ENABLE, r->index, 1, 0);
	if (!ret && (vu->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)))
		ret = request(vu, &m, NULL, 0);
	return ret;
}

int vhost_user_set_call(struct vhost_user *vu, unsigned index, int fd)
{
	struct vhost_user_msg m;

	vhost_user_request_u64(&m, VHOST_USER_SET_VRING_CALL, index, 0);
	return request(vu, &m, &fd, 1);
}

int vhost_user_stop_vring(struct vhost_user *vu, unsigned index, uint16_t *base)
{
	struct vhost_user_msg m, reply;
	int ret;

	vhost_user_request_state(&m, VHOST_USER_GET_VRING_BASE, index, 0, 0);
	ret = send_msg(vu, &m, NULL, 0);
	if (!ret)
		ret = recv_reply(vu, &m, VHOST_USER_REPLY_STATE, &reply);
	if (!ret)
		*base = (uint16_t)vhost_user_reply_num(&reply);
	return ret;
}

int vhost_user_get_config(struct vhost_user *vu, uint8_t *buf, uint32_t size)
{
	struct vhost_user_msg m, reply;
	uint32_t got;
	int ret;

	if (!(vu->protocol & (1ull << VHOST_USER_PROTOCOL_F_CONFIG)))
		return -EOPNOTSUPP;
	ret = vhost_user_request_config(&m, 0, size);
	if (!ret)
		ret = send_msg(vu, &m, NULL, 0);
	if (!ret)
		ret = recv_reply(vu, &m, VHOST_USER_REPLY_CONFIG, &reply);
	if (!ret)
		memcpy(buf, vhost_user_reply_config(&reply, &got), size);
	return ret;
}

int vhost_user_inflight(struct vhost_user *vu, uint16_t nqueues, uint16_t qsize, int *fd,
			uint64_t *size, uint64_t *offset)
{
	struct vhost_user_msg m, reply;
	int ret;

	*fd = -1;
	if (!(vu->protocol & (1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)))
		return -EOPNOTSUPP;
	vhost_user_request_inflight(&m, VHOST_USER_GET_INFLIGHT_FD, 0, 0, nqueues, qsize);
	ret = send_msg(vu, &m, NULL, 0);
	if (!ret)
		ret = recv_reply_fd(vu, &m, VHOST_USER_REPLY_INFLIGHT, &reply, fd);
	if (ret)
		return ret;
	vhost_user_reply_inflight(&reply, size, offset);
	vhost_user_request_inflight(&m, VHOST_USER_SET_INFLIGHT_FD, *size, *offset, nqueues,
				    qsize);
	ret = request(vu, &m, fd, 1);
	if (ret) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}
