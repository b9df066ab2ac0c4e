/* A 1 MiB guest RAM with one split virtqueue in it, for the virtio tests. */
#ifndef A64VM_TEST_VIRTQ_FIXTURE_H
#define A64VM_TEST_VIRTQ_FIXTURE_H

#include "a64vm/virtio_mmio.h"
#include "a64vm/virtqueue.h"

#define FX_RAM 0x40000000ull
#define FX_RAM_SIZE (1u << 20)
#define FX_DESC (FX_RAM + 0x1000)
#define FX_AVAIL (FX_RAM + 0x2000)
#define FX_USED (FX_RAM + 0x3000)
#define FX_BUF (FX_RAM + 0x10000)
#define FX_QSIZE 16

extern struct guest_mem fx_mem;

/* Zeroed RAM and a ready queue of FX_QSIZE entries, indirect allowed. */
void fx_setup(struct virtq *q);
void fx_put_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next);
/* Makes head available and publishes it. */
void fx_offer(uint16_t head);
/* Sets the available index itself. */
void fx_set_avail_idx(uint16_t idx);
uint16_t fx_used16(uint64_t off);
/* The length of used entry i. */
uint32_t fx_used_len(unsigned i);

/* A transport for dev of kind ops, driver ready, with queue q the fixture's. */
void fx_transport(struct virtio_core *t, const struct virtio_core_ops *ops, void *dev,
		  unsigned q);

#endif
