#include "a64vm/virtio_mmio.h"

#include <errno.h>
#include <string.h>

#include "a64vm/log.h"

#define MAGIC 0x74726976u  /* "virt" */
#define VENDOR 0x76343661u /* "a64v" */
#define CONFIG_BASE 0x100

enum reg {
	MAGIC_VALUE = 0x000, VERSION = 0x004, DEVICE_ID = 0x008, VENDOR_ID = 0x00c,
	DEVICE_FEATURES = 0x010, DEVICE_FEATURES_SEL = 0x014,
	DRIVER_FEATURES = 0x020, DRIVER_FEATURES_SEL = 0x024,
	QUEUE_SEL = 0x030, QUEUE_NUM_MAX = 0x034, QUEUE_NUM = 0x038,
	QUEUE_READY = 0x044, QUEUE_NOTIFY = VIRTIO_MMIO_QUEUE_NOTIFY,
	INTERRUPT_STATUS = 0x060, INTERRUPT_ACK = 0x064, STATUS = 0x070,
	QUEUE_DESC_LOW = 0x080, QUEUE_DESC_HIGH = 0x084,
	QUEUE_DRIVER_LOW = 0x090, QUEUE_DRIVER_HIGH = 0x094,
	QUEUE_DEVICE_LOW = 0x0a0, QUEUE_DEVICE_HIGH = 0x0a4,
	CONFIG_GENERATION = 0x0fc,
};

static uint64_t offered(const struct virtio_mmio *t)
{
	uint64_t own = t->ops->features ? t->ops->features(t->dev) : 0;

	return own | VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC |
	       VIRTIO_F_RING_EVENT_IDX;
}

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev_ops *ops,
		      void *dev, const struct guest_mem *mem,
		      void (*irq)(void *ctx), void *irq_ctx)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->mem = mem;
	t->irq = irq;
	t->irq_ctx = irq_ctx;
}

static struct virtq *selected(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->nqueues ? &t->queues[t->queue_sel] : NULL;
}

void virtio_mmio_reset(struct virtio_mmio *t)
{
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

/* Config space is bytes in the device's layout: any width inside it. */
static bool config_access(struct virtio_mmio *t, uint64_t off, uint64_t *val,
			  unsigned len, bool write)
{
	uint64_t at = off - CONFIG_BASE;
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

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
	struct virtq *q = selected(t);

	switch (off) {
	case MAGIC_VALUE: return MAGIC;
	case VERSION: return 2;
	case DEVICE_ID: return t->ops->device_id;
	case VENDOR_ID: return VENDOR;
	case DEVICE_FEATURES:
		return t->dev_features_sel > 1 ? 0
		       : (uint32_t)(offered(t) >> (32 * t->dev_features_sel));
	case QUEUE_NUM_MAX: return q ? VIRTQ_MAX_SIZE : 0;
	case QUEUE_NUM: return q ? q->num : 0;
	case QUEUE_READY: return q && q->ready;
	case INTERRUPT_STATUS: return t->isr;
	case STATUS: return t->status;
	case QUEUE_DESC_LOW: return q ? (uint32_t)q->desc : 0;
	case QUEUE_DESC_HIGH: return q ? (uint32_t)(q->desc >> 32) : 0;
	case QUEUE_DRIVER_LOW: return q ? (uint32_t)q->avail : 0;
	case QUEUE_DRIVER_HIGH: return q ? (uint32_t)(q->avail >> 32) : 0;
	case QUEUE_DEVICE_LOW: return q ? (uint32_t)q->used : 0;
	case QUEUE_DEVICE_HIGH: return q ? (uint32_t)(q->used >> 32) : 0;
	case CONFIG_GENERATION: return t->config_generation;
	default: return 0;
	}
}

uint64_t virtio_mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct virtio_mmio *t = opaque;
	uint64_t v = 0;

	if (off >= CONFIG_BASE && config_access(t, off, &v, size, false))
		return v;
	if (off < CONFIG_BASE && size == 4 && !(off & 3))
		return read_reg(t, off);
	t->refused++;
	return 0;
}

static void set_addr(uint64_t *addr, uint32_t v, bool high)
{
	*addr = high ? (*addr & 0xffffffffull) | (uint64_t)v << 32
		     : (*addr & ~0xffffffffull) | v;
}

