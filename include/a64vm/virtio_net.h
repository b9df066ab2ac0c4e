/*
 * virtio-net (VIRTIO 1.x, 5.1): frames travel with the 12-byte
 * virtio_net_hdr that a tap device opened with IFF_VNET_HDR speaks too, so
 * checksum offload passes straight through; a backend without it (passt's
 * stream) gets whole frames, the guest finishing its checksums. Receive
 * buffers are mergeable when the driver accepts VIRTIO_NET_F_MRG_RXBUF.
 */
#ifndef A64VM_VIRTIO_NET_H
#define A64VM_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "a64vm/config.h"
#include "a64vm/virtio_core.h"
#include "a64vm/virtqueue.h"

#define VIRTIO_NET_ID 1
#define VIRTIO_NET_HDR_LEN 12
#define VIRTIO_NET_CONFIG_SIZE 8 /* mac, status */
#define VIRTIO_NET_F_CSUM (1ull << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ull << 1)
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_MRG_RXBUF (1ull << 15)
#define VIRTIO_NET_F_STATUS (1ull << 16)
/*
 * What a vhost-user backend may offer the driver through a64vm: the
 * checksum, segmentation and merging features (bits 0-1, 7-15), which
 * need neither configuration space nor a control queue.
 */
#define VIRTIO_NET_VHOST_OFFLOADS 0xff83ull
#define VIRTIO_NET_RX 0
#define VIRTIO_NET_TX 1
#define VIRTIO_NET_MAX_FRAME (VIRTIO_NET_HDR_LEN + 65535 + 14)

#define VIRTIO_NET_MAX_FORWARDS 16
#define VIRTIO_NET_PATH_MAX 108 /* sun_path */

enum virtio_net_link {
	VIRTIO_NET_TAP,	   /* tap=NAME */
	VIRTIO_NET_USER,   /* user: a passt a64vm starts */
	VIRTIO_NET_STREAM, /* stream=PATH: a passt (or QEMU-style peer) already there */
	VIRTIO_NET_VHOST_USER, /* vhost-user=PATH: a vhost-user-net daemon already there */
};

/* user's vhost-user=on|off: passt's vhost-user mode where it has one, or always, or never. */
enum virtio_net_vhost_user {
	VIRTIO_NET_VU_AUTO,
	VIRTIO_NET_VU_ON,
	VIRTIO_NET_VU_OFF,
};

/* hostfwd=tcp|udp:[ADDR]:HOSTPORT-:GUESTPORT, as QEMU spells it. */
struct virtio_net_forward {
	bool udp;
	char addr[46]; /* INET6_ADDRSTRLEN; 127.0.0.1 unless given */
	uint16_t host_port, guest_port;
};

/*
 * --net tap=NAME[,mac=MAC][,transport=T]
 * --net user[,hostfwd=...]...[,mac=MAC][,transport=T]
 * --net stream=PATH[,mac=MAC][,transport=T]
 */
struct virtio_net_options {
	enum virtio_net_link link;
	char tap[16]; /* IFNAMSIZ */
	char path[VIRTIO_NET_PATH_MAX];
	struct virtio_net_forward fwd[VIRTIO_NET_MAX_FORWARDS];
	unsigned nfwd;
	uint8_t mac[6];
	enum virtio_net_vhost_user vhost_user;
	enum config_transport transport;
};

/* --net's value -> out (QEMU's MAC unless given); 0 or -EINVAL. */
int virtio_net_parse_options(const char *s, struct virtio_net_options *out);
/* The options the kind owns on the command line (--net). */
extern const struct config_option virtio_net_cli[];

/* Where frames come from and go: a tap, or a test's fake. */
struct virtio_net_backend {
	/* One frame, header first, into buf: its length, or <= 0 for none. */
	ssize_t (*recv)(void *ctx, uint8_t *buf, size_t cap);
	void (*send)(void *ctx, const struct iovec *iov, unsigned n);
	/* Whether the device wants to hear of waiting frames (it has buffers). */
	void (*want_frames)(void *ctx, bool on);
	/* Whether partial checksums may reach the guest (GUEST_CSUM). */
	void (*set_csum)(void *ctx, bool on);
};

struct virtio_net {
	uint8_t mac[6];
	bool tx_csum; /* the backend takes partial checksums (CSUM is offered) */
	/* A vhost-user daemon serves the queues, offering these (device bits). */
	bool vhost;
	uint64_t vhost_offers;
	const struct virtio_net_backend *be;
	void *be_ctx;
	bool csum; /* what set_csum last said */
	size_t rx_len; /* a received frame waiting for buffers, or 0 */
	uint8_t rx_frame[VIRTIO_NET_MAX_FRAME];
};

/*
 * What the device offers: CSUM only with a backend that takes partial
 * checksums; with a vhost-user daemon, MAC and STATUS (a64vm's) and of
 * the daemon's offloads those in VIRTIO_NET_VHOST_OFFLOADS.
 */
uint64_t virtio_net_features(const struct virtio_net *n);
void virtio_net_config_read(const struct virtio_net *n, uint32_t off, uint8_t *data,
			    unsigned len);

/*
 * Puts one received frame (header first) into the receive queue: 1 when it
 * is delivered (or dropped for buffers too small to ever hold it), 0 when
 * there are not enough buffers yet (nothing is taken), -EINVAL when the
 * queue is broken (req->error says why).
 */
int virtio_net_receive(struct virtq *q, const struct guest_mem *mem, bool mergeable,
		       struct virtq_req *req, const uint8_t *frame, size_t len);

/*
 * Frames wait at the backend: moves them into receive buffers until
 * either runs out. Without buffers a frame waits, and the device stops
 * listening for more until the driver posts buffers.
 */
void virtio_net_frames_ready(struct virtio_net *n, struct virtio_core *t);

/* The kind's transport ops; dev is a struct virtio_net. */
extern const struct virtio_core_ops virtio_net_ops;

#endif
