/* Listening sockets for the control socket and the GDB stub. */
#ifndef A64VM_LISTEN_SOCKET_H
#define A64VM_LISTEN_SOCKET_H

#include <stdint.h>
#include <sys/un.h>

/*
 * What removing a64vm's own socket at exit takes, whatever happened since:
 * its directory, opened before any --chroot, and the socket's inode.
 */
struct unix_socket_owner {
	int dir_fd; /* -1: nothing to remove */
	char name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint64_t dev, ino;
};

/*
 * A UNIX stream socket at path, mode 0600; a leftover socket nobody
 * listens on is replaced, anything else there (a file, a link, a live
 * socket) is -EADDRINUSE. Non-blocking, close-on-exec. fd or -errno.
 * owner (may be NULL) is filled in for listen_unix_remove.
 */
int listen_unix(const char *path, struct unix_socket_owner *owner);

/*
 * Removes the socket through its directory, only if the name still is
 * the socket listen_unix made (not a file put there since); then forgets it.
 */
void listen_unix_remove(struct unix_socket_owner *owner);

/* A TCP socket on host (a numeric IPv4 address) and port. fd or -errno. */
int listen_tcp(const char *host, uint16_t port);

#endif
