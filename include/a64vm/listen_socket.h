/* Listening sockets for the control socket and the GDB stub. */
#ifndef A64VM_LISTEN_SOCKET_H
#define A64VM_LISTEN_SOCKET_H

#include <stdint.h>

/*
 * A UNIX stream socket at path, mode 0600; a leftover socket nobody
 * listens on is replaced, anything else there (a file, a link, a live
 * socket) is -EADDRINUSE. Non-blocking, close-on-exec. fd or -errno.
 */
int listen_unix(const char *path);

/* A TCP socket on host (a numeric IPv4 address) and port. fd or -errno. */
int listen_tcp(const char *host, uint16_t port);

#endif
