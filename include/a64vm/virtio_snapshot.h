/*
 * A virtio device's state in a snapshot (docs/snapshot.md), apart from its
 * kind's: the core's status, features and queues, and virtio-pci's
 * vectors and MSI-X table. Pure. A restore checks what it reads against the
 * device as this VM built it (its queues, the features it offers, its
 * vectors, rings inside RAM) and changes nothing when a value is not one
 * the device could be in: -EINVAL.
 */
#ifndef A64VM_VIRTIO_SNAPSHOT_H
#define A64VM_VIRTIO_SNAPSHOT_H

#include "a64vm/virtio_core.h"
#include "a64vm/virtio_pci.h"

struct snapshot_writer;
struct snapshot_cursor;

/* Nothing in flight (virtio_core_quiet), no reset pending. */
void virtio_core_save(const struct virtio_core *t, struct snapshot_writer *w);
int virtio_core_restore(struct virtio_core *t, struct snapshot_cursor *c);

/* What the function needs to be wired again: the caller re-routes its vectors. */
void virtio_pci_save(const struct virtio_pci *p, struct snapshot_writer *w);
int virtio_pci_restore(struct virtio_pci *p, struct snapshot_cursor *c);

#endif
