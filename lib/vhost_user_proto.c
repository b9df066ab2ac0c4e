#include "a64vm/vhost_user_proto.h"

#include <errno.h>
#include <string.h>

static void header(struct vhost_user_msg *m, enum vhost_user_request req, uint32_t size,
		   int need_reply)
{
	m->request = req;
	m->flags = VHOST_USER_VERSION | (need_reply ? VHOST_USER_FLAG_NEED_REPLY : 0);
	m->size = size;
}

void vhost_user_request(struct vhost_user_msg *m, enum vhost_user_request req,
			int need_reply)
{
	header(m, req, 0, need_reply);
}

void vhost_user_request_u64(struct vhost_user_msg *m, enum vhost_user_request req,
			    uint64_t v, int need_reply)
{
	header(m, req, sizeof(v), need_reply);
	memcpy(m->payload, &v, sizeof(v));
}

void vhost_user_request_state(struct vhost_user_msg *m, enum vhost_user_request req,
			      uint32_t index, uint32_t num, int need_reply)
{
	header(m, req, 8, need_reply);
	memcpy(m->payload, &index, 4);
	memcpy(m->payload + 4, &num, 4);
}

void vhost_user_request_addr(struct vhost_user_msg *m, const struct vhost_user_vring_addr *a,
			     int need_reply)
{
	header(m, VHOST_USER_SET_VRING_ADDR, sizeof(*a), need_reply);
	memcpy(m->payload, a, sizeof(*a));
}

int vhost_user_request_mem(struct vhost_user_msg *m, const struct vhost_user_region *r,
			   unsigned n, int need_reply)
{
	uint32_t count = n, pad = 0;

	if (!n || n > VHOST_USER_MAX_REGIONS)
		return -EINVAL;
	header(m, VHOST_USER_SET_MEM_TABLE, (uint32_t)(8 + n * sizeof(*r)), need_reply);
	memcpy(m->payload, &count, 4);
	memcpy(m->payload + 4, &pad, 4);
	memcpy(m->payload + 8, r, n * sizeof(*r));
	return 0;
}

int vhost_user_request_config(struct vhost_user_msg *m, uint32_t offset, uint32_t size)
{
	uint32_t flags = 0;

	if (!size || size > VHOST_USER_MAX_CONFIG)
		return -EINVAL;
	header(m, VHOST_USER_GET_CONFIG, VHOST_USER_CONFIG_HDR + size, 0);
	memcpy(m->payload, &offset, 4);
	memcpy(m->payload + 4, &size, 4);
	memcpy(m->payload + 8, &flags, 4);
	memset(m->payload + VHOST_USER_CONFIG_HDR, 0, size);
	return 0;
}

void vhost_user_request_inflight(struct vhost_user_msg *m, enum vhost_user_request req,
				 uint64_t size, uint64_t offset, uint16_t nqueues,
				 uint16_t qsize)
{
	header(m, req, VHOST_USER_INFLIGHT_PAYLOAD, 0);
	memset(m->payload, 0, VHOST_USER_INFLIGHT_PAYLOAD);
	memcpy(m->payload, &size, 8);
	memcpy(m->payload + 8, &offset, 8);
	memcpy(m->payload + 16, &nqueues, 2);
	memcpy(m->payload + 18, &qsize, 2);
}

/* The payload size a reply of kind want to req must have. */
static uint32_t expected_size(const struct vhost_user_msg *req, enum vhost_user_reply want)
{
	switch (want) {
	case VHOST_USER_REPLY_U64: return 8;
	case VHOST_USER_REPLY_STATE: return 8;
	case VHOST_USER_REPLY_INFLIGHT: return VHOST_USER_INFLIGHT_PAYLOAD;
	default: return req->size; /* GET_CONFIG: as asked */
	}
}

static int refuse(const char **why, const char *what)
{
	*why = what;
	return -EPROTO;
}

