/*
 * The stream protocol of passt and QEMU's -netdev stream: on a UNIX stream
 * socket, each Ethernet frame follows its length, 4 bytes big-endian. The
 * receiving side gathers bytes as they come (a frame may arrive in pieces,
 * or several in one read) and takes whole frames out; a length no Ethernet
 * frame can have ends the stream, as the peer is then out of step.
 */
#ifndef A64VM_NET_STREAM_PROTO_H
#define A64VM_NET_STREAM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define NET_STREAM_LEN_SIZE 4
#define NET_STREAM_MIN_FRAME 14	       /* an Ethernet header */
#define NET_STREAM_MAX_FRAME (65535 + 14) /* the largest IP packet, framed */
/* Room for a whole frame and most of the next, so reads are large. */
#define NET_STREAM_RX_BUF (2 * (NET_STREAM_LEN_SIZE + NET_STREAM_MAX_FRAME))

struct net_stream_rx {
	size_t start, end; /* unread bytes are buf[start..end) */
	uint8_t buf[NET_STREAM_RX_BUF];
};

void net_stream_rx_init(struct net_stream_rx *r);
/* Where the next read goes, and how much fits (never 0). */
size_t net_stream_rx_space(struct net_stream_rx *r, uint8_t **at);
/* n bytes were read into the space above. */
void net_stream_rx_filled(struct net_stream_rx *r, size_t n);
/*
 * The next whole frame: 1 with *frame and *len (valid until the next call),
 * 0 when more bytes are needed, -EMSGSIZE when the length is not one of a
 * frame (*len says it).
 */
int net_stream_rx_next(struct net_stream_rx *r, const uint8_t **frame, size_t *len);

/* The length that goes before a frame of len bytes. */
void net_stream_header(size_t len, uint8_t out[NET_STREAM_LEN_SIZE]);

#endif
