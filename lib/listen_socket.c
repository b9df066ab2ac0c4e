#include "a64vm/listen_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "a64vm/log.h"

/* Whether path is itself (not through a link) a socket nobody listens on. */
static bool stale_socket(const struct sockaddr_un *addr)
{
	struct stat st;
	int probe;
	bool stale;

	if (lstat(addr->sun_path, &st) || !S_ISSOCK(st.st_mode))
		return false;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return false;
	stale = connect(probe, (const struct sockaddr *)addr, sizeof(*addr)) &&
		errno == ECONNREFUSED;
	close(probe);
	return stale;
}

/*
 * Created 0600 by the umask, with no chmod that could follow a link put
 * there meanwhile; only a stale socket is ever removed, never a file.
 */
static int bind_unix(int fd, const struct sockaddr_un *addr)
{
	mode_t old = umask(0177);
	int ret = bind(fd, (const struct sockaddr *)addr, sizeof(*addr));

	if (ret && errno == EADDRINUSE) {
		if (stale_socket(addr) && !unlink(addr->sun_path))
			ret = bind(fd, (const struct sockaddr *)addr, sizeof(*addr));
		else
			errno = EADDRINUSE;
	}
	umask(old);
	return ret ? -errno : 0;
}

static int finish(int fd, int ret)
{
	if (!ret && listen(fd, 64))
		ret = -errno;
	if (ret && fd >= 0)
		close(fd);
	return ret ? ret : fd;
}

/* The directory of path, opened, and the socket's name and inode in it. */
static int own(const char *path, struct unix_socket_owner *o)
{
	const char *slash = strrchr(path, '/');
	char dir[sizeof(o->name)];
	struct stat st;

	if (!slash || slash == path) {
		strcpy(dir, slash ? "/" : ".");
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	snprintf(o->name, sizeof(o->name), "%s", slash ? slash + 1 : path);
	o->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (o->dir_fd < 0)
		return -errno;
	if (fstatat(o->dir_fd, o->name, &st, AT_SYMLINK_NOFOLLOW)) {
		int err = errno;

		close(o->dir_fd);
		o->dir_fd = -1;
		return -err;
	}
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	return 0;
}

int listen_unix(const char *path, struct unix_socket_owner *owner)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, ret;

	if (owner)
		owner->dir_fd = -1;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ret = fd < 0 ? -errno : bind_unix(fd, &addr);
	if (!ret && owner && (ret = own(path, owner)))
		unlink(path);
	return finish(fd, ret);
}

void listen_unix_remove(struct unix_socket_owner *o)
{
	struct stat st;

	if (o->dir_fd < 0)
		return;
	if (!fstatat(o->dir_fd, o->name, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISSOCK(st.st_mode) && st.st_dev == o->dev && st.st_ino == o->ino &&
	    unlinkat(o->dir_fd, o->name, 0))
		log_warn("cannot remove the socket %s: %s (--user needs a directory "
			 "it may write)", o->name, strerror(errno));
	close(o->dir_fd);
	o->dir_fd = -1;
}

int listen_tcp(const char *host, uint16_t port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, one = 1, ret = 0;

	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&addr, sizeof(addr)))
		ret = -errno;
	return finish(fd, ret);
}
