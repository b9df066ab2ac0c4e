#include "a64vm/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "a64vm/config.h"
#include "a64vm/log.h"

int disk_open(const struct virtio_blk_options *cfg, struct disk *out)
{
	int fd = open(cfg->path, (cfg->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	off_t size;

	out->fd = -1;
	out->uring = NULL;
	if (fd < 0) {
		int err = errno;

		log_error("--disk %s: %s", cfg->path, strerror(err));
		return -err;
	}
	/* Two VMs writing one image would corrupt it: refuse the second. */
	if (flock(fd, (cfg->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		int err = errno;

		log_error("--disk %s: %s", cfg->path, err == EWOULDBLOCK ?
			  "in use by another process (it holds the image's lock)" :
			  strerror(err));
		close(fd);
		return -err;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < 512) {
		log_error("--disk %s: %s", cfg->path, size < 0 ? strerror(errno)
			  : "smaller than one 512-byte sector");
		close(fd);
		return -EINVAL;
	}
	if (size % 512)
		log_warn("--disk %s: the last %lld bytes are not a whole sector; "
			 "the guest does not see them", cfg->path, (long long)(size % 512));
	out->fd = fd;
	out->sectors = (uint64_t)size / 512;
	return 0;
}

void disk_close(struct disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* A short transfer is retried from where it stopped. */
int disk_transfer(void *ctx, struct iovec *iov, int n, uint64_t pos, bool write)
{
	int fd = ((struct disk *)ctx)->fd;

	while (n > 0) {
		ssize_t done = write ? pwritev(fd, iov, n, (off_t)pos)
				     : preadv(fd, iov, n, (off_t)pos);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return done < 0 ? -errno : -EIO;
		pos += (uint64_t)done;
		while (n > 0 && (size_t)done >= iov->iov_len) {
			done -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= (size_t)done;
		}
	}
	return 0;
}

int disk_punch(void *ctx, uint64_t pos, uint64_t len)
{
	return fallocate(((struct disk *)ctx)->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 (off_t)pos, (off_t)len) ? -errno : 0;
}

int disk_flush(void *ctx)
{
	return fdatasync(((struct disk *)ctx)->fd) ? -errno : 0;
}

const struct virtio_blk_backend disk_backend = {
	.transfer = disk_transfer, .punch = disk_punch, .flush = disk_flush,
};
