/*
 * The virtio I/O thread: one epoll over the queues' notify eventfds and
 * the backends' descriptors (a tap), served off the vCPU threads, with the
 * KVM wiring that feeds it: an ioeventfd per queue for the driver's
 * notifications and an irqfd for each device's interrupt.
 */
#ifndef A64VM_VIRTIO_IO_H
#define A64VM_VIRTIO_IO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_IO_MAX_WATCHES 192

struct virtio_io;

typedef void (*virtio_io_fn)(void *ctx);

int virtio_io_create(struct virtio_io **out);
void virtio_io_destroy(struct virtio_io *io);

/*
 * From the I/O thread, fn(ctx) whenever fd is readable (from the start
 * when enabled, else once virtio_io_enable turns it on). 0 or -errno.
 */
int virtio_io_watch(struct virtio_io *io, int fd, bool enabled, virtio_io_fn fn,
		    void *ctx);
/* Starts or stops watching fd without forgetting it. */
int virtio_io_enable(struct virtio_io *io, int fd, bool on);
/*
 * The watch on old_fd watches new_fd from now on (enabled when on), with
 * its function; old_fd stays open, for a callback that may still use it.
 */
int virtio_io_rewatch(struct virtio_io *io, int old_fd, int new_fd, bool on);

/*
 * Starts the thread when there is anything to watch; it calls
 * on_start(ctx) first and goes on only when that says so. Whether a
 * thread was started (1), none was needed (0), or -errno.
 */
int virtio_io_start(struct virtio_io *io, bool (*on_start)(void *ctx), void *ctx);
/*
 * Stops the thread and waits for it. The flag below is set first, so that
 * the request being served gives up at its next slice.
 */
void virtio_io_stop(struct virtio_io *io);
const atomic_bool *virtio_io_stopping(const struct virtio_io *io);

/*
 * An eventfd KVM signals when the guest writes value to the 32-bit
 * register at addr (a QueueNotify), or -errno.
 */
int virtio_io_notify_fd(int vm_fd, uint64_t addr, uint32_t value);
/* KVM stops signalling fd for that register (fd stays open). */
void virtio_io_notify_fd_drop(int vm_fd, uint64_t addr, uint32_t value, int fd);

/* An eventfd whose every write raises the interrupt of irqfd GSI gsi. */
int virtio_io_irq_fd(int vm_fd, unsigned gsi);

#endif
