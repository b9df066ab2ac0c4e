#include "a64vm/mmio_ring.h"

#include <linux/kvm.h>
#include <stdatomic.h>
#include <string.h>

#include "a64vm/log.h"
#include "a64vm/mmio_bus.h"

void mmio_ring_init(struct mmio_ring *r)
{
	r->ring = NULL;
	r->entries = 0;
	pthread_mutex_init(&r->lock, NULL);
}

void mmio_ring_attach(struct mmio_ring *r, void *page, size_t page_size)
{
	r->entries = (unsigned)((page_size - sizeof(*r->ring)) /
				sizeof(r->ring->coalesced_mmio[0]));
	r->ring = page;
}

void mmio_ring_destroy(struct mmio_ring *r)
{
	pthread_mutex_destroy(&r->lock);
	r->ring = NULL;
}

bool mmio_ring_pending(const struct mmio_ring *r)
{
	return r->ring && __atomic_load_n(&r->ring->first, __ATOMIC_RELAXED) !=
				  __atomic_load_n(&r->ring->last, __ATOMIC_ACQUIRE);
}

unsigned mmio_ring_drain(struct mmio_ring *r, struct mmio_bus *bus)
{
	unsigned done = 0;
	uint32_t first, last;

	if (!mmio_ring_pending(r))
		return 0; /* the common case, on every exit: no lock */
	pthread_mutex_lock(&r->lock);
	first = __atomic_load_n(&r->ring->first, __ATOMIC_RELAXED);
	/* The entries KVM wrote are visible once the index that counts them is. */
	last = __atomic_load_n(&r->ring->last, __ATOMIC_ACQUIRE);
	if (first >= r->entries || last >= r->entries) {
		log_ratelimited(LOG_ERROR, "coalesced MMIO ring: indexes %u and %u out of %u",
				first, last, r->entries);
		last = first;
	}
	while (first != last) {
		struct kvm_coalesced_mmio e = r->ring->coalesced_mmio[first];
		uint8_t data[8];

		/* KVM queues only accesses it could decode: 1, 2, 4 or 8 bytes. */
		if (e.len && e.len <= sizeof(data) && !(e.len & (e.len - 1))) {
			memcpy(data, e.data, e.len);
			mmio_bus_access(bus, e.phys_addr, data, e.len, true);
		}
		first = (first + 1) % r->entries;
		done++;
	}
	/* Only now may KVM write over what was read. */
	__atomic_store_n(&r->ring->first, first, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&r->lock);
	return done;
}
