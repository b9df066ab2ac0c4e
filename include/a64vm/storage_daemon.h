/*
 * The qemu-storage-daemon a64vm runs for a --disk image that is qcow2
 * (format=qcow2, or told by its header) or opened with snapshot=on: it
 * serves the image over vhost-user-blk with a queue per request queue
 * a64vm chose, from a socket in a private directory that goes once a64vm
 * is connected. ro is the export's (writable=off), not only the guest's;
 * snapshot=on puts an empty qcow2 overlay, an unnamed file in $TMPDIR
 * (else /var/tmp, else /tmp) that goes with the daemon, over the image opened
 * read-only. A qcow2 image's backing chain is QEMU's to follow. The
 * daemon has PR_SET_PDEATHSIG; stdin and stdout are /dev/null.
 */
#ifndef A64VM_STORAGE_DAEMON_H
#define A64VM_STORAGE_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "a64vm/virtio_blk.h"

struct storage_daemon {
	pid_t pid; /* 0: none */
	char dir[64];
	char socket[96];
	char pid_file[96];
};

/* Whether o's image is one a64vm hands to qemu-storage-daemon. */
bool storage_daemon_serves(const struct virtio_blk_options *o);

/*
 * Starts the daemon for o's image with queues request queues and waits
 * until it listens on d->socket. 0, or -errno with a line said (the
 * daemon then stopped and reaped).
 */
int storage_daemon_start(const struct virtio_blk_options *o, unsigned queues,
			 struct storage_daemon *d);
/* Connected (or failed): its socket and directory go. */
void storage_daemon_connected(struct storage_daemon *d);
/* At exit: SIGTERM (it flushes and ends), SIGKILL after 2 s; reaped. */
void storage_daemon_stop(struct storage_daemon *d);

#endif
