/*
 * virtio-vsock's packets (VIRTIO 1.2, 5.10.6): the 44-byte little-endian
 * header each carries, and the first line a host program writes on the
 * UNIX socket of the userspace backend (Firecracker's protocol:
 * "CONNECT PORT\n", answered "OK HOSTPORT\n"). Pure.
 */
#ifndef A64VM_VSOCK_PACKET_H
#define A64VM_VSOCK_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define VSOCK_HDR_LEN 44
#define VSOCK_HOST_CID 2
#define VSOCK_TYPE_STREAM 1
#define VSOCK_MAX_PAYLOAD 65536 /* what Linux puts in one packet at most */
#define VSOCK_SHUTDOWN_RCV 1	/* the sender will receive no more */
#define VSOCK_SHUTDOWN_SEND 2	/* ... and will send no more */
#define VSOCK_CONNECT_LINE_MAX 32

enum vsock_op {
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE,
	VSOCK_OP_RST,
	VSOCK_OP_SHUTDOWN,
	VSOCK_OP_RW,
	VSOCK_OP_CREDIT_UPDATE,
	VSOCK_OP_CREDIT_REQUEST,
};

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

void vsock_hdr_decode(const uint8_t b[VSOCK_HDR_LEN], struct vsock_hdr *h);
void vsock_hdr_encode(const struct vsock_hdr *h, uint8_t b[VSOCK_HDR_LEN]);

/*
 * The bytes a host program sent so far, "CONNECT PORT\n" with PORT
 * decimal, 0 to 2^32 - 1: 1 with *port once whole, 0 while a prefix of
 * one, -1 when it cannot become one.
 */
int vsock_parse_connect(const char *line, size_t len, uint32_t *port);

#endif
