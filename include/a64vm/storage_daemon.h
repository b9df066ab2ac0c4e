/*
 * The qemu-storage-daemon a64vm runs for a --disk image that is qcow2
 * (format=qcow2, or told by its header) or opened with snapshot=on: it
 * serves the image over vhost-user-blk with a queue per request queue
 * a64vm chose, from a socket in a private directory that goes once a64vm
 * is connected. ro is the export's (writable=off), not only the guest's;
 * snapshot=on puts an empty qcow2 overlay, an unnamed file in $TMPDIR
 * (else /var/tmp, else /tmp) that goes with the daemon, over the image opened
 * read-only. A qcow2 image's backing chain is QEMU's to follow. The
 * daemon has PR_SET_PDEATHSIG; stdin and stdout are /dev/null. a64vm
 * keeps a QMP connection to it, through which a snapshot of the VM takes
 * the image's own internal snapshot (docs/snapshot.md); a restore takes
 * the image back to it with qemu-img before a new daemon serves it.
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
	char qmp[96];
	int qmp_fd; /* -1: none (a snapshot of the VM is refused) */
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

/*
 * The image's internal snapshot called name, taken by the daemon (QMP's
 * blockdev-snapshot-internal-sync), no request in flight: 0, or -errno
 * with why in err.
 */
int storage_daemon_snapshot(struct storage_daemon *d, const char *name, char *err,
			    size_t errlen);
/* image taken back to its snapshot name (qemu-img snapshot -a), no daemon on it: 0 or -errno, said. */
int storage_daemon_revert(const char *image, const char *name);

#endif
