/*
 * The virtio-fs daemon a64vm runs for --fs DIR: found (--fs-daemon, else
 * virtiofsd on PATH or Debian's /usr/libexec/virtiofsd, else QEMU's C one
 * in /usr/lib/qemu), started on a socket in a private directory, stopped
 * when the VM ends. A read-only share is enforced below the daemon: it runs
 * a read-only bind of DIR, in a mount namespace of its own. Once a64vm is
 * connected the socket is removed; when a64vm closes it (or exits: the
 * daemon has PR_SET_PDEATHSIG) the daemon ends. It reads nothing from
 * a64vm's terminal and writes nothing to the guest's console: its stdin
 * and stdout are /dev/null (its stderr is a64vm's, for its messages).
 */
#ifndef A64VM_VIRTIOFSD_H
#define A64VM_VIRTIOFSD_H

#include <sys/types.h>

#include "a64vm/virtio_fs.h"

struct virtiofsd {
	pid_t pid;	/* 0: none */
	int tmp_fd;	/* the directory dir is in, to remove it at exit; -1 */
	char dir[64];	/* private: the socket, and ro/ for a read-only share */
	char socket[96];
	bool ro_dir;
};

/* Starts the daemon for fs and waits for its socket. 0, or -errno with a line said. */
int virtiofsd_start(const struct virtio_fs_options *fs, const char *daemon, struct virtiofsd *d);
/* Connected: its socket goes. */
void virtiofsd_connected(struct virtiofsd *d);
/* At exit: its directory goes. */
void virtiofsd_remove(struct virtiofsd *d);
/*
 * The daemon misbehaved: killed at once (SIGKILL), so that it can no longer
 * touch guest RAM; reaped when a64vm exits.
 */
void virtiofsd_kill(struct virtiofsd *d);
/* Setup failed: the daemon is stopped (SIGTERM, then SIGKILL) and reaped. */
void virtiofsd_abort(struct virtiofsd *d);

#endif