int vhost_user_check_reply(const struct vhost_user_msg *req, enum vhost_user_reply want,
			   const uint8_t *buf, size_t len, unsigned nfds,
			   struct vhost_user_msg *out, const char **why)
{
	uint32_t size;

	if (want == VHOST_USER_REPLY_INFLIGHT && nfds != 1)
		return refuse(why, "an in-flight region without its one file descriptor");
	if (nfds && want != VHOST_USER_REPLY_INFLIGHT)
		return refuse(why, "a reply that carried file descriptors");
	if (len < VHOST_USER_HDR_SIZE)
		return refuse(why, "a reply shorter than a header");
	memcpy(out, buf, VHOST_USER_HDR_SIZE);
	if (out->request != req->request)
		return refuse(why, "a reply to another request");
	if ((out->flags & 3) != VHOST_USER_VERSION || !(out->flags & VHOST_USER_FLAG_REPLY))
		return refuse(why, "a reply without the reply flag or of another version");
	size = expected_size(req, want);
	if (out->size != size || len != VHOST_USER_HDR_SIZE + (size_t)size)
		return refuse(why, "a reply of the wrong size");
	memcpy(out->payload, buf + VHOST_USER_HDR_SIZE, size);
	if (want == VHOST_USER_REPLY_STATE && memcmp(out->payload, req->payload, 4))
		return refuse(why, "a vring state for another queue");
	if (want == VHOST_USER_REPLY_CONFIG && memcmp(out->payload, req->payload, 8))
		return refuse(why, "configuration bytes for another range");
	if (want == VHOST_USER_REPLY_INFLIGHT && memcmp(out->payload + 16, req->payload + 16, 4))
		return refuse(why, "an in-flight region of other queues");
	return 0;
}

uint64_t vhost_user_reply_u64(const struct vhost_user_msg *m)
{
	uint64_t v;

	memcpy(&v, m->payload, 8);
	return v;
}

uint32_t vhost_user_reply_num(const struct vhost_user_msg *m)
{
	uint32_t v;

	memcpy(&v, m->payload + 4, 4);
	return v;
}

const uint8_t *vhost_user_reply_config(const struct vhost_user_msg *m, uint32_t *size)
{
	memcpy(size, m->payload + 4, 4);
	return m->payload + VHOST_USER_CONFIG_HDR;
}

void vhost_user_reply_inflight(const struct vhost_user_msg *m, uint64_t *size, uint64_t *offset)
{
	memcpy(size, m->payload, 8);
	memcpy(offset, m->payload + 8, 8);
}

const char *vhost_user_request_name(uint32_t req)
{
	static const char *const names[] = {
		[VHOST_USER_GET_FEATURES] = "GET_FEATURES",
		[VHOST_USER_SET_FEATURES] = "SET_FEATURES",
		[VHOST_USER_SET_OWNER] = "SET_OWNER",
		[VHOST_USER_RESET_OWNER] = "RESET_OWNER",
		[VHOST_USER_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VHOST_USER_SET_VRING_NUM] = "SET_VRING_NUM",
		[VHOST_USER_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VHOST_USER_SET_VRING_BASE] = "SET_VRING_BASE",
		[VHOST_USER_GET_VRING_BASE] = "GET_VRING_BASE",
		[VHOST_USER_SET_VRING_KICK] = "SET_VRING_KICK",
		[VHOST_USER_SET_VRING_CALL] = "SET_VRING_CALL",
		[VHOST_USER_SET_VRING_ERR] = "SET_VRING_ERR",
		[VHOST_USER_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VHOST_USER_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VHOST_USER_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VHOST_USER_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VHOST_USER_GET_CONFIG] = "GET_CONFIG",
		[VHOST_USER_SET_CONFIG] = "SET_CONFIG",
		[VHOST_USER_GET_INFLIGHT_FD] = "GET_INFLIGHT_FD",
		[VHOST_USER_SET_INFLIGHT_FD] = "SET_INFLIGHT_FD",
	};

	return req < sizeof(names) / sizeof(names[0]) && names[req] ? names[req] : "?";
}
