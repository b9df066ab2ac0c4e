/*
 * The passt a64vm runs for --net user: Debian's passt (on PATH, else
 * /usr/bin/passt), in the foreground, on one end of a socketpair (passt
 * --fd), its port forwards from hostfwd=. passt sandboxes itself and, when
 * started as root, runs as nobody; it ends when its end of the link closes,
 * as a64vm's exit closes it (PR_SET_PDEATHSIG does not survive its change
 * of user).
 */
#ifndef A64VM_PASST_H
#define A64VM_PASST_H

#include <stdbool.h>

#include "a64vm/virtio_net.h"

/*
 * Whether the passt --net user would start has a vhost-user mode (Debian
 * 13's passt; Debian 12's has only the stream): what its --help says,
 * asked once.
 */
bool passt_offers_vhost_user(void);

/*
 * Starts passt for o's forwards, in its vhost-user mode when vhost_user,
 * and waits until it is ready: *fd is a64vm's end of the link (the stream,
 * or the vhost-user socket), whose close ends passt. 0, or -errno with a
 * line said (passt then stopped and reaped).
 */
int passt_start(const struct virtio_net_options *o, bool vhost_user, int *fd);

#endif
