#include "a64vm/device_opener.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "a64vm/arch.h"
#include "a64vm/log.h"
#include "a64vm/seccomp_policy.h"

/* One int (0 or the open's errno), and the descriptor when it opened. */
static int send_answer(int sock, int err, int fd)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		m.msg_control = control;
		m.msg_controllen = sizeof(control);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) == sizeof(err) ? 0 : -1;
}

/* path_PORT connected (a stream socket), or -1 with errno. */
static int connect_port(const char *path, uint32_t port)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", path, port) >=
	    sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || !connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* A snapshot's file request: an operation, then the file's path. */
struct files_request {
	uint32_t op;
	char path[DEVICE_OPENER_PATH_MAX];
};

/* DIR/NAME.new made anew (DIR too when missing), NAME.new renamed NAME, or NAME opened to read. */
static int files_op(const struct files_request *r, size_t len)
{
	char from[DEVICE_OPENER_PATH_MAX + 8], dir[DEVICE_OPENER_PATH_MAX], *slash;

	if (len <= sizeof(r->op) || len > sizeof(*r) || r->path[len - sizeof(r->op) - 1] ||
	    r->op < DEVICE_OPENER_CREATE || r->op > DEVICE_OPENER_READ) {
		errno = EINVAL;
		return -1;
	}
	if (r->op == DEVICE_OPENER_READ)
		return open(r->path, O_RDONLY | O_CLOEXEC);
	snprintf(from, sizeof(from), "%s.new", r->path);
	if (r->op == DEVICE_OPENER_COMMIT)
		return rename(from, r->path);
	snprintf(dir, sizeof(dir), "%s", r->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -1;
	}
	return open(from, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

static void serve_files(int sock)
{
	struct files_request r;
	ssize_t n;

	while ((n = read(sock, &r, sizeof(r))) > 0) {
		int fd = files_op(&r, (size_t)n);
		bool gives_fd = r.op != DEVICE_OPENER_COMMIT;

		if (send_answer(sock, fd < 0 ? errno : 0, gives_fd ? fd : -1))
			_exit(1);
		if (fd >= 0 && gives_fd)
			close(fd);
	}
	_exit(0);
}

enum role { ROLE_OPEN, ROLE_CONNECT, ROLE_FILES };

/* The child: each request is one open, connect or file operation; the parent's end closed ends it. */
static void serve(int sock, const char *path, enum role role, enum seccomp_mode mode)
{
	bool connector = role == ROLE_CONNECT;
	uint32_t port;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (close_range(STDERR_FILENO + 1, (unsigned)sock - 1, 0) ||
	    close_range((unsigned)sock + 1, ~0u, 0) ||
	    seccomp_install(&seccomp_policies[SECCOMP_OPENER], ARCH_AUDIT_ARCH, mode, "opener"))
		_exit(1);
	if (role == ROLE_FILES)
		serve_files(sock);
	while (read(sock, &port, sizeof(port)) == sizeof(port)) {
		int fd = connector ? connect_port(path, port) : open(path, O_RDWR | O_CLOEXEC);

		if (send_answer(sock, fd < 0 ? errno : 0, fd))
			_exit(1);
		if (fd >= 0)
			close(fd);
	}
	_exit(0);
}

static int start(struct device_opener *o, const char *path, enum role role,
		 enum seccomp_mode mode)
{
	int pair[2], ret;

	o->pid = 0;
	o->sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair)) {
		ret = -errno;
		log_error("%s: socketpair: %s", path, strerror(errno));
		return ret;
	}
	o->pid = fork();
	if (o->pid < 0) {
		ret = -errno;
		log_error("%s: fork: %s", path, strerror(errno));
		close(pair[0]);
		close(pair[1]);
		o->pid = 0;
		return ret;
	}
	if (!o->pid)
		serve(pair[1], path, role, mode);
	close(pair[1]);
	o->sock = pair[0];
	return 0;
}

int device_opener_start(struct device_opener *o, const char *path, enum seccomp_mode mode)
{
	return start(o, path, ROLE_OPEN, mode);
}

int device_opener_start_connector(struct device_opener *o, const char *path,
				  enum seccomp_mode mode)
{
	return start(o, path, ROLE_CONNECT, mode);
}

int device_opener_start_files(struct device_opener *o, enum seccomp_mode mode)
{
	return start(o, "snapshot files", ROLE_FILES, mode);
}

/* The child's answer: a descriptor (want_fd) or 0, else -errno. */
static int answer(struct device_opener *o, bool want_fd)
{
	char control[CMSG_SPACE(sizeof(int))];
	int err = 0, fd = -1;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			    .msg_controllen = sizeof(control) };
	struct pollfd p = { .fd = o->sock, .events = POLLIN };
	struct cmsghdr *c;
	ssize_t n;

	if (poll(&p, 1, DEVICE_OPENER_TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	n = recvmsg(o->sock, &m, MSG_CMSG_CLOEXEC);
	c = n == sizeof(err) ? CMSG_FIRSTHDR(&m) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (n != sizeof(err))
		return -EPIPE;
	if (err > 0) {
		if (fd >= 0)
			close(fd);
		return -err;
	}
	if (!want_fd) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	return fd >= 0 ? fd : -EPROTO;
}

static int ask(struct device_opener *o, uint32_t port)
{
	if (o->sock < 0 || write(o->sock, &port, sizeof(port)) != sizeof(port))
		return -EPIPE;
	return answer(o, true);
}

int device_opener_file(struct device_opener *o, enum device_opener_op op, const char *path)
{
	struct files_request r = { .op = op };
	size_t len = strlen(path);

	if (len >= sizeof(r.path))
		return -ENAMETOOLONG;
	memcpy(r.path, path, len + 1);
	len += sizeof(r.op) + 1;
	if (o->sock < 0 || write(o->sock, &r, len) != (ssize_t)len)
		return -EPIPE;
	return answer(o, op != DEVICE_OPENER_COMMIT);
}

int device_opener_get(struct device_opener *o)
{
	return ask(o, 0);
}

int device_opener_connect(struct device_opener *o, uint32_t port)
{
	return ask(o, port);
}

/* No wait: a64vm is ending, under a filter without wait4. */
void device_opener_stop(struct device_opener *o)
{
	if (o->sock >= 0)
		close(o->sock);
	o->sock = -1;
	o->pid = 0;
}
