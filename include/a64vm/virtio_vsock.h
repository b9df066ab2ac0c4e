/*
 * virtio-vsock (VIRTIO 1.2, 5.10): the guest's CID in the configuration,
 * and three queues: rx and tx, which the host's vhost-vsock serves or
 * a64vm's own backend (lib/vsock_mux.c, --vsock uds=PATH), and event,
 * which a64vm keeps. Without either (the kernel's failed), transmitted
 * packets are dropped and nothing is received, so the guest's
 * connections time out rather than hang the queues.
 */
#ifndef A64VM_VIRTIO_VSOCK_H
#define A64VM_VIRTIO_VSOCK_H

#include <stdint.h>

#include "a64vm/config.h"
#include "a64vm/virtio_core.h"
#include "a64vm/vsock_mux.h"
#include "a64vm/vsock_packet.h"

#define VIRTIO_VSOCK_ID 19
#define VIRTIO_VSOCK_QUEUES 3 /* rx, tx, event */
#define VIRTIO_VSOCK_QUEUE_EVENT 2
/* CIDs 0-2 are the hypervisor's, the local one and the host's; U32_MAX is "any". */
#define VIRTIO_VSOCK_CID_MIN 3ull
#define VIRTIO_VSOCK_CID_MAX 0xfffffffeull

/* --vsock cid=N[,uds=PATH][,transport=T] */
struct virtio_vsock_options {
	uint64_t cid;
	enum config_transport transport;
	char uds[96]; /* "": the kernel's vhost-vsock; room left for "_PORT" */
};

/* --vsock's value -> out; 0 or -EINVAL. */
int virtio_vsock_parse_options(const char *s, struct virtio_vsock_options *out);
/* The options the kind owns on the command line (--vsock). */
extern const struct config_option virtio_vsock_cli[];

struct virtio_vsock {
	uint64_t cid;
	uint64_t features; /* the backend's device features */
	uint64_t dropped;  /* packets a64vm took from tx without a backend */
	struct vsock_mux *mux; /* a64vm's own backend, or NULL */
	struct virtq_req rx_req;
	uint8_t pkt[VSOCK_HDR_LEN + VSOCK_MAX_PAYLOAD];
};

/* What the userspace backend has for the guest, into rx's buffers. */
void virtio_vsock_fill_rx(struct virtio_vsock *v, struct virtio_core *t);

/*
 * After a restore: the backend's connections dropped and the guest told
 * that its are gone (an event on the event queue, VIRTIO 1.2, 5.10.6.6),
 * so that it reads its CID again and resets them. False when the guest
 * had no event buffer waiting.
 */
bool virtio_vsock_transport_reset(struct virtio_vsock *v, struct virtio_core *t);

/* The kind's transport ops; dev is a struct virtio_vsock. */
extern const struct virtio_core_ops virtio_vsock_ops;

#endif
