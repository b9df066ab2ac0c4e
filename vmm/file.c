#include "a64vm/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PINS 4 /* the kernel, initrd and device tree a reboot reads */

static struct pin {
	const char *path;
	int fd;
} pins[MAX_PINS];

int file_pin(const char *path)
{
	unsigned i = 0;

	while (i < MAX_PINS && pins[i].path && strcmp(pins[i].path, path))
		i++;
	if (i == MAX_PINS)
		return -ENOSPC;
	if (pins[i].path)
		return 0;
	pins[i].fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pins[i].fd < 0)
		return -errno;
	pins[i].path = path;
	return 0;
}

/* A descriptor of its own for path: the pinned one's twin, or a fresh one. */
static int open_path(const char *path)
{
	for (unsigned i = 0; i < MAX_PINS && pins[i].path; i++)
		if (!strcmp(pins[i].path, path))
			return fcntl(pins[i].fd, F_DUPFD_CLOEXEC, 0);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int file_read_all(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	struct stat st;
	uint8_t *p = NULL;
	size_t got = 0;
	int fd, ret;

	fd = open_path(path);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		ret = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out;
	}
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		/* pread: a pinned file's twin shares its offset */
		ssize_t n = pread(fd, p + got, (size_t)st.st_size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto out;
		}
		got += (size_t)n;
	}
	*buf = p;
	*len = got;
	p = NULL;
	ret = 0;
out:
	free(p);
	close(fd);
	return ret;
}

int file_write_all(const char *path, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}
