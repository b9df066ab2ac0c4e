#include "a64vm/file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PINS 4 /* the kernel, initrd and device tree a reboot reads */

static struct pin {
	const char *path;
	int fd;
} pins[MAX_PINS];

int file_identity_of(int fd, struct file_identity *id)
{
	struct stat sb;

	if (fstat(fd, &sb))
		return -errno;
	*id = (struct file_identity){ (uint64_t)sb.st_ino, (uint64_t)sb.st_size,
				      (uint64_t)sb.st_mtim.tv_sec * 1000000000u +
					      (uint64_t)sb.st_mtim.tv_nsec };
	return 0;
}

const char *file_identity_refusal(const struct file_identity *then,
				  const struct file_identity *now, bool force)
{
	if (then->size != now->size)
		return "resized since the snapshot (another size is never taken)";
	if (force || (then->ino == now->ino && then->mtime_ns == now->mtime_ns))
		return NULL;
	return then->ino != now->ino ? "replaced since the snapshot (--restore-force takes it "
				       "as it is)"
				     : "written since the snapshot (--restore-force takes it as "
				       "it is)";
}

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

/* A regular file of at most max bytes: 0 and its size, or -errno. */
static int check_regular(int fd, size_t max, size_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	*size = (size_t)st.st_size;
	return 0;
}

/* Opens a regular file of at most max bytes: its descriptor, or -errno. */
static int open_regular(const char *path, size_t max, size_t *size)
{
	int fd = open_path(path), ret;

	if (fd < 0)
		return -errno;
	ret = check_regular(fd, max, size);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int file_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		/* pread: a pinned file's twin shares its offset */
		ssize_t n = pread(fd, p + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	return 0;
}

int file_read_fd_all(int fd, size_t max, uint8_t **buf, size_t *len)
{
	size_t size;
	uint8_t *p;
	int ret = check_regular(fd, max, &size);

	if (ret)
		return ret;
	p = malloc(size ? size : 1);
	ret = p ? file_pread_all(fd, p, size, 0) : -ENOMEM;
	if (ret) {
		free(p);
		return ret;
	}
	*buf = p;
	*len = size;
	return 0;
}

int file_read_all(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	int fd = open_path(path), ret;

	if (fd < 0)
		return -errno;
	ret = file_read_fd_all(fd, max, buf, len);
	close(fd);
	return ret;
}

int file_read_head(const char *path, size_t max, uint8_t *head, size_t *avail,
		   size_t *size)
{
	int fd = open_regular(path, max, size), ret;

	if (fd < 0)
		return fd;
	*avail = *avail < *size ? *avail : *size;
	ret = file_pread_all(fd, head, *avail, 0);
	close(fd);
	return ret;
}

struct part_read {
	int fd;
	uint8_t *buf;
	size_t len;
	uint64_t off;
	int ret;
};

static void *read_part(void *arg)
{
	struct part_read *p = arg;

	p->ret = file_pread_all(p->fd, p->buf, p->len, p->off);
	return NULL;
}

int file_read_into(const char *path, uint8_t *buf, size_t len, bool helper)
{
	/* The second half, from a 2 MiB boundary: the host's huge pages. */
	size_t half = len / 2 & ~(size_t)((2u << 20) - 1);
	int fd = open_path(path), ret;
	/* pread: both threads share the descriptor, not an offset */
	struct part_read second = { .fd = fd, .buf = buf + half, .len = len - half,
				    .off = half };
	pthread_attr_t attr;
	pthread_t thread;

	if (fd < 0)
		return -errno;
	/* A small stack: a default one stayed cached, in a 2 MiB huge page. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	if (!helper || !half || pthread_create(&thread, &attr, read_part, &second)) {
		pthread_attr_destroy(&attr);
		ret = file_pread_all(fd, buf, len, 0);
		close(fd);
		return ret;
	}
	pthread_attr_destroy(&attr);
	ret = file_pread_all(fd, buf, half, 0);
	pthread_join(thread, NULL);
	close(fd);
	return ret ? ret : second.ret;
}

int file_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* write, not pwrite: --dump-dtb /dev/stdout may be a pipe. */
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
