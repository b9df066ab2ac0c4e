#include "a64vm/virtio_core.h"

#include <errno.h>
#include <string.h>

#include "a64vm/log.h"

uint64_t virtio_core_offered(const struct virtio_core *t)
{
	uint64_t own = t->ops->features ? t->ops->features(t->dev) : 0;

	return (own | VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC |
		VIRTIO_F_RING_EVENT_IDX) & ~t->withheld;
}

void virtio_core_init(struct virtio_core *t, const struct virtio_core_ops *ops,
		     void *dev, const struct guest_mem *mem,
		     void (*irq)(void *ctx, unsigned source), void *irq_ctx)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->mem = mem;
	t->irq = irq;
	t->irq_ctx = irq_ctx;
	t->nqueues = ops->queues ? ops->queues(dev) : ops->nqueues;
	if (t->nqueues > VIRTIO_MAX_QUEUES)
		t->nqueues = VIRTIO_MAX_QUEUES;
}

struct virtq *virtio_core_selected(struct virtio_core *t)
{
	return t->queue_sel < t->nqueues ? &t->queues[t->queue_sel] : NULL;
}

/* Another process's queues: asked back (even if the driver cleared DRIVER_OK). */
static void stop_running(struct virtio_core *t)
{
	if (t->started && t->running)
		t->running(t->running_ctx, false);
	t->started = false;
}

void virtio_core_reset(struct virtio_core *t)
{
	stop_running(t);
	t->resetting = false;
	t->status = 0;
	t->driver_features = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->isr = 0;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		virtq_reset(&t->queues[i]);
		t->queues[i].num = 0;
		t->queues[i].desc = t->queues[i].avail = t->queues[i].used = 0;
	}
	if (t->ops->reset)
		t->ops->reset(t->dev);
}

bool virtio_core_quiet(const struct virtio_core *t)
{
	return !(t->ops->busy && t->ops->busy(t->dev)) &&
	       !(t->held && t->held(t->running_ctx));
}

bool virtio_core_begin_reset(struct virtio_core *t)
{
	stop_running(t);
	t->resetting = true;
	virtio_core_settle(t);
	return !t->resetting;
}

void virtio_core_settle(struct virtio_core *t)
{
	if (t->resetting && virtio_core_quiet(t))
		virtio_core_reset(t);
}

uint32_t virtio_core_status(const struct virtio_core *t)
{
	return t->resetting && !t->status ? VIRTIO_STATUS_ACKNOWLEDGE : t->status;
}

uint32_t virtio_core_features_word(const struct virtio_core *t)
{
	return t->dev_features_sel > 1
		       ? 0 : (uint32_t)(virtio_core_offered(t) >> (32 * t->dev_features_sel));
}

/* Features are fixed once FEATURES_OK is set. */
void virtio_core_set_driver_word(struct virtio_core *t, uint32_t v)
{
	unsigned shift = 32 * t->drv_features_sel;

	if ((t->status & VIRTIO_STATUS_FEATURES_OK) || t->drv_features_sel > 1)
		return;
	t->driver_features = (t->driver_features & ~(0xffffffffull << shift)) |
			     (uint64_t)v << shift;
}

bool virtio_core_config_access(struct virtio_core *t, uint64_t at, uint64_t *val,
			      unsigned len, bool write)
{
	uint8_t data[8] = { 0 };

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return false;
	if (at >= t->ops->config_size || len > t->ops->config_size - at)
		return false;
	memcpy(data, val, len); /* the values are little-endian, as the guest's */
	if (write && t->ops->config_write)
		t->ops->config_write(t->dev, (uint32_t)at, data, len);
	else if (!write && t->ops->config_read)
		t->ops->config_read(t->dev, (uint32_t)at, data, len);
	memcpy(val, data, len);
	return true;
}

