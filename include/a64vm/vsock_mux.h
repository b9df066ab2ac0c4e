/*
 * The userspace virtio-vsock backend (--vsock cid=N,uds=PATH), as
 * Firecracker and cloud-hypervisor have it: a host program connects to
 * the UNIX socket PATH and writes "CONNECT PORT\n"; the guest's listener
 * on PORT gets the connection and the program reads "OK HOSTPORT\n"
 * before the guest's bytes. A guest connection to the host's port P goes
 * to the UNIX socket PATH_P. Credit flow as VIRTIO 1.2 5.10.6.3 has it:
 * a host program that stops reading stalls only its own connection, and
 * a guest that sends past the credit it was given loses it.
 *
 * Bounded: at most VSOCK_MUX_MAX_CONNS connections, each holding at most
 * VSOCK_MUX_BUF bytes the host has not yet taken and 64 KiB read from
 * the host but not yet in a guest buffer (each allocated only then).
 *
 * One thread drives it (the I/O thread, under the device's lock), except
 * vsock_mux_reset, which any thread may call.
 */
#ifndef A64VM_VSOCK_MUX_H
#define A64VM_VSOCK_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSOCK_MUX_MAX_CONNS 128
#define VSOCK_MUX_BUF (256u * 1024)

struct vsock_mux;

/* A new connected stream socket to the host's port, non-blocking, or -errno. */
typedef int (*vsock_connect_fn)(void *ctx, uint32_t port);

/*
 * The backend for the guest cid, accepting host programs on listen_fd
 * (a listening UNIX stream socket, kept by the caller). 0 or -errno.
 */
int vsock_mux_create(uint64_t cid, int listen_fd, vsock_connect_fn connect, void *ctx,
		     struct vsock_mux **out);
/* Closes every connection. */
void vsock_mux_destroy(struct vsock_mux *m);

/* An epoll descriptor, readable when a host socket has something for the mux. */
int vsock_mux_fd(const struct vsock_mux *m);
/* Serves what the host sockets have (accepts, writes that may go on). */
void vsock_mux_poll(struct vsock_mux *m);
/*
 * A packet the guest sent (header and payload), however malformed:
 * whether vsock_mux_to_guest has something for the guest now (an answer,
 * or host bytes its new credit lets go).
 */
bool vsock_mux_from_guest(struct vsock_mux *m, const uint8_t *pkt, size_t len);
/*
 * The next packet for the guest, into a receive buffer of cap bytes: its
 * length, or 0 when there is none.
 */
size_t vsock_mux_to_guest(struct vsock_mux *m, uint8_t *buf, size_t cap);
/*
 * The driver reset the device: every connection ends (its host socket
 * closed) at the mux's next call, from its own thread.
 */
void vsock_mux_reset(struct vsock_mux *m);

struct vsock_mux_stats {
	unsigned conns;	     /* open now */
	uint64_t refused;    /* connections refused: none free, no listener, a bad line */
	uint64_t violations; /* guest packets past their credit, or malformed */
};
void vsock_mux_stats(const struct vsock_mux *m, struct vsock_mux_stats *s);

#endif
