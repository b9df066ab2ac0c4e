#include "a64vm/virtio_snapshot.h"

#include <errno.h>

#include "a64vm/snapshot_file.h"

/* The status bits a driver can have set; NEEDS_RESET is the device's. */
#define STATUS_BITS                                                                      \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK |    \
	 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)

void virtio_core_save(const struct virtio_core *t, struct snapshot_writer *w)
{
	snapshot_put_u32(w, t->nqueues);
	snapshot_put_u32(w, t->status);
	snapshot_put_u32(w, t->dev_features_sel);
	snapshot_put_u32(w, t->drv_features_sel);
	snapshot_put_u32(w, t->queue_sel);
	snapshot_put_u64(w, t->driver_features);
	snapshot_put_u32(w, t->isr);
	snapshot_put_u32(w, t->config_generation);
	for (unsigned i = 0; i < t->nqueues; i++) {
		const struct virtq *q = &t->queues[i];

		snapshot_put_u32(w, q->num | (uint32_t)q->ready << 16 |
					    (uint32_t)q->event_idx << 17 |
					    (uint32_t)q->indirect << 18);
		snapshot_put_u64(w, q->desc);
		snapshot_put_u64(w, q->avail);
		snapshot_put_u64(w, q->used);
		snapshot_put_u32(w, q->last_avail | (uint32_t)q->used_idx << 16);
		snapshot_put_u32(w, q->signalled);
	}
}

int virtio_core_restore(struct virtio_core *t, struct snapshot_cursor *c)
{
	struct virtq queues[VIRTIO_MAX_QUEUES];
	uint32_t status, dev_sel, drv_sel, queue_sel, isr, generation;
	uint64_t features;

	if (snapshot_get_u32(c) != t->nqueues)
		return -EINVAL;
	status = snapshot_get_u32(c);
	dev_sel = snapshot_get_u32(c);
	drv_sel = snapshot_get_u32(c);
	queue_sel = snapshot_get_u32(c);
	features = snapshot_get_u64(c);
	isr = snapshot_get_u32(c);
	generation = snapshot_get_u32(c);
	if ((status & ~(uint32_t)STATUS_BITS) || isr > 3 ||
	    (features & ~virtio_core_offered(t)))
		return -EINVAL;
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtq *q = &queues[i];
		uint32_t v = snapshot_get_u32(c);

		*q = (struct virtq){ .num = (uint16_t)v, .ready = v & 1u << 16,
				     .event_idx = v & 1u << 17, .indirect = v & 1u << 18 };
		q->desc = snapshot_get_u64(c);
		q->avail = snapshot_get_u64(c);
		q->used = snapshot_get_u64(c);
		v = snapshot_get_u32(c);
		q->last_avail = (uint16_t)v;
		q->used_idx = (uint16_t)(v >> 16);
		q->signalled = (uint16_t)snapshot_get_u32(c);
		/* A live queue's rings are where QueueReady would have let them be. */
		if (q->ready && virtq_check_layout(q, t->mem))
			return -EINVAL;
	}
	if (c->bad)
		return -EINVAL;
	t->status = status;
	t->dev_features_sel = dev_sel;
	t->drv_features_sel = drv_sel;
	t->queue_sel = queue_sel;
	t->driver_features = features;
	t->isr = isr;
	t->config_generation = generation;
	for (unsigned i = 0; i < t->nqueues; i++)
		t->queues[i] = queues[i];
	t->resetting = false;
	t->started = false;
	return 0;
}

void virtio_pci_save(const struct virtio_pci *p, struct snapshot_writer *w)
{
	snapshot_put_u32(w, p->config_vector | (uint32_t)p->intx_pending << 16 |
				    (uint32_t)p->intx << 17);
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		snapshot_put_u32(w, p->queue_vector[q]);
	snapshot_put_u32(w, p->has_msix ? p->msix.nvec : 0);
	for (unsigned v = 0; p->has_msix && v < p->msix.nvec; v++) {
		const struct pci_msix_entry *e = &p->msix.table[v];

		snapshot_put_u32(w, e->addr_lo);
		snapshot_put_u32(w, e->addr_hi);
		snapshot_put_u32(w, e->data);
		snapshot_put_u32(w, e->ctrl);
	}
	snapshot_put_u32(w, p->has_msix ? p->msix.pending : 0);
}

/* A vector the function has, or none. */
static bool valid_vector(const struct virtio_pci *p, uint32_t v)
{
	return v == PCI_MSIX_NO_VECTOR || (p->has_msix && v < p->msix.nvec);
}

int virtio_pci_restore(struct virtio_pci *p, struct snapshot_cursor *c)
{
	uint32_t v = snapshot_get_u32(c), nvec;
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];
	struct pci_msix_entry table[PCI_MSIX_MAX_VECTORS];
	uint32_t pending;

	if (!valid_vector(p, v & 0xffff))
		return -EINVAL;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		uint32_t qv = snapshot_get_u32(c);

		if (!valid_vector(p, qv))
			return -EINVAL;
		queue_vector[q] = (uint16_t)qv;
	}
	nvec = snapshot_get_u32(c);
	if (nvec != (p->has_msix ? p->msix.nvec : 0))
		return -EINVAL;
	for (unsigned i = 0; i < nvec; i++) {
		table[i].addr_lo = snapshot_get_u32(c);
		table[i].addr_hi = snapshot_get_u32(c);
		table[i].data = snapshot_get_u32(c);
		table[i].ctrl = snapshot_get_u32(c) & 1; /* only the mask bit is writable */
	}
	pending = snapshot_get_u32(c);
	if (c->bad || (nvec < 32 && pending >> nvec))
		return -EINVAL;
	p->config_vector = (uint16_t)v;
	p->intx_pending = v & 1u << 16;
	p->intx = v & 1u << 17;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		p->queue_vector[q] = queue_vector[q];
	for (unsigned i = 0; i < nvec; i++)
		p->msix.table[i] = table[i];
	if (p->has_msix)
		p->msix.pending = pending;
	return 0;
}
