/*
 * A virtio device in its slot: its transport (virtio-mmio in a slot of the
 * memory map, or virtio-pci in a PCI slot), its KVM wiring (a notify
 * eventfd per queue the I/O thread serves, the interrupt), its lock, and
 * the model a kind put in it. struct virtio_slot is private to
 * vmm/virtio_slot.c: the kinds (vmm/NAME_kind.c), the devices' lifecycle
 * (vmm/virtio_devices.c) and a daemon's worker (vmm/vhost_worker.c) use
 * the calls below.
 */
#ifndef A64VM_VIRTIO_SLOT_H
#define A64VM_VIRTIO_SLOT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "a64vm/config.h"
#include "a64vm/virtio_core.h"

struct device_list;
struct guest_mem;
struct pci_bus;
struct snapshot_cursor;
struct snapshot_writer;
struct vhost_worker;
struct virtio_io;
struct virtio_slot;

/* What wiring a device needs of the VM; one for all its devices. */
struct virtio_slot_env {
	int vm_fd;			/* irqfds and ioeventfds */
	struct virtio_io *io;		/* the I/O thread that serves the queues */
	const struct guest_mem *mem;
	struct device_list *devices; /* where virtio-mmio transports go */
	struct pci_bus *pci;	     /* where virtio-pci functions go */
	unsigned mmio_slots;	     /* virtio-mmio slots taken */
};

/* A slot for a device of ops and PCI class (as QEMU's virtio-*-pci), or NULL. */
struct virtio_slot *virtio_slot_new(struct virtio_slot_env *env,
				    const struct virtio_core_ops *ops, uint32_t pci_class);
/* Its descriptors closed (a daemon's worker is closed before). */
void virtio_slot_free(struct virtio_slot *s);

/* What a kind's open sets: the name messages use, the model the queues serve. */
void virtio_slot_set_name(struct virtio_slot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void virtio_slot_set_model(struct virtio_slot *s, void *model);
/*
 * A daemon serves queues 0 to queues - 1 (vmm/vhost_worker.c), a64vm the
 * rest; the slot keeps it.
 */
void virtio_slot_set_vhost(struct virtio_slot *s, struct vhost_worker *vh, unsigned queues);
struct vhost_worker *virtio_slot_vhost(struct virtio_slot *s);
/* How many of its queues the daemon serves (0: none). */
unsigned virtio_slot_vhost_queues(const struct virtio_slot *s);

/*
 * Puts the device on transport: the virtio core, its notify eventfds, its
 * interrupt, its slot or PCI function. 0 or -errno (logged).
 */
int virtio_slot_wire(struct virtio_slot *s, enum config_transport transport);

const char *virtio_slot_name(const struct virtio_slot *s);
struct virtio_core *virtio_slot_core(struct virtio_slot *s);
const struct guest_mem *virtio_slot_mem(const struct virtio_slot *s);
const atomic_bool *virtio_slot_stopping(const struct virtio_slot *s);
/* The I/O thread that serves the device's queues and backend. */
struct virtio_io *virtio_slot_io(const struct virtio_slot *s);
/* From the I/O thread, fn(ctx) whenever fd is readable (enabled: from now). */
int virtio_slot_watch(struct virtio_slot *s, int fd, bool enabled, void (*fn)(void *ctx),
		      void *ctx);
/* The I/O thread watches fd_old's function on fd_new from now (enabled when on). */
int virtio_slot_rewatch(struct virtio_slot *s, int fd_old, int fd_new, bool on);

/* The device's lock: registers and queue work, one at a time. */
void virtio_slot_lock(struct virtio_slot *s);
void virtio_slot_unlock(struct virtio_slot *s);
/*
 * The host bridge's (virtio-pci) and then the device's: MSI-X state. The
 * bridge's is let go while the device's is taken by someone else (a
 * snapshot, which holds the devices' and then saves the bridge).
 */
void virtio_slot_lock_all(struct virtio_slot *s);
void virtio_slot_unlock_all(struct virtio_slot *s);

/* Queue q's notify eventfd (a daemon's kick). Under the device's lock. */
int virtio_slot_kick_fd(const struct virtio_slot *s, unsigned q);
/*
 * The irqfd of queue q's MSI-X vector, its route synced, for another
 * process to signal directly; -1 when none (masked, off, virtio-mmio,
 * INTx). Under virtio_slot_lock_all.
 */
int virtio_slot_queue_irqfd(struct virtio_slot *s, unsigned q);
/* MSI-X vectors changed (mask, entry, enable): fn(ctx), under both locks. */
void virtio_slot_on_vectors_changed(struct virtio_slot *s, void (*fn)(void *ctx),
				    void *ctx);

/*
 * Under virtio_slot_lock_all: every queue's notify eventfd and every MSI-X
 * irqfd replaced, so that a process that had them (a daemon gone) can
 * neither take the driver's notifies nor raise its interrupts. The I/O
 * thread watches the new notify eventfds when watch.
 */
int virtio_slot_renew(struct virtio_slot *s, bool watch);
/* Keeps fd open until the device goes (a callback may still hold it). */
void virtio_slot_retire(struct virtio_slot *s, int fd);

/*
 * Under the device's lock, after work ended (answers, queues given back):
 * a pending reset ends if nothing is left, and whoever waits for it hears.
 */
void virtio_slot_settle(struct virtio_slot *s);

/*
 * Under the device's lock: until its pending reset ends (the lock is
 * released meanwhile), the VMM stops, or timeout_ms pass. True when it ended.
 */
bool virtio_slot_await_reset(struct virtio_slot *s, unsigned timeout_ms);

/*
 * Under the device's lock: nothing in flight, no reset waiting for it;
 * for a daemon's queues, every request answered (vhost_worker_drained).
 */
bool virtio_slot_quiet(struct virtio_slot *s);
/*
 * Under the device's lock, quiet: the device's transport state into w;
 * and from a section it wrote, into a device wired as the saved one was
 * (its vectors re-routed, its queues served once): 0, or -EINVAL and the
 * VM's restore fails as a whole.
 */
void virtio_slot_save(const struct virtio_slot *s, struct snapshot_writer *w);
int virtio_slot_restore(struct virtio_slot *s, struct snapshot_cursor *c);

/* A machine reset: the device and (virtio-pci) its function, at once. */
void virtio_slot_reset(struct virtio_slot *s);

#endif
