/*
 * A vhost-user daemon's record of the requests it took and has not
 * answered (VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD; the split-ring layout of
 * QEMU's docs/interop/vhost-user.rst, which libvhost-user, and so
 * qemu-storage-daemon, keeps). When the daemon dies, a64vm answers those
 * requests itself (virtio-blk: an I/O error) instead of leaving the
 * guest waiting forever. Pure: the record is a copy the caller made.
 */
#ifndef A64VM_VHOST_INFLIGHT_H
#define A64VM_VHOST_INFLIGHT_H

#include <stddef.h>
#include <stdint.h>

/* A queue's record: a 16-byte header, then 16 bytes per descriptor. */
#define VHOST_INFLIGHT_HDR 16
#define VHOST_INFLIGHT_DESC 16

/* The bytes a queue of num descriptors needs in the region, at least. */
static inline size_t vhost_inflight_queue_bytes(unsigned num)
{
	return VHOST_INFLIGHT_HDR + (size_t)VHOST_INFLIGHT_DESC * num;
}

/*
 * The heads the daemon holds on a queue of num descriptors whose used
 * index is used_idx now, in the order it took them, into heads (room for
 * num); at most max of them (what the rings say can be outstanding). rec
 * is the queue's record, len bytes. A head the daemon put in the used
 * ring but had not yet cleared (its last batch, when the record's used
 * index lags the ring's) is not counted. Returns how many.
 */
unsigned vhost_inflight_heads(const uint8_t *rec, size_t len, uint16_t num, uint16_t used_idx,
			      unsigned max, uint16_t *heads);

#endif
