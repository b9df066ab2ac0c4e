#include "a64vm/virtio_blk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/errmsg.h"

#define SECTOR 512u
#define F_SIZE_MAX (1ull << 1)
#define F_SEG_MAX (1ull << 2)
#define F_RO (1ull << 5)
#define F_BLK_SIZE (1ull << 6)
#define F_FLUSH (1ull << 9)
#define F_MQ VIRTIO_BLK_F_MQ
#define F_DISCARD (1ull << 13)
#define F_WRITE_ZEROES (1ull << 14)
#define MAX_RANGE_SECTORS (1u << 22) /* 2 GiB per discard/zeroes range */
#define MAX_RANGES 16
#define HDR_LEN 16
#define RANGE_LEN 16
#define WZ_UNMAP 1u
/*
 * Segments of up to 1 MiB (FreeBSD's vtblk refuses a size_max below its
 * maxphys, 1 MiB by default), and no more of them than keep a request
 * within its bound: seg_max of them, with header and status, always fit.
 */
#define SIZE_MAX_BYTES (1u << 20)
#define SEG_MAX ((uint32_t)(VIRTQ_MAX_REQ_BYTES / SIZE_MAX_BYTES) - 2)
_Static_assert(VIRTQ_MAX_REQ_BYTES / SIZE_MAX_BYTES <= VIRTQ_MAX_IOV,
	       "seg_max within what a chain may hold");
#define SLICE (4u << 20) /* long work checks for a stop this often */
#define CANCELED 0xff	 /* an internal status: stopped halfway */

/* A daemon's own, as far as a64vm passes them on; read-only when asked. */
static uint64_t vhost_features(const struct virtio_blk *b)
{
	uint64_t f = b->vhost_features & VIRTIO_BLK_VHOST_FEATURES & ~F_MQ;

	if (b->num_queues > 1)
		f |= F_MQ;
	return b->read_only ? (f | F_RO) & ~(F_DISCARD | F_WRITE_ZEROES) : f;
}

uint64_t virtio_blk_features(const struct virtio_blk *b)
{
	uint64_t f = F_SIZE_MAX | F_SEG_MAX | F_BLK_SIZE | F_FLUSH;

	if (b->vhost)
		return vhost_features(b);
	if (b->num_queues > 1)
		f |= F_MQ;
	return b->read_only ? f | F_RO : f | F_DISCARD | F_WRITE_ZEROES;
}

static void put32(uint8_t *cfg, unsigned off, uint32_t v)
{
	memcpy(cfg + off, &v, 4);
}

void virtio_blk_config_read(const struct virtio_blk *b, uint32_t off,
			    uint8_t *data, unsigned len)
{
	uint8_t cfg[VIRTIO_BLK_CONFIG_SIZE] = { 0 };

	if (b->vhost) { /* the daemon's, with the queues a64vm made */
		memcpy(cfg, b->vhost_config, sizeof(cfg));
		cfg[34] = (uint8_t)b->num_queues;
		cfg[35] = 0;
		memcpy(data, cfg + off, len);
		return;
	}
	memcpy(cfg, &b->sectors, 8);		   /* capacity */
	put32(cfg, 8, SIZE_MAX_BYTES);		   /* size_max */
	put32(cfg, 12, SEG_MAX);		   /* seg_max */
	put32(cfg, 20, SECTOR);			   /* blk_size */
	cfg[34] = (uint8_t)b->num_queues; /* num_queues (le16) */
	put32(cfg, 36, MAX_RANGE_SECTORS);	   /* max_discard_sectors */
	put32(cfg, 40, MAX_RANGES);		   /* max_discard_seg */
	put32(cfg, 44, 1);			   /* discard_sector_alignment */
	put32(cfg, 48, MAX_RANGE_SECTORS);	   /* max_write_zeroes_sectors */
	put32(cfg, 52, MAX_RANGES);		   /* max_write_zeroes_seg */
	cfg[56] = 1;				   /* write_zeroes_may_unmap */
	memcpy(data, cfg + off, len);
}

