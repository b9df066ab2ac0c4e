/*
 * virtio-net's backend on a stream socket to passt (--net user, --net
 * stream=PATH): frames framed by their length (net_stream_proto.h), no
 * virtio_net_hdr and so no partial checksums. The I/O thread reads it while
 * the device has buffers. Writes never block: the rest of a frame the
 * socket did not take waits here, and frames the guest sends meanwhile are
 * dropped, as a full tap drops them; a peer that takes nothing for 5 s, that
 * closes, or that sends a length no frame has, ends the link with one line
 * (the guest runs on, its frames dropped).
 */
#ifndef A64VM_NET_STREAM_H
#define A64VM_NET_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/net_stream_proto.h"
#include "a64vm/virtio_net.h"

struct virtio_io;

struct net_stream {
	int fd;
	struct virtio_io *io;
	char peer[VIRTIO_NET_PATH_MAX + 8]; /* for messages */
	bool polled, down;
	uint64_t stalled_since; /* a frame has been waiting since (ns), or 0 */
	uint64_t dropped;	/* frames the guest sent that the peer had no room for */
	size_t tx_off, tx_len;	/* tx[tx_off..tx_len): the rest of a frame */
	uint8_t tx[NET_STREAM_LEN_SIZE + NET_STREAM_MAX_FRAME];
	struct net_stream_rx rx;
};

/* Connects to the UNIX socket path; 0 or -errno, said. */
int net_stream_connect(const char *path, struct virtio_io *io, struct net_stream *s);
/* Takes fd, a connected stream socket (a socketpair to the passt a64vm ran). */
void net_stream_adopt(int fd, const char *peer, struct virtio_io *io, struct net_stream *s);
void net_stream_close(struct net_stream *s);

/* The backend for a struct virtio_net; its context is the struct net_stream. */
extern const struct virtio_net_backend net_stream_backend;

#endif
