#include "a64vm/qmp_client.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "a64vm/mono_time.h"
#include "a64vm/qmp_proto.h"

#define LINE_MAX_LEN 4096 /* a longer line (a greeting is 200 bytes) is skipped */

/* Lines until the answer (a greeting counts as one when want_greeting). */
static int read_answer(int fd, unsigned timeout_ms, bool want_greeting, char *err,
		       size_t errlen)
{
	uint64_t until = mono_ns() + (uint64_t)timeout_ms * 1000000u;
	char line[LINE_MAX_LEN];
	size_t n = 0;
	bool skipping = false;

	for (;;) {
		uint64_t now = mono_ns();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;
		ssize_t got;

		if (now >= until)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((until - now) / 1000000u) + 1) < 0 && errno != EINTR)
			return -errno;
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		/* A byte at a time: nothing past the answer is taken from the socket. */
		got = read(fd, &c, 1);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			return got ? -errno : -ECONNRESET;
		if (c != '\n') {
			skipping = skipping || n + 1 >= sizeof(line);
			if (!skipping)
				line[n++] = c;
			continue;
		}
		line[n] = '\0';
		if (!skipping && want_greeting && strstr(line, "\"QMP\""))
			return 0;
		if (!skipping && !want_greeting) {
			switch (qmp_parse_line(line, err, errlen)) {
			case QMP_RETURN:
				return 0;
			case QMP_ERROR:
				return -EIO;
			case QMP_OTHER:
				break;
			}
		}
		n = 0;
		skipping = false;
	}
}

int qmp_connect(const char *path, unsigned timeout_ms)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char line[64], err[8];
	int fd, ret;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
	if (!ret)
		ret = read_answer(fd, timeout_ms, true, err, sizeof(err));
	if (!ret) {
		qmp_command(line, sizeof(line), "qmp_capabilities", 0, NULL, NULL);
		ret = qmp_execute(fd, line, timeout_ms, err, sizeof(err));
	}
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int qmp_execute(int fd, const char *line, unsigned timeout_ms, char *err, size_t errlen)
{
	size_t len = strlen(line), done = 0;
	char stale[256];

	/* Events since the last command are nobody's. */
	while (recv(fd, stale, sizeof(stale), MSG_DONTWAIT) > 0)
		;
	while (done < len) {
		ssize_t n = write(fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EIO;
		done += (size_t)n;
	}
	if (errlen)
		*err = '\0';
	return read_answer(fd, timeout_ms, false, err, errlen);
}
