#include "ram_disk.h"

#include <errno.h>
#include <string.h>

static int ram_transfer(void *ctx, struct iovec *iov, int n, uint64_t pos, bool write)
{
	struct ram_disk *r = ctx;

	for (int i = 0; i < n; i++) {
		uint64_t len = iov[i].iov_len;
		uint64_t have = pos < sizeof(r->data) ? sizeof(r->data) - pos : 0;
		uint64_t in = len < have ? len : have;

		if (write && in < len)
			return -ENOSPC;
		if (write) {
			memcpy(r->data + pos, iov[i].iov_base, len);
		} else {
			memcpy(iov[i].iov_base, r->data + pos, in);
			memset((uint8_t *)iov[i].iov_base + in, 0, len - in);
		}
		pos += len;
	}
	return 0;
}

static int ram_punch(void *ctx, uint64_t pos, uint64_t len)
{
	struct ram_disk *r = ctx;

	if (r->no_punch)
		return -EOPNOTSUPP;
	if (pos > sizeof(r->data) || len > sizeof(r->data) - pos)
		return -ENOSPC;
	r->punches++;
	memset(r->data + pos, 0, len);
	return 0;
}

static int ram_flush(void *ctx)
{
	((struct ram_disk *)ctx)->flushes++;
	return 0;
}

const struct virtio_blk_backend ram_disk_backend = {
	.transfer = ram_transfer, .punch = ram_punch, .flush = ram_flush,
};
