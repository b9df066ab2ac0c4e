#include "virtq_fixture.h"

#include <string.h>

struct guest_mem fx_mem;
static uint16_t avail_idx;

void fx_setup(struct virtq *q)
{
	if (!fx_mem.hva)
		memory_init(&fx_mem, FX_RAM, FX_RAM_SIZE);
	memset(fx_mem.hva, 0, FX_RAM_SIZE);
	memset(q, 0, sizeof(*q));
	q->num = FX_QSIZE;
	q->desc = FX_DESC;
	q->avail = FX_AVAIL;
	q->used = FX_USED;
	q->indirect = true;
	q->ready = true;
	avail_idx = 0;
}

void fx_put_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t raw[16];

	memcpy(raw, &addr, 8);
	memcpy(raw + 8, &len, 4);
	memcpy(raw + 12, &flags, 2);
	memcpy(raw + 14, &next, 2);
	memory_write(&fx_mem, table + 16ull * i, raw, 16);
}

void fx_set_avail_idx(uint16_t idx)
{
	avail_idx = idx;
	memory_write(&fx_mem, FX_AVAIL + 2, &avail_idx, 2);
}

void fx_offer(uint16_t head)
{
	memory_write(&fx_mem, FX_AVAIL + 4 + 2ull * (avail_idx % FX_QSIZE), &head, 2);
	fx_set_avail_idx((uint16_t)(avail_idx + 1));
}

uint16_t fx_used16(uint64_t off)
{
	uint16_t v;

	memory_read(&fx_mem, FX_USED + off, &v, 2);
	return v;
}

uint32_t fx_used_len(unsigned i)
{
	uint32_t v;

	memory_read(&fx_mem, FX_USED + 4 + 8ull * i + 4, &v, 4);
	return v;
}

static void no_irq(void *ctx, unsigned source)
{
	(void)ctx;
	(void)source;
}

void fx_transport(struct virtio_core *t, const struct virtio_core_ops *ops, void *dev,
		  unsigned q)
{
	if (!fx_mem.hva)
		memory_init(&fx_mem, FX_RAM, FX_RAM_SIZE);
	virtio_core_init(t, ops, dev, &fx_mem, no_irq, NULL);
	t->status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		    VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;
	fx_setup(&t->queues[q]);
}
