/*
 * A child process that opens one device node on request, or connects to
 * the UNIX sockets PATH_PORT, and hands the descriptor back over a socket
 * pair (SCM_RIGHTS): a64vm's threads may not open files once the guest
 * runs (seccomp), nor after --user dropped root or --chroot left the
 * host's tree, yet a kernel vhost device is renewed whenever the guest
 * lets go of it, and a guest's vsock connection to the host's port P goes
 * to PATH_P. The child keeps only its socket and stderr, runs under its
 * own seccomp filter (open, connect, send, read), reaches nothing but its
 * path, and dies with a64vm.
 */
#ifndef A64VM_DEVICE_OPENER_H
#define A64VM_DEVICE_OPENER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "a64vm/seccomp.h"

/* An answer later than this: the child is gone or stuck. */
#define DEVICE_OPENER_TIMEOUT_MS 5000

struct device_opener {
	pid_t pid; /* 0: none */
	int sock;  /* -1: none */
};

/* Forks the child for path; its filter in mode. 0 or -errno, with a line said. */
int device_opener_start(struct device_opener *o, const char *path, enum seccomp_mode mode);
/* The same, for a child that connects to path_PORT. */
int device_opener_start_connector(struct device_opener *o, const char *path,
				  enum seccomp_mode mode);
/*
 * For snapshots (--control): a child that makes DIR/NAME.new (DIR too) and
 * renames it NAME once written, or opens DIR/NAME to read, for the main
 * thread, whose filter opens nothing. Its path is any the control socket's client names.
 */
#define DEVICE_OPENER_PATH_MAX 1100
enum device_opener_op {
	DEVICE_OPENER_CREATE = 1,
	DEVICE_OPENER_COMMIT = 2,
	DEVICE_OPENER_READ = 3,
};
int device_opener_start_files(struct device_opener *o, enum seccomp_mode mode);
/*
 * CREATE: a descriptor of path.new, written from empty; COMMIT: 0; READ:
 * a read-only descriptor of path (a snapshot restored in place). Or -errno.
 */
int device_opener_file(struct device_opener *o, enum device_opener_op op, const char *path);

/* A new descriptor of the path, or -errno (the child's open failed, or it is gone). */
int device_opener_get(struct device_opener *o);
/* A stream socket connected to path_PORT (non-blocking), or -errno. */
int device_opener_connect(struct device_opener *o, uint32_t port);
/* Ends the child: it exits once its end of the pair reads end-of-file. */
void device_opener_stop(struct device_opener *o);

#endif
