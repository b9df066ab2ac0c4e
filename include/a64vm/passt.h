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

#include <sys/types.h>

#include "a64vm/virtio_net.h"

/* passt's -t/-u spec of a forward: "ADDR/HOSTPORT:GUESTPORT". */
void passt_forward_spec(const struct virtio_net_forward *f, char *buf, size_t len);

/*
 * Starts passt for o's forwards: *fd is a64vm's end of the link, *pid the
 * daemon. 0, or -errno with a line said.
 */
int passt_start(const struct virtio_net_options *o, int *fd, pid_t *pid);
/* Stops it (its link closed first: it ends on its own) and reaps it. */
void passt_stop(pid_t pid);

#endif
