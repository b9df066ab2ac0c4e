/*
 * The virtio-mmio transport, version 2 (VIRTIO 1.x, 4.2.2): the register
 * file a driver programs, mapped onto a struct virtio_core. Pure.
 */
#ifndef A64VM_VIRTIO_MMIO_H
#define A64VM_VIRTIO_MMIO_H

#include <stdint.h>

#include "a64vm/virtio_core.h"

#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050

/*
 * Register accesses in the MMIO bus's shape (t is the struct virtio_core):
 * size 1, 2, 4 or 8 bytes at off. One of a width or offset not allowed
 * reads as zero, is ignored on write, and counts in t->refused.
 */
uint64_t virtio_mmio_read(void *t, uint64_t off, unsigned size);
void virtio_mmio_write(void *t, uint64_t off, unsigned size, uint64_t val);

#endif