/* FEATURES_OK only for a subset of what was offered, with VERSION_1. */
void virtio_core_set_status(struct virtio_core *t, uint32_t v)
{
	uint32_t was = t->status;

	if (!v) {
		virtio_core_begin_reset(t);
		return;
	}
	if (t->resetting)
		return; /* the driver must wait for the status to read 0 */
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((t->driver_features & ~virtio_core_offered(t)) ||
	     !(t->driver_features & VIRTIO_F_VERSION_1)))
		v &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
	/*
	 * The driver only adds bits (VIRTIO 2.1.2: it must not clear one);
	 * NEEDS_RESET is the device's to set. So the status reads 0 only
	 * after a reset has ended, never while a request is in flight.
	 */
	t->status |= v & ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET;
	for (unsigned i = 0; i < t->nqueues; i++) {
		t->queues[i].event_idx = t->driver_features & VIRTIO_F_RING_EVENT_IDX;
		t->queues[i].indirect = t->driver_features & VIRTIO_F_RING_INDIRECT_DESC;
	}
	if (!(was & VIRTIO_STATUS_DRIVER_OK) && (t->status & VIRTIO_STATUS_DRIVER_OK) &&
	    (t->status & VIRTIO_STATUS_FEATURES_OK) && t->running && !t->started) {
		t->started = true;
		t->running(t->running_ctx, true);
	}
}

void virtio_core_set_ready(struct virtio_core *t, struct virtq *q, uint32_t v)
{
	if (!v) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	virtq_reset(q);
	if (virtq_check_layout(q, t->mem)) {
		virtio_core_needs_reset(t, "a queue outside RAM or misaligned");
		return;
	}
	q->ready = true;
}

void virtio_core_notify(struct virtio_core *t, uint32_t queue)
{
	if (queue < t->nqueues && t->notify)
		t->notify(t->notify_ctx, queue);
}

struct virtq *virtio_core_live_queue(struct virtio_core *t, unsigned queue)
{
	if (queue >= t->nqueues || !(t->status & VIRTIO_STATUS_DRIVER_OK) || t->resetting ||
	    (t->status & VIRTIO_STATUS_NEEDS_RESET) || !t->queues[queue].ready)
		return NULL;
	return &t->queues[queue];
}

void virtio_core_used(struct virtio_core *t, unsigned queue)
{
	if (virtq_should_notify(&t->queues[queue], t->mem)) {
		t->isr |= 1;
		t->interrupts++;
		t->irq(t->irq_ctx, queue);
	}
}

void virtio_core_service(struct virtio_core *t, unsigned qi)
{
	struct virtq *q = virtio_core_live_queue(t, qi);
	bool pushed = false;
	int ret = 0;

	if (!q)
		return;
	if (t->ops->receive_queues & (1u << qi)) {
		t->ops->buffers_posted(t->dev, t, qi);
		return;
	}
	while (!virtio_stopping(t->stopping) && (ret = virtq_pop(q, t->mem, &t->req)) == 1) {
		int used = t->ops->request(t->dev, t, qi, &t->req);

		t->requests++;
		if (used == VIRTIO_CORE_PENDING)
			continue;
		if (used == -ECANCELED) {
			ret = 0;
			break;
		}
		if (used < 0) {
			t->req.error = "a request without room for its status";
			ret = -EINVAL;
			break;
		}
		virtq_push(q, t->mem, t->req.head, (uint32_t)used);
		pushed = true;
	}
	if (t->ops->requests_taken)
		t->ops->requests_taken(t->dev, qi);
	if (ret < 0)
		virtio_core_needs_reset(t, t->req.error);
	if (pushed)
		virtio_core_used(t, qi);
}

void virtio_core_answer_heads(struct virtio_core *t, unsigned qi, const uint16_t *heads,
			      unsigned n)
{
	struct virtq *q = virtio_core_live_queue(t, qi);
	bool pushed = false;

	for (unsigned i = 0; q && i < n; i++) {
		int used;

		if (virtq_take_head(q, t->mem, heads[i], &t->req) != 1) {
			virtio_core_needs_reset(t, t->req.error);
			break;
		}
		used = t->ops->request(t->dev, t, qi, &t->req);
		if (used < 0) /* no room for an answer, or pending: nothing to give back */
			continue;
		virtq_push(q, t->mem, heads[i], (uint32_t)used);
		pushed = true;
	}
	if (pushed)
		virtio_core_used(t, qi);
}

void virtio_core_needs_reset(struct virtio_core *t, const char *why)
{
	log_ratelimited(LOG_WARN, "%s: the guest offered %s; the device needs a "
			"reset", t->ops->name, why);
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (t->status & VIRTIO_STATUS_DRIVER_OK) {
		t->isr |= 2;
		t->irq(t->irq_ctx, VIRTIO_IRQ_CONFIG);
	}
}
