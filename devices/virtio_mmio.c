#include "a64vm/virtio_mmio.h"

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

static uint32_t read_reg(struct virtio_core *t, uint64_t off)
{
	struct virtq *q = virtio_core_selected(t);

	switch (off) {
	case MAGIC_VALUE: return MAGIC;
	case VERSION: return 2;
	case DEVICE_ID: return t->ops->device_id;
	case VENDOR_ID: return VENDOR;
	case DEVICE_FEATURES:
		return virtio_core_features_word(t);
	case QUEUE_NUM_MAX: return q ? VIRTQ_MAX_SIZE : 0;
	case QUEUE_NUM: return q ? q->num : 0;
	case QUEUE_READY: return q && q->ready;
	case INTERRUPT_STATUS: return t->isr;
	case STATUS: return virtio_core_status(t);
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
	struct virtio_core *t = opaque;
	uint64_t v = 0;

	if (off >= CONFIG_BASE && virtio_core_config_access(t, off - CONFIG_BASE, &v, size, false))
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

static void write_reg(struct virtio_core *t, uint64_t off, uint32_t v)
{
	struct virtq *q = virtio_core_selected(t);

	if (off == STATUS) {
		virtio_core_set_status(t, v);
		if (!v && t->resetting && t->await_reset)
			t->await_reset(t->await_ctx);
		return;
	}
	if (t->resetting)
		return; /* nothing changes until the reset ends */
	switch (off) {
	case DEVICE_FEATURES_SEL: t->dev_features_sel = v; return;
	case DRIVER_FEATURES_SEL: t->drv_features_sel = v; return;
	case DRIVER_FEATURES:
		virtio_core_set_driver_word(t, v);
		return;
	case QUEUE_SEL: t->queue_sel = v; return;
	case QUEUE_NOTIFY:
		virtio_core_notify(t, v);
		return;
	case INTERRUPT_ACK: t->isr &= ~v; return;
	default: break;
	}
	/* The queue's own registers: only while it is not live. */
	if (!q || q->ready) {
		if (q && off == QUEUE_READY)
			virtio_core_set_ready(t, q, v);
		return;
	}
	switch (off) {
	case QUEUE_NUM: /* 0 would leave no ring to answer in: ignored */
		if (v && v <= VIRTQ_MAX_SIZE)
			q->num = (uint16_t)v;
		break;
	case QUEUE_READY: virtio_core_set_ready(t, q, v); break;
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
	struct virtio_core *t = opaque;

	if (off >= CONFIG_BASE && virtio_core_config_access(t, off - CONFIG_BASE, &val, size, true))
		return;
	if (off < CONFIG_BASE && size == 4 && !(off & 3))
		write_reg(t, off, (uint32_t)val);
	else
		t->refused++;
}
