#include "a64vm/listen_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int bind_unix(int fd, const struct sockaddr_un *addr)
{
	mode_t old = umask(0077);
	int ret = bind(fd, (const struct sockaddr *)addr, sizeof(*addr));

	if (ret && errno == EADDRINUSE) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (probe >= 0 && connect(probe, (const struct sockaddr *)addr,
					  sizeof(*addr)) && errno == ECONNREFUSED) {
			unlink(addr->sun_path);
			ret = bind(fd, (const struct sockaddr *)addr, sizeof(*addr));
		} else {
			errno = EADDRINUSE;
		}
		if (probe >= 0)
			close(probe);
	}
	umask(old);
	return ret ? -errno : 0;
}

static int finish(int fd, int ret)
{
	if (!ret && listen(fd, 4))
		ret = -errno;
	if (ret && fd >= 0)
		close(fd);
	return ret ? ret : fd;
}

int listen_unix(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ret = fd < 0 ? -errno : bind_unix(fd, &addr);
	if (!ret && chmod(path, 0600))
		ret = -errno;
	return finish(fd, ret);
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