static bool in_disk(const struct virtio_blk *b, uint64_t sector, uint64_t count)
{
	return sector <= b->sectors && count <= b->sectors - sector;
}

/* A free record for an asynchronous request, or NULL: then it is done at once. */
static struct virtio_blk_io *take_io(struct virtio_blk *b, unsigned q,
				     const struct virtq_req *req, uint32_t type)
{
	struct virtio_blk_io *io = b->be->submit ? b->free_ios : NULL;
	struct iovec status;

	if (!io)
		return NULL;
	b->free_ios = io->next_free;
	virtq_iovecs(req, true, req->in_len - 1, 1, &status);
	*io = (struct virtio_blk_io){ .type = type, .head = req->head, .queue = (uint8_t)q,
				      .generation = b->generation, .status = status.iov_base,
				      .iov = io->inline_iov };
	return io;
}

static void put_io(struct virtio_blk *b, struct virtio_blk_io *io)
{
	if (io->iov != io->inline_iov)
		free(io->iov);
	io->next_free = b->free_ios;
	b->free_ios = io;
}

/* Hands io to the backend: VIRTIO_CORE_PENDING, or -errno (io given back). */
static int submit(struct virtio_blk *b, struct virtio_blk_io *io)
{
	int ret = b->be->submit(b->be_ctx, io);

	if (ret) {
		put_io(b, io);
		return ret;
	}
	atomic_fetch_add(&b->in_flight, 1);
	return VIRTIO_CORE_PENDING;
}

/* A read or write taken asynchronously: VIRTIO_CORE_PENDING, or -errno. */
static int read_write_async(struct virtio_blk *b, unsigned q, const struct virtq_req *req,
			    uint64_t sector, bool write, uint64_t first, uint64_t len)
{
	struct virtio_blk_io *io = take_io(b, q, req, write ? VIRTIO_BLK_T_OUT
							    : VIRTIO_BLK_T_IN);
	unsigned segments = write ? req->nout : req->nin;

	if (!io)
		return -EBUSY;
	if (segments > VIRTIO_BLK_INLINE_IOV) {
		io->iov = malloc(segments * sizeof(*io->iov));
		if (!io->iov) {
			io->iov = io->inline_iov;
			put_io(b, io);
			return -ENOMEM;
		}
	}
	io->niov = (int)virtq_iovecs(req, !write, first, len, io->iov);
	io->pos = sector * SECTOR;
	io->len = len;
	io->used = write ? 1 : (uint32_t)req->in_len;
	return submit(b, io);
}

