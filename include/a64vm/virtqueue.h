/*
 * A split virtqueue (VIRTIO 1.x, 2.7) from the device side, with indirect
 * descriptors and event index. Everything the guest wrote is checked before
 * it is used: a request that breaks the rules makes the queue (and so the
 * device) broken, and nothing outside guest RAM is ever touched. Pure:
 * guest memory comes in as a struct guest_mem.
 */
#ifndef A64VM_VIRTQUEUE_H
#define A64VM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "a64vm/memory.h"

#define VIRTQ_MAX_SIZE 256  /* QueueNumMax: a power of two */
#define VIRTQ_MAX_IOV 1024  /* segments in one request, indirect included */
/*
 * Bytes in one request, both directions: descriptors may alias, so without
 * a bound 1024 of them over 511 MiB make a 511 GiB request.
 */
#define VIRTQ_MAX_REQ_BYTES (256ull << 20)

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

struct virtq {
	uint16_t num; /* the size the driver chose */
	bool ready;
	uint64_t desc, avail, used; /* guest-physical addresses */
	bool event_idx, indirect;   /* negotiated features */
	uint16_t last_avail;	    /* the next avail entry to take */
	uint16_t used_idx;	    /* the next used entry to fill */
	uint16_t signalled;	    /* used_idx when the driver was last notified */
};

struct virtq_iov {
	uint8_t *base; /* host pointer into guest RAM */
	uint32_t len;
};

/* One request: the readable segments, then the writable ones. */
struct virtq_req {
	uint16_t head;
	unsigned nout, nin;
	uint64_t out_len, in_len; /* bytes in each direction */
	struct virtq_iov iov[VIRTQ_MAX_IOV];
	const char *error; /* why a chain was refused */
};

/* Resets the queue's state (not its addresses) for a new driver. */
void virtq_reset(struct virtq *q);

/*
 * The rings must lie inside RAM, suitably aligned, for a power-of-two size
 * up to VIRTQ_MAX_SIZE: what QueueReady checks. 0 or -EINVAL.
 */
int virtq_check_layout(const struct virtq *q, const struct guest_mem *mem);

/*
 * Takes the next available request: 1, 0 when there is none, -EINVAL when
 * the guest broke the rules (req->error says how; the queue is unusable).
 */
int virtq_pop(struct virtq *q, const struct guest_mem *mem, struct virtq_req *req);

/*
 * Takes over a live queue another process served: from the driver's
 * available and used indexes as they are now, asking for a notify on the
 * next request. What was made available before is not taken.
 */
void virtq_resume(struct virtq *q, const struct guest_mem *mem);
/*
 * The same, for a previous owner that took taken requests past the used
 * index and answered none of them: the next one is taken after those.
 */
void virtq_resume_after(struct virtq *q, const struct guest_mem *mem, uint16_t taken);
/*
 * A request another owner took and left unanswered, by its head: as
 * virtq_pop reads it, without moving the available index. 1 or -EINVAL.
 */
int virtq_take_head(const struct virtq *q, const struct guest_mem *mem, uint16_t head,
		    struct virtq_req *req);

/*
 * With event index, the avail_event a device that takes requests writes
 * as it takes them (libvhost-user does): how far it took. false without.
 */
bool virtq_avail_event(const struct virtq *q, const struct guest_mem *mem, uint16_t *idx);

/* The driver's available index and the device's used index, as they are now. */
void virtq_indexes(const struct virtq *q, const struct guest_mem *mem, uint16_t *avail,
		   uint16_t *used);

/*
 * Returns a request with len bytes written into its writable segments;
 * nothing when the queue is no longer ready.
 */
void virtq_push(struct virtq *q, const struct guest_mem *mem, uint16_t head,
		uint32_t len);

/* After pushes: whether the driver asked to be interrupted (event index). */
bool virtq_should_notify(struct virtq *q, const struct guest_mem *mem);

/*
 * Copies between a request's segments and a flat buffer, starting at byte
 * off of that direction; the bytes copied.
 */
uint64_t virtq_copy_from(const struct virtq_req *req, uint64_t off, void *dst,
			 uint64_t len);
uint64_t virtq_copy_to(const struct virtq_req *req, uint64_t off, const void *src,
		       uint64_t len);

/*
 * The same bytes as host iovecs, for readv/writev-style I/O: up to len
 * bytes of one direction (in: writable) from byte off, into out (room for
 * VIRTQ_MAX_IOV). The number of iovecs.
 */
unsigned virtq_iovecs(const struct virtq_req *req, bool in, uint64_t off,
		      uint64_t len, struct iovec *out);

#endif
