/*
 * KVM's coalesced MMIO ring: writes to a posted register (device.h) that
 * KVM queued in a page shared with us instead of exiting. Replayed on the
 * bus in the order the guest made them, by whichever thread comes first.
 */
#ifndef A64VM_MMIO_RING_H
#define A64VM_MMIO_RING_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct kvm_coalesced_mmio_ring;
struct mmio_bus;

struct mmio_ring {
	struct kvm_coalesced_mmio_ring *ring; /* NULL: writes always exit */
	unsigned entries;
	pthread_mutex_t lock; /* one replayer at a time: the order is the guest's */
};

void mmio_ring_init(struct mmio_ring *r);
/* page: the ring's page, of page_size bytes (KVM's page size). */
void mmio_ring_attach(struct mmio_ring *r, void *page, size_t page_size);
void mmio_ring_destroy(struct mmio_ring *r);

/* Whether writes wait: a cheap look, without the lock. */
bool mmio_ring_pending(const struct mmio_ring *r);

/* Replays every queued write on bus; returns how many (none: no lock taken). */
unsigned mmio_ring_drain(struct mmio_ring *r, struct mmio_bus *bus);

#endif