static uint8_t read_write(struct virtio_blk *b, unsigned q, const struct virtq_req *req,
			  uint64_t sector, bool write, int *pending)
{
	struct iovec iov[VIRTQ_MAX_IOV];
	uint64_t len = write ? req->out_len - HDR_LEN : req->in_len - 1;
	uint64_t first = write ? HDR_LEN : 0;

	if (write && b->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (len % SECTOR || !in_disk(b, sector, len / SECTOR))
		return VIRTIO_BLK_S_IOERR;
	/*
	 * A read of more than a slice goes in slices here, which a stop can
	 * cut: the backend would move it whole in one system call.
	 */
	*pending = len && len <= SLICE && (!write || b->be->submits_writes)
			   ? read_write_async(b, q, req, sector, write, first, len)
			   : -EBUSY;
	if (*pending == VIRTIO_CORE_PENDING)
		return VIRTIO_BLK_S_OK;
	for (uint64_t off = 0; off < len; off += SLICE) {
		uint64_t chunk = len - off < SLICE ? len - off : SLICE;
		int n = (int)virtq_iovecs(req, !write, first + off, chunk, iov);

		if (virtio_stopping(b->stopping))
			return CANCELED;
		if (b->be->transfer(b->be_ctx, iov, n, sector * SECTOR + off, write))
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* Zeroes a range by writing, where the file system cannot punch. */
static int write_zeroes(const struct virtio_blk *b, uint64_t pos, uint64_t len)
{
	static const uint8_t zeroes[65536];

	while (len) {
		size_t chunk = len < sizeof(zeroes) ? (size_t)len : sizeof(zeroes);
		struct iovec iov = { .iov_base = (void *)zeroes, .iov_len = chunk };

		if (virtio_stopping(b->stopping))
			return -ECANCELED;
		if (b->be->transfer(b->be_ctx, &iov, 1, pos, true))
			return -EIO;
		pos += chunk;
		len -= chunk;
	}
	return 0;
}

static uint8_t ranges(struct virtio_blk *b, const struct virtq_req *req, int type)
{
	uint64_t len = req->out_len - HDR_LEN;

	if (b->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (!len || len % RANGE_LEN || len / RANGE_LEN > MAX_RANGES)
		return VIRTIO_BLK_S_IOERR;
	for (uint64_t off = HDR_LEN; off < req->out_len; off += RANGE_LEN) {
		uint8_t raw[RANGE_LEN];
		uint64_t sector, pos, bytes;
		uint32_t count, flags;
		int ret;

		virtq_copy_from(req, off, raw, sizeof(raw));
		memcpy(&sector, raw, 8);
		memcpy(&count, raw + 8, 4);
		memcpy(&flags, raw + 12, 4);
		if (count > MAX_RANGE_SECTORS || !in_disk(b, sector, count) ||
		    (type == VIRTIO_BLK_T_DISCARD && flags) || (flags & ~WZ_UNMAP))
			return VIRTIO_BLK_S_IOERR;
		pos = sector * SECTOR;
		bytes = (uint64_t)count * SECTOR;
		/* A punched hole reads back as zeroes: good for both. */
		ret = b->be->punch(b->be_ctx, pos, bytes);
		if (ret && type == VIRTIO_BLK_T_WRITE_ZEROES)
			ret = write_zeroes(b, pos, bytes);
		if (ret == -ECANCELED)
			return CANCELED;
		if (ret && type == VIRTIO_BLK_T_WRITE_ZEROES)
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* A flush after every write taken before it: VIRTIO_CORE_PENDING, or -errno. */
static int flush_async(struct virtio_blk *b, unsigned q, const struct virtq_req *req)
{
	struct virtio_blk_io *io = take_io(b, q, req, VIRTIO_BLK_T_FLUSH);

	if (!io)
		return -EBUSY;
	io->used = 1;
	return submit(b, io);
}

int virtio_blk_request(struct virtio_blk *b, unsigned q, const struct virtq_req *req)
{
	uint8_t hdr[HDR_LEN], status;
	uint32_t type;
	uint64_t written = 0; /* up to the 256 MiB a request may have */
	uint64_t sector;
	int pending = 0;

	if (!req->in_len)
		return -EINVAL; /* nowhere to put the status */
	if (b->vhost) { /* a64vm has the queues: the daemon is gone */
		b->failed++;
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	if (req->out_len < HDR_LEN) {
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	virtq_copy_from(req, 0, hdr, sizeof(hdr));
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	switch (type) {
	case VIRTIO_BLK_T_IN:
		status = read_write(b, q, req, sector, false, &pending);
		if (status == VIRTIO_BLK_S_OK)
			written = req->in_len - 1;
		break;
	case VIRTIO_BLK_T_OUT:
		status = read_write(b, q, req, sector, true, &pending);
		break;
	case VIRTIO_BLK_T_FLUSH:
		/* The data must reach the disk before the guest hears OK. */
		if (!b->read_only)
			pending = flush_async(b, q, req);
		if (pending == VIRTIO_CORE_PENDING)
			break;
		status = !b->read_only && b->be->flush(b->be_ctx) ? VIRTIO_BLK_S_IOERR
								   : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = virtq_copy_to(req, 0, b->serial,
			req->in_len - 1 < VIRTIO_BLK_SERIAL_LEN ? req->in_len - 1
								: VIRTIO_BLK_SERIAL_LEN);
		status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = ranges(b, req, (int)type);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	if (pending == VIRTIO_CORE_PENDING)
		return VIRTIO_CORE_PENDING;
	if (status == CANCELED)
		return -ECANCELED;
	virtq_copy_to(req, req->in_len - 1, &status, 1);
	return (int)(written + 1); /* at most VIRTQ_MAX_REQ_BYTES: fits */
}

int virtio_blk_async_init(struct virtio_blk *b)
{
	unsigned n = b->num_queues * VIRTQ_MAX_SIZE;

	b->ios = calloc(n, sizeof(*b->ios));
	if (!b->ios)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		b->ios[i].next_free = i + 1 < n ? &b->ios[i + 1] : NULL;
	b->free_ios = b->ios;
	return 0;
}

void virtio_blk_async_fini(struct virtio_blk *b)
{
	free(b->ios);
	b->ios = b->free_ios = NULL;
}

void virtio_blk_complete(struct virtio_blk *b, struct virtio_core *t,
			 struct virtio_blk_io *io, int64_t result)
{
	bool ok = io->type == VIRTIO_BLK_T_FLUSH ? result == 0 : result == (int64_t)io->len;

	/*
	 * A reset forgot the queue, or the driver disabled it: the answer has
	 * nowhere to go (a reset waits for it, so only a disable gets here).
	 */
	if (io->generation == b->generation && io->queue < t->nqueues &&
	    t->queues[io->queue].ready) {
		*io->status = ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		virtq_push(&t->queues[io->queue], t->mem, io->head,
			   ok ? io->used : 1);
		b->answered |= 1u << io->queue;
	}
	put_io(b, io);
	atomic_fetch_sub(&b->in_flight, 1);
	virtio_core_settle(t);
}

void virtio_blk_interrupts(struct virtio_blk *b, struct virtio_core *t)
{
	for (unsigned q = 0; q < t->nqueues; q++)
		if (b->answered & (1u << q))
			virtio_core_used(t, q);
	b->answered = 0;
}

static uint64_t blk_features(void *dev)
{
	return virtio_blk_features(dev);
}

static void blk_config_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	virtio_blk_config_read(dev, off, data, len);
}

static int blk_request(void *dev, struct virtio_core *t, unsigned q,
		       const struct virtq_req *req)
{
	(void)t;
	return virtio_blk_request(dev, q, req);
}

static void blk_requests_taken(void *dev, unsigned q)
{
	struct virtio_blk *b = dev;

	(void)q;
	if (b->be && b->be->start) /* none when a daemon served the queues */
		b->be->start(b->be_ctx);
}

static unsigned blk_queues(void *dev)
{
	const struct virtio_blk *b = dev;

	return b->num_queues;
}

static void blk_reset(void *dev)
{
	((struct virtio_blk *)dev)->generation++;
}

static bool blk_busy(void *dev)
{
	return atomic_load(&((struct virtio_blk *)dev)->in_flight) != 0;
}

const struct virtio_core_ops virtio_blk_ops = {
	.name = "virtio-blk", .device_id = VIRTIO_BLK_ID, .nqueues = 1,
	.queues = blk_queues, .config_size = VIRTIO_BLK_CONFIG_SIZE,
	.features = blk_features, .config_read = blk_config_read,
	.request = blk_request, .requests_taken = blk_requests_taken,
	.reset = blk_reset, .busy = blk_busy,
};

/* One ITEM=VALUE of a list of words: *out gets the word's index. */
static bool parse_word(const char *opt, size_t len, const char *item,
		       const char *const *words, unsigned *out)
{
	size_t n = strlen(item);

	if (len <= n || strncmp(opt, item, n))
		return false;
	for (unsigned i = 0; words[i]; i++)
		if (len - n == strlen(words[i]) && !strncmp(opt + n, words[i], len - n)) {
			*out = i;
			return true;
		}
	return false;
}

static bool parse_item(const char *opt, size_t len, struct virtio_blk_options *out)
{
	static const char *const formats[] = { "raw", "qcow2", NULL };
	static const char *const on_off[] = { "off", "on", NULL };
	static const char *const aios[] = { "io_uring", "sync", NULL };
	unsigned w;

	if (len == 2 && !strncmp(opt, "ro", 2)) {
		out->read_only = true;
	} else if (len > 7 && !strncmp(opt, "serial=", 7) && len - 7 < sizeof(out->serial)) {
		memcpy(out->serial, opt + 7, len - 7);
		out->serial[len - 7] = '\0';
	} else if (len == 8 && !strncmp(opt, "queues=", 7) && opt[7] >= '1' &&
		   opt[7] <= '0' + VIRTIO_BLK_MAX_QUEUES) {
		out->queues = (unsigned)(opt[7] - '0');
	} else if (parse_word(opt, len, "aio=", aios, &w)) {
		out->aio = w ? VIRTIO_BLK_AIO_SYNC : VIRTIO_BLK_AIO_IO_URING;
	} else if (parse_word(opt, len, "format=", formats, &w)) {
		out->format = w ? VIRTIO_BLK_FORMAT_QCOW2 : VIRTIO_BLK_FORMAT_RAW;
	} else if (parse_word(opt, len, "snapshot=", on_off, &w)) {
		out->snapshot = w;
	} else {
		return config_parse_transport(opt, len, &out->transport);
	}
	return true;
}

int virtio_blk_parse_options(const char *s, struct virtio_blk_options *out)
{
	const char *opt;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!config_next_item(&s, &opt, &len))
		return -EINVAL;
	if (len >= 11 && !strncmp(opt, "vhost-user=", 11)) {
		out->vhost_user = true;
		opt += 11;
		len -= 11;
	}
	if (!len || len >= sizeof(out->path))
		return -EINVAL;
	memcpy(out->path, opt, len);
	while (config_next_item(&s, &opt, &len))
		if (!parse_item(opt, len, out))
			return -EINVAL;
	/* A daemon's own: what it serves, how, whether it keeps writes, its ID. */
	if (out->vhost_user && (out->format || out->snapshot || out->aio || out->serial[0]))
		return -EINVAL;
	return 0;
}

static int apply_disk(struct config *cfg, const char *val, char *err, size_t errlen)
{
	struct virtio_blk_options o;

	if (virtio_blk_parse_options(val, &o))
		return errmsg(err, errlen, "--disk: '%s' is not PATH[,ro][,serial=ID]"
			      "[,transport=mmio|pci][,queues=1-%d][,aio=io_uring|sync]"
			      "[,format=raw|qcow2][,snapshot=on|off] or vhost-user=SOCKET"
			      "[,ro][,transport=T][,queues=N] (an ID has at most "
			      "20 characters)", val, VIRTIO_BLK_MAX_QUEUES);
	return config_use(cfg, "disk", val, VIRTIO_BLK_MAX_DISKS, "disks", err, errlen);
}

const struct config_option virtio_blk_cli[] = {
	{ "disk", " PATH[,ro][,serial=ID][,transport=T][,queues=N][,aio=A]\n"
	  "[,format=F][,snapshot=on]",
	  "a disk image on virtio-blk (repeatable, up to 8);\n"
	  "N request queues (default one per vCPU, up to 4);\n"
	  "A io_uring or sync (default io_uring where the\n"
	  "host has it). A qcow2 image (F qcow2, or found by\n"
	  "its header), or any with snapshot=on (writes to a\n"
	  "temporary overlay), is served by qemu-storage-daemon\n"
	  "over vhost-user-blk; PATH vhost-user=SOCKET: the\n"
	  "vhost-user-blk daemon listening on SOCKET", apply_disk },
	{ NULL, NULL, NULL, NULL },
};
