/*
 * The host kernel's vhost devices (drivers/vhost: vhost-vsock today): the
 * same handover of guest RAM and queues as a vhost-user daemon gets, as
 * ioctls on the device's descriptor. Guest RAM is a64vm's own mapping (the
 * kernel reads it through a64vm's address space), so nothing is shared
 * with another process. Each call is one ioctl or a few: they do not block.
 */
#ifndef A64VM_VHOST_KERNEL_H
#define A64VM_VHOST_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/memory.h"
#include "a64vm/vhost_user.h"

/*
 * Opens path (a vhost device node), becomes its owner and reads what it
 * offers into *features. The descriptor, or -errno with a line said
 * (naming name, and what a user can do about a missing or denied node).
 */
int vhost_kernel_open(const char *path, const char *name, uint64_t *features);
/* The same for a descriptor already open (a renewed one): 0 or -errno. */
int vhost_kernel_own(int fd, uint64_t *features);
int vhost_kernel_set_features(int fd, uint64_t features);
int vhost_kernel_set_mem(int fd, const struct guest_mem *mem);
/* A queue to the kernel: its size, start, rings (guest-physical) and fds. */
int vhost_kernel_start_vring(int fd, const struct guest_mem *mem,
			     const struct vhost_user_vring *r);
int vhost_kernel_set_call(int fd, unsigned index, int call);
/* *base: the next avail entry the kernel would take (stop it first). */
int vhost_kernel_stop_vring(int fd, unsigned index, uint16_t *base);

/* vhost-vsock: the guest's CID (-EADDRINUSE: another VM has it); start, stop. */
int vhost_kernel_vsock_set_cid(int fd, uint64_t cid);
int vhost_kernel_vsock_run(int fd, bool on);

#endif
