/*
 * A virtio device's transport and its KVM wiring: virtio-mmio in a slot of
 * the memory map or virtio-pci in a PCI slot, the notify eventfds the I/O
 * thread serves, the interrupt. struct vdev is what vmm/virtio_devices.c
 * (a device's kind and lifecycle) and this share; nothing else uses it.
 */
#ifndef A64VM_VIRTIO_WIRE_H
#define A64VM_VIRTIO_WIRE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "a64vm/config.h"
#include "a64vm/disk.h"
#include "a64vm/pci_bus.h"
#include "a64vm/tap.h"
#include "a64vm/virtio_blk.h"
#include "a64vm/virtio_console.h"
#include "a64vm/virtio_fs.h"
#include "a64vm/virtio_net.h"
#include "a64vm/virtio_pci.h"
#include "a64vm/virtio_rng.h"

struct vdev;

/* A queue's notify eventfd, as the I/O thread hands it back. */
struct queue_ref {
	struct vdev *dev;
	unsigned queue;
	int fd;	  /* read and replaced under the device's lock */
	int bell; /* virtio-pci: its doorbell on the bus */
};

/* Descriptors another process had, kept open until the device goes. */
#define VDEV_RETIRED_MAX (2 * VIRTIO_MAX_QUEUES + PCI_MSIX_MAX_VECTORS)

struct device_list;
struct guest_mem;
struct kind;
struct vhost_dev;
struct virtio_io;

/* What wiring a device needs of the VM; one for all its devices. */
struct virtio_wire_env {
	int vm_fd;			/* irqfds and ioeventfds */
	struct virtio_io *io;		/* the I/O thread that serves the queues */
	const struct guest_mem *mem;
	struct device_list *devices; /* where virtio-mmio transports go */
	struct pci_bus *pci;	     /* where virtio-pci functions go */
	unsigned mmio_slots;	     /* virtio-mmio slots taken */
};

/* virtio-pci's side of a device: the function, its slot, its vectors. */
struct vdev_pci {
	struct virtio_pci p;
	unsigned slot;
	struct pci_bus_msix msix;
	uint64_t msix_sent, intx_raised; /* said at exit, at debug level */
};

/* A device in its slot: the transport, its kind's state and the wiring. */
struct vdev {
	struct virtio_wire_env *env;
	const struct kind *kind; /* vmm/virtio_devices.c's */
	const struct virtio_dev_ops *ops;
	uint32_t pci_class; /* base, sub, interface: as QEMU's virtio-*-pci */
	char name[32];
	uint64_t base; /* virtio-mmio: the slot's registers, and its SPI */
	unsigned spi;
	struct vdev_pci *pci; /* virtio-pci: NULL on virtio-mmio */
	pthread_mutex_t lock; /* registers and queue work, one at a time */
	pthread_cond_t settled; /* broadcast when work ended: a reset may have */
	struct virtio_dev t;
	int irq_fd; /* virtio-mmio's interrupt */
	struct queue_ref queues[VIRTIO_MAX_QUEUES];
	void *state; /* the model, in k: what the transport serves */
	union {	     /* each kind's own, set up by its open */
		struct {
			struct virtio_blk blk;
			struct disk disk;
		} blk;
		struct virtio_rng rng;
		struct virtio_console con;
		struct {
			struct virtio_net *net; /* large: allocated */
			struct tap tap;
		} net;
		struct virtio_fs fs;
	} k;
	int retired[VDEV_RETIRED_MAX];
	unsigned nretired;
	struct vhost_dev *vhost; /* a daemon serves the queues; NULL: a64vm does */
	/* virtio-pci's MSI-X vectors changed (mask, entry, enable); NULL: nothing */
	void (*vectors_changed)(struct vhost_dev *vh);
};

/*
 * Puts d (its kind opened) on transport: the virtio_dev, its notify
 * eventfds, its interrupt, and its slot or PCI function. 0 or -errno.
 */
int virtio_wire(struct virtio_wire_env *e, struct vdev *d, enum config_transport transport);

/*
 * Under the host bridge's lock (virtio-pci) and d's: every queue's notify
 * eventfd and every MSI-X irqfd replaced, so that a process that had them
 * (a daemon gone) can neither take the driver's notifies nor raise its
 * interrupts. The I/O thread watches the new notify eventfds when watch.
 */
int virtio_wire_renew(struct vdev *d, bool watch);
/* Keeps fd open until the device goes (a callback may still hold it). */
void virtio_wire_retire(struct vdev *d, int fd);

/* d's lock and its condition variable (on the monotonic clock). */
void virtio_wire_init_lock(struct vdev *d);
void virtio_wire_fini_lock(struct vdev *d);

/*
 * Under d's lock, after work ended (answers, queues given back): a
 * pending reset ends if nothing is left, and whoever waits for it hears.
 */
void virtio_wire_settle(struct vdev *d);

/*
 * Under d's lock: until d's pending reset ends (the lock is released
 * meanwhile), the VMM stops, or timeout_ms pass. True when it ended.
 */
bool virtio_wire_await_reset(struct vdev *d, unsigned timeout_ms);

#endif
