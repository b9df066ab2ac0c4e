/*
 * virtio-blk (VIRTIO 1.x, 5.2) on a backend that stores the sectors
 * (vmm/disk.c: a raw image): read, write, flush, discard and write-zeroes
 * (punched holes, or written zeroes), the device ID, and read-only disks.
 * A request is parsed from its segments and checked against the disk's
 * size before any I/O.
 */
#ifndef A64VM_VIRTIO_BLK_H
#define A64VM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "a64vm/config.h"
#include "a64vm/virtio_core.h"
#include "a64vm/virtqueue.h"

#define VIRTIO_BLK_ID 2
#define VIRTIO_BLK_CONFIG_SIZE 60
#define VIRTIO_BLK_SERIAL_LEN 20

enum {
	VIRTIO_BLK_T_IN = 0,
	VIRTIO_BLK_T_OUT = 1,
	VIRTIO_BLK_T_FLUSH = 4,
	VIRTIO_BLK_T_GET_ID = 8,
	VIRTIO_BLK_T_DISCARD = 11,
	VIRTIO_BLK_T_WRITE_ZEROES = 13,
};

enum { VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2 };

struct virtio_blk_io;

/*
 * --disk PATH[,ro][,serial=ID][,transport=T][,queues=N][,aio=A]
 *        [,format=raw|qcow2][,snapshot=on|off], or vhost-user=SOCKET[,...]
 */
#define VIRTIO_BLK_MAX_DISKS 8
#define VIRTIO_BLK_MAX_QUEUES 4 /* request queues */

/* How a disk's reads, writes and flushes are made. */
enum virtio_blk_aio {
	VIRTIO_BLK_AIO_AUTO,	 /* io_uring, or synchronous where the host has none */
	VIRTIO_BLK_AIO_IO_URING, /* io_uring, or an error */
	VIRTIO_BLK_AIO_SYNC,	 /* one at a time, on the I/O thread */
};

/* What PATH holds: qcow2 (and snapshot=on) is served by qemu-storage-daemon. */
enum virtio_blk_format {
	VIRTIO_BLK_FORMAT_AUTO,	 /* qcow2 by its magic, else raw */
	VIRTIO_BLK_FORMAT_RAW,
	VIRTIO_BLK_FORMAT_QCOW2,
};

struct virtio_blk_options {
	char path[CONFIG_DISK_PATH_MAX]; /* the image, or the daemon's socket */
	bool vhost_user;		 /* path is a vhost-user-blk daemon's socket */
	enum virtio_blk_format format;
	bool snapshot; /* writes go to a temporary overlay, thrown away at exit */
	bool read_only;
	char serial[21]; /* virtio-blk's 20 bytes, NUL-terminated here */
	enum config_transport transport;
	unsigned queues; /* request queues; 0: one per vCPU, up to 4 */
	enum virtio_blk_aio aio;
};

/* --disk's value -> out; 0 or -EINVAL. */
int virtio_blk_parse_options(const char *s, struct virtio_blk_options *out);
/* The options the kind owns on the command line (--disk). */
extern const struct config_option virtio_blk_cli[];

/* Where the sectors are; each call 0 or -errno. */
struct virtio_blk_backend {
	/* All of [pos, pos + the vectors' length) read or written. */
	int (*transfer)(void *ctx, struct iovec *iov, int n, uint64_t pos, bool write);
	/* [pos, pos + len) reads back as zeroes; -EOPNOTSUPP: it cannot punch. */
	int (*punch)(void *ctx, uint64_t pos, uint64_t len);
	/* What was written has reached stable storage. */
	int (*flush)(void *ctx);
	/*
	 * Optional, asynchronous: queues io (a read, a write when
	 * submits_writes, or a flush after every request queued before it), to
	 * be answered through virtio_blk_complete; -errno when it cannot (then
	 * it is done at once).
	 */
	int (*submit)(void *ctx, struct virtio_blk_io *io);
	bool submits_writes;
	/* Starts what submit queued since the last start: a notify's batch. */
	void (*start)(void *ctx);
};

