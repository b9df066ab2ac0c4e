/*
 * The vhost-user protocol's messages (QEMU's docs/interop/vhost-user.rst),
 * as the frontend writes requests and checks the backend's replies. A
 * backend is a separate, less trusted process: a reply of the wrong
 * request, size, version or flags, or one that carries descriptors, is
 * refused with a reason. Pure: the socket and its SCM_RIGHTS are the
 * caller's.
 */
#ifndef A64VM_VHOST_USER_PROTO_H
#define A64VM_VHOST_USER_PROTO_H

#include <stddef.h>
#include <stdint.h>

enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_GET_INFLIGHT_FD = 31,
	VHOST_USER_SET_INFLIGHT_FD = 32,
};

#define VHOST_USER_F_PROTOCOL_FEATURES 30 /* a feature bit */
#define VHOST_USER_PROTOCOL_F_MQ 0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_PROTOCOL_F_CONFIG 9
#define VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD 12

#define VHOST_USER_VERSION 1
#define VHOST_USER_FLAG_REPLY 0x4
#define VHOST_USER_FLAG_NEED_REPLY 0x8
#define VHOST_USER_HDR_SIZE 12
#define VHOST_USER_MAX_REGIONS 8
#define VHOST_USER_MAX_FDS 8
#define VHOST_USER_CONFIG_HDR 12
#define VHOST_USER_MAX_CONFIG 256
/* SET_VRING_KICK/CALL: no descriptor goes with it (polling). */
#define VHOST_USER_VRING_NOFD 0x100

struct vhost_user_region {
	uint64_t guest_addr, size, user_addr, mmap_offset;
};

struct vhost_user_vring_addr {
	uint32_t index, flags;
	uint64_t desc, used, avail, log;
};

/* The largest payload: a memory table of 8 regions, or a whole configuration. */
#define VHOST_USER_MEM_PAYLOAD (8 + VHOST_USER_MAX_REGIONS * sizeof(struct vhost_user_region))
#define VHOST_USER_CONFIG_PAYLOAD (VHOST_USER_CONFIG_HDR + VHOST_USER_MAX_CONFIG)
#define VHOST_USER_MAX_PAYLOAD (VHOST_USER_MEM_PAYLOAD > VHOST_USER_CONFIG_PAYLOAD \
				? VHOST_USER_MEM_PAYLOAD : VHOST_USER_CONFIG_PAYLOAD)

struct vhost_user_msg {
	uint32_t request, flags, size;
	uint8_t payload[VHOST_USER_MAX_PAYLOAD];
};

/* A request with no payload, a u64's, or a vring state's (index, num). */
void vhost_user_request(struct vhost_user_msg *m, enum vhost_user_request req,
			int need_reply);
void vhost_user_request_u64(struct vhost_user_msg *m, enum vhost_user_request req,
			    uint64_t v, int need_reply);
void vhost_user_request_state(struct vhost_user_msg *m, enum vhost_user_request req,
			      uint32_t index, uint32_t num, int need_reply);
void vhost_user_request_addr(struct vhost_user_msg *m, const struct vhost_user_vring_addr *a,
			     int need_reply);
/* The memory table: n regions (at most VHOST_USER_MAX_REGIONS); -EINVAL. */
int vhost_user_request_mem(struct vhost_user_msg *m, const struct vhost_user_region *r,
			   unsigned n, int need_reply);
/* GET_CONFIG for size bytes at offset (size at most VHOST_USER_MAX_CONFIG). */
int vhost_user_request_config(struct vhost_user_msg *m, uint32_t offset, uint32_t size);

/*
 * GET_INFLIGHT_FD (size and offset 0) or SET_INFLIGHT_FD (the region the
 * reply named): the in-flight record of nqueues queues of qsize entries.
 */
#define VHOST_USER_INFLIGHT_PAYLOAD 24
void vhost_user_request_inflight(struct vhost_user_msg *m, enum vhost_user_request req,
				 uint64_t size, uint64_t offset, uint16_t nqueues,
				 uint16_t qsize);

/* The bytes to send: the header and the payload. */
static inline size_t vhost_user_len(const struct vhost_user_msg *m)
{
	return VHOST_USER_HDR_SIZE + m->size;
}

/* What a reply must carry. */
enum vhost_user_reply {
	VHOST_USER_REPLY_U64,	 /* features, queue count, REPLY_ACK's status */
	VHOST_USER_REPLY_STATE,	 /* GET_VRING_BASE: index and num */
	VHOST_USER_REPLY_CONFIG, /* GET_CONFIG: the header and the bytes asked for */
	VHOST_USER_REPLY_INFLIGHT, /* GET_INFLIGHT_FD: the region, with its one descriptor */
};

/*
 * Checks len received bytes (nfds descriptors came with them) as the reply
 * to req, of the kind want. 0 with *out filled, or -EPROTO with why set
 * to a phrase naming what was wrong.
 */
int vhost_user_check_reply(const struct vhost_user_msg *req, enum vhost_user_reply want,
			   const uint8_t *buf, size_t len, unsigned nfds,
			   struct vhost_user_msg *out, const char **why);

/* A reply's u64, a vring state's num, the config bytes (after its header), or a region. */
uint64_t vhost_user_reply_u64(const struct vhost_user_msg *m);
uint32_t vhost_user_reply_num(const struct vhost_user_msg *m);
const uint8_t *vhost_user_reply_config(const struct vhost_user_msg *m, uint32_t *size);
void vhost_user_reply_inflight(const struct vhost_user_msg *m, uint64_t *size, uint64_t *offset);

/* The request's name, for messages ("SET_MEM_TABLE"); "?" when unknown. */
const char *vhost_user_request_name(uint32_t req);

#endif
