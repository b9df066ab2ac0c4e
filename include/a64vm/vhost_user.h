/*
 * A vhost-user frontend's connection to its backend daemon (QEMU's
 * docs/interop/vhost-user.rst): the UNIX socket, descriptors passed with
 * SCM_RIGHTS, and the requests a device's life needs. The daemon is less
 * trusted than a64vm: a reply that is late (timeout_ms), malformed or not
 * asked for ends the connection with one line naming the request, and
 * every later call answers -EPIPE at once. Calls block their thread: they
 * are made with no lock held, off the vCPU threads.
 */
#ifndef A64VM_VHOST_USER_H
#define A64VM_VHOST_USER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "a64vm/memory.h"

/* A reply later than this: the daemon hangs. */
#define VHOST_USER_TIMEOUT_MS 5000

struct vhost_user {
	int fd; /* the socket; -1 once the daemon is gone */
	char name[48];
	uint64_t features; /* what the daemon offers */
	uint64_t protocol; /* the protocol features both sides have */
	unsigned timeout_ms; /* one deadline per request and per reply */
	const atomic_bool *stopping; /* set: a wait ends at once (NULL: never) */
};

/* A queue handed over: its size, rings (guest-physical), start and fds. */
struct vhost_user_vring {
	unsigned index;
	uint16_t num, base;
	uint64_t desc, avail, used;
	int kick, call;
};

/*
 * Connects to path, retrying for up to wait_ms while nobody listens yet (a
 * daemon just started), then GET_FEATURES, the protocol features and
 * SET_OWNER. 0, or -errno with a line said.
 */
int vhost_user_open(struct vhost_user *vu, const char *path, const char *name,
		    unsigned wait_ms);
/* The same on a socket already connected (a daemon's end of a socketpair): vu owns fd. */
int vhost_user_adopt(struct vhost_user *vu, int fd, const char *name);
void vhost_user_close(struct vhost_user *vu);
/*
 * How long a request may take to send, and its reply to arrive whole
 * (ms): one deadline each, however the bytes trickle in and whatever
 * signals interrupt the wait.
 */
void vhost_user_set_timeout(struct vhost_user *vu, unsigned ms);

static inline bool vhost_user_alive(const struct vhost_user *vu)
{
	return vu->fd >= 0;
}

/* The driver's features; guest RAM (a shared file: mem->fd). */
int vhost_user_set_features(struct vhost_user *vu, uint64_t features);
int vhost_user_set_mem(struct vhost_user *vu, const struct guest_mem *mem);
/* A queue to the daemon, enabled; its interrupt fd changed later. */
int vhost_user_start_vring(struct vhost_user *vu, const struct guest_mem *mem,
			   const struct vhost_user_vring *r);
int vhost_user_set_call(struct vhost_user *vu, unsigned index, int fd);
/* The daemon stops the queue; *base: the next avail entry it would take. */
int vhost_user_stop_vring(struct vhost_user *vu, unsigned index, uint16_t *base);
/* The device's configuration space, size bytes from 0; -EOPNOTSUPP without CONFIG. */
int vhost_user_get_config(struct vhost_user *vu, uint8_t *buf, uint32_t size);
/*
 * The daemon's record of requests in flight (INFLIGHT_SHMFD) for nqueues
 * queues of up to qsize entries: asked for, and handed back so that the
 * daemon keeps it. *fd (the caller's), *size and *offset say where it is
 * to be mapped. -EOPNOTSUPP when the daemon keeps none.
 */
int vhost_user_inflight(struct vhost_user *vu, uint16_t nqueues, uint16_t qsize, int *fd,
			uint64_t *size, uint64_t *offset);

#endif