#define VIRTIO_BLK_INLINE_IOV 8

/* A request the backend answers later: what is kept of it meanwhile. */
struct virtio_blk_io {
	uint32_t type; /* VIRTIO_BLK_T_IN, _OUT or _FLUSH */
	uint16_t head;
	uint8_t queue;
	unsigned generation; /* the device's, when it was taken */
	uint64_t pos, len;   /* the bytes to move (IN, OUT) */
	uint32_t used;	     /* the used length when it succeeds */
	uint8_t *status;     /* its status byte, in guest RAM */
	int niov;
	struct iovec *iov; /* inline_iov, or allocated when longer */
	struct iovec inline_iov[VIRTIO_BLK_INLINE_IOV];
	struct virtio_blk_io *next_free;
};

struct virtio_blk {
	const struct virtio_blk_backend *be;
	void *be_ctx;
	bool read_only;
	uint64_t sectors; /* 512-byte sectors */
	char serial[VIRTIO_BLK_SERIAL_LEN];
	const atomic_bool *stopping; /* checked between slices of long work */
	unsigned num_queues; /* request queues, at least 1: VIRTIO_BLK_F_MQ when more */
	/* Asynchronous I/O (be->submit): see virtio_blk_async_init. */
	struct virtio_blk_io *ios, *free_ios;
	atomic_uint in_flight;
	unsigned generation; /* a reset's: what completes after it is dropped */
	uint32_t answered;   /* queues answered since virtio_blk_interrupts */
	/*
	 * A vhost-user-blk daemon serves the queues (be unused): its features
	 * and configuration space are the device's; once it is gone, every
	 * request fails (VIRTIO_BLK_S_IOERR), counted in failed.
	 */
	bool vhost;
	uint64_t vhost_features;
	uint8_t vhost_config[VIRTIO_BLK_CONFIG_SIZE];
	uint64_t failed;
};

/*
 * Of a vhost-user-blk daemon's device features, those a64vm offers the
 * driver: the configuration is read through a64vm, never written (no
 * CONFIG_WCE), and geometry, topology and limits are passed on as given.
 */
#define VIRTIO_BLK_F_MQ (1ull << 12)
#define VIRTIO_BLK_VHOST_FEATURES 0x7676ull /* SIZE_MAX SEG_MAX GEOMETRY RO BLK_SIZE
					       FLUSH TOPOLOGY MQ DISCARD WRITE_ZEROES */

/* The device features this disk offers. */
uint64_t virtio_blk_features(const struct virtio_blk *b);

void virtio_blk_config_read(const struct virtio_blk *b, uint32_t off,
			    uint8_t *data, unsigned len);

/*
 * Performs one request of queue q and writes its status byte: the used
 * length (bytes written into the request), -EINVAL when the request has no
 * status byte to answer in (the device then needs a reset), -ECANCELED
 * when the VMM began stopping halfway (the request stays unanswered), or
 * VIRTIO_CORE_PENDING when the backend took it (reads, writes and flushes,
 * with be->submit).
 */
int virtio_blk_request(struct virtio_blk *b, unsigned q, const struct virtq_req *req);

/*
 * Room for every request the queues can hold in flight at once, for a
 * backend with submit. 0 or -ENOMEM; virtio_blk_async_fini frees it.
 */
int virtio_blk_async_init(struct virtio_blk *b);
void virtio_blk_async_fini(struct virtio_blk *b);

/*
 * The backend finished io: result is the bytes moved (a flush: 0) or
 * -errno. Answers the request, unless the driver reset the device since
 * it was taken. Under the device's lock, as requests are.
 */
void virtio_blk_complete(struct virtio_blk *b, struct virtio_core *t,
			 struct virtio_blk_io *io, int64_t result);

/* After a batch of completions: one interrupt per queue answered. */
void virtio_blk_interrupts(struct virtio_blk *b, struct virtio_core *t);

/* The kind's transport ops; dev is a struct virtio_blk. */
extern const struct virtio_core_ops virtio_blk_ops;

#endif