/* FEATURES_OK only for a subset of what was offered, with VERSION_1. */
static void set_status(struct virtio_mmio *t, uint32_t v)
{
	if (!v) {
		virtio_mmio_reset(t);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((t->driver_features & ~offered(t)) ||
	     !(t->driver_features & VIRTIO_F_VERSION_1)))
		v &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
	/* NEEDS_RESET is the device's to set; the driver cannot clear it. */
	t->status = (v & ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET) |
		    (t->status & VIRTIO_STATUS_NEEDS_RESET);
	for (unsigned i = 0; i < t->ops->nqueues; i++) {
		t->queues[i].event_idx = t->driver_features & VIRTIO_F_RING_EVENT_IDX;
		t->queues[i].indirect = t->driver_features & VIRTIO_F_RING_INDIRECT_DESC;
	}
}

static void set_ready(struct virtio_mmio *t, struct virtq *q, uint32_t v)
{
	if (!v) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	virtq_reset(q);
	if (virtq_check_layout(q, t->mem)) {
		virtio_mmio_needs_reset(t, "a queue outside RAM or misaligned");
		return;
	}
	q->ready = true;
}

static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtq *q = selected(t);
	bool features_fixed = t->status & VIRTIO_STATUS_FEATURES_OK;

	switch (off) {
	case DEVICE_FEATURES_SEL: t->dev_features_sel = v; return;
	case DRIVER_FEATURES_SEL: t->drv_features_sel = v; return;
	case DRIVER_FEATURES:
		if (!features_fixed && t->drv_features_sel <= 1)
			set_addr(&t->driver_features, v, t->drv_features_sel == 1);
		return;
	case QUEUE_SEL: t->queue_sel = v; return;
	case QUEUE_NOTIFY:
		if (v < t->ops->nqueues && t->notify)
			t->notify(t->notify_ctx, v);
		return;
	case INTERRUPT_ACK: t->isr &= ~v; return;
	case STATUS: set_status(t, v); return;
	default: break;
	}
	/* The queue's own registers: only while it is not live. */
	if (!q || q->ready) {
		if (q && off == QUEUE_READY)
			set_ready(t, q, v);
		return;
	}
	switch (off) {
	case QUEUE_NUM: q->num = (uint16_t)(v <= VIRTQ_MAX_SIZE ? v : 0); break;
	case QUEUE_READY: set_ready(t, q, v); break;
	case QUEUE_DESC_LOW: set_addr(&q->desc, v, false); break;
	case QUEUE_DESC_HIGH: set_addr(&q->desc, v, true); break;
	case QUEUE_DRIVER_LOW: set_addr(&q->avail, v, false); break;
	case QUEUE_DRIVER_HIGH: set_addr(&q->avail, v, true); break;
	case QUEUE_DEVICE_LOW: set_addr(&q->used, v, false); break;
	case QUEUE_DEVICE_HIGH: set_addr(&q->used, v, true); break;
	default: break;
	}
}

void virtio_mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct virtio_mmio *t = opaque;

	if (off >= CONFIG_BASE && config_access(t, off, &val, size, true))
		return;
	if (off < CONFIG_BASE && size == 4 && !(off & 3))
		write_reg(t, off, (uint32_t)val);
	else
		t->refused++;
}

struct virtq *virtio_mmio_live_queue(struct virtio_mmio *t, unsigned queue)
{
	if (queue >= t->ops->nqueues || !(t->status & VIRTIO_STATUS_DRIVER_OK) ||
	    (t->status & VIRTIO_STATUS_NEEDS_RESET) || !t->queues[queue].ready)
		return NULL;
	return &t->queues[queue];
}

void virtio_mmio_used(struct virtio_mmio *t, unsigned queue)
{
	if (virtq_should_notify(&t->queues[queue], t->mem)) {
		t->isr |= 1;
		t->irq(t->irq_ctx);
	}
}

void virtio_mmio_service(struct virtio_mmio *t, unsigned qi)
{
	struct virtq *q = virtio_mmio_live_queue(t, qi);
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
	if (ret < 0)
		virtio_mmio_needs_reset(t, t->req.error);
	if (pushed)
		virtio_mmio_used(t, qi);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why)
{
	log_ratelimited(LOG_WARN, "%s: the guest offered %s; the device needs a "
			"reset", t->ops->name, why);
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (t->status & VIRTIO_STATUS_DRIVER_OK) {
		t->isr |= 2;
		t->irq(t->irq_ctx);
	}
}
