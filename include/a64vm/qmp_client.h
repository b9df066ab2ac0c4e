/*
 * A QMP connection to a qemu-storage-daemon a64vm runs (lib/qmp_proto.c
 * reads its lines): connected and past the greeting at the start, before
 * a64vm confines itself; a command later is a write and reads on the
 * same descriptor.
 */
#ifndef A64VM_QMP_CLIENT_H
#define A64VM_QMP_CLIENT_H

#include <stddef.h>

/* Connects to path, reads the greeting, leaves negotiation: the descriptor, or -errno. */
int qmp_connect(const char *path, unsigned timeout_ms);
/*
 * One command (lib/qmp_proto.c's qmp_command line) and its answer: 0,
 * -EIO with the daemon's desc in err, -ETIMEDOUT, or another -errno.
 */
int qmp_execute(int fd, const char *line, unsigned timeout_ms, char *err, size_t errlen);

#endif
