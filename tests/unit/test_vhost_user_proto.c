/* vhost-user messages: requests as the spec lays them out, hostile replies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/vhost_user_proto.h"
#include "unit.h"

static uint8_t buf[512];

/* A reply to req as a backend would send it: header, then payload. */
static size_t reply(uint32_t request, uint32_t flags, const void *payload, uint32_t size)
{
	memcpy(buf, &request, 4);
	memcpy(buf + 4, &flags, 4);
	memcpy(buf + 8, &size, 4);
	memcpy(buf + 12, payload, size);
	return 12 + size;
}

static void test_requests(void)
{
	struct vhost_user_msg m;
	struct vhost_user_region r[2] = { { 0x40000000, 1 << 20, 0x7f0000000000, 0 },
					   { 0x80000000, 4096, 0x7f1000000000, 4096 } };
	struct vhost_user_vring_addr a = { .index = 1, .desc = 0x1000, .used = 0x3000,
					   .avail = 0x2000 };
	uint32_t v32;
	uint64_t v64;

	vhost_user_request(&m, VHOST_USER_SET_OWNER, 0);
	CU_ASSERT_EQUAL(m.flags, 1);
	CU_ASSERT_EQUAL(vhost_user_len(&m), 12);
	vhost_user_request_u64(&m, VHOST_USER_SET_FEATURES, 1ull << 32, 1);
	CU_ASSERT_EQUAL(m.flags, 1 | VHOST_USER_FLAG_NEED_REPLY);
	memcpy(&v64, m.payload, 8);
	CU_ASSERT_EQUAL(v64, 1ull << 32);
	vhost_user_request_state(&m, VHOST_USER_SET_VRING_NUM, 1, 256, 0);
	CU_ASSERT_EQUAL(m.size, 8);
	memcpy(&v32, m.payload + 4, 4);
	CU_ASSERT_EQUAL(v32, 256);
	vhost_user_request_addr(&m, &a, 0);
	CU_ASSERT_EQUAL(m.size, 40);
	CU_ASSERT_EQUAL(vhost_user_request_mem(&m, r, 2, 0), 0);
	CU_ASSERT_EQUAL(m.size, 8 + 2 * 32);
	memcpy(&v32, m.payload, 4);
	CU_ASSERT_EQUAL(v32, 2);
	memcpy(&v64, m.payload + 8 + 32 + 24, 8);
	CU_ASSERT_EQUAL(v64, 4096); /* the second region's mmap offset */
	CU_ASSERT_EQUAL(vhost_user_request_mem(&m, r, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(vhost_user_request_mem(&m, r, 9, 0), -EINVAL);
	CU_ASSERT_EQUAL(vhost_user_request_config(&m, 0, 40), 0);
	CU_ASSERT_EQUAL(m.size, 12 + 40);
	CU_ASSERT_EQUAL(vhost_user_request_config(&m, 0, 257), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vhost_user_request_name(VHOST_USER_SET_MEM_TABLE), "SET_MEM_TABLE");
	CU_ASSERT_STRING_EQUAL(vhost_user_request_name(7), "?");
	CU_ASSERT_STRING_EQUAL(vhost_user_request_name(1000), "?");
}

static void test_good_replies(void)
{
	struct vhost_user_msg req, out;
	const char *why = NULL;
	uint64_t features = 1ull << 32 | 1ull << 30;
	uint32_t state[2] = { 1, 17 };
	uint8_t cfg[12 + 8] = { 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 'm', 'y', 't', 'a', 'g' };
	uint32_t size;

	vhost_user_request(&req, VHOST_USER_GET_FEATURES, 0);
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_U64, buf,
					       reply(1, 1 | 4, &features, 8), 0, &out, &why), 0);
	CU_ASSERT_EQUAL(vhost_user_reply_u64(&out), features);
	vhost_user_request_state(&req, VHOST_USER_GET_VRING_BASE, 1, 0, 0);
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_STATE, buf,
					       reply(11, 1 | 4, state, 8), 0, &out, &why), 0);
	CU_ASSERT_EQUAL(vhost_user_reply_num(&out), 17);
	vhost_user_request_config(&req, 0, 8);
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_CONFIG, buf,
					       reply(24, 1 | 4, cfg, 20), 0, &out, &why), 0);
	CU_ASSERT_EQUAL(memcmp(vhost_user_reply_config(&out, &size), "mytag", 5), 0);
	CU_ASSERT_EQUAL(size, 8);
}

static void test_hostile_replies(void)
{
	static const struct {
		uint32_t request, flags, size;
		size_t len_delta; /* bytes the socket gave beyond or short of the header */
		unsigned nfds;
		const char *why;
	} cases[] = {
		{ 1, 5, 8, 0, 1, "descriptors" },
		{ 2, 5, 8, 0, 0, "another request" },
		{ 1, 1, 8, 0, 0, "reply flag" },
		{ 1, 6, 8, 0, 0, "another version" },
		{ 1, 5, 4, 0, 0, "wrong size" },
		{ 1, 5, 4096, 0, 0, "wrong size" },
		{ 1, 5, 8, 3, 0, "wrong size" }, /* more bytes than its size says */
	};
	struct vhost_user_msg req, out;
	uint8_t payload[8] = { 0 };
	const char *why;

	vhost_user_request(&req, VHOST_USER_GET_FEATURES, 0);
	/* shorter than a header */
	why = NULL;
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_U64, buf, 11, 0, &out,
					       &why), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(why && strstr(why, "shorter"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = reply(cases[i].request, cases[i].flags, payload, 8);

		memcpy(buf + 8, &cases[i].size, 4); /* the size it claims */
		why = NULL;
		CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_U64, buf,
						       len + cases[i].len_delta, cases[i].nfds,
						       &out, &why), -EPROTO);
		if (!why || !strstr(why, cases[i].why))
			CU_FAIL(cases[i].why);
	}
	/* a vring state for another queue; configuration for another range */
	vhost_user_request_state(&req, VHOST_USER_GET_VRING_BASE, 1, 0, 0);
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_STATE, buf,
					       reply(11, 5, (uint32_t[]){ 0, 3 }, 8), 0, &out,
					       &why), -EPROTO);
	vhost_user_request_config(&req, 0, 8);
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_CONFIG, buf,
					       reply(24, 5, (uint8_t[20]){ 4, 0, 0, 0, 8 }, 20),
					       0, &out, &why), -EPROTO);
}

/*
 * The largest configuration a request may ask for fits its message (it once
 * overran it by 4 bytes past 252): a heap message of the exact size, so
 * that AddressSanitizer sees a write past it.
 */
static void test_largest_config(void)
{
	struct vhost_user_msg *req = malloc(sizeof(*req)), *out = malloc(sizeof(*out));
	uint8_t *raw = calloc(1, VHOST_USER_HDR_SIZE + 12 + 256);
	const char *why = NULL;
	uint32_t size = 256, hdr[3] = { 24, 5, 12 + 256 };

	CU_ASSERT_FATAL(req && out && raw);
	CU_ASSERT_EQUAL(vhost_user_request_config(req, 0, 256), 0);
	CU_ASSERT(vhost_user_len(req) <= sizeof(*req));
	CU_ASSERT_EQUAL(req->size, 12 + 256);
	memcpy(raw, hdr, sizeof(hdr));
	memcpy(raw + VHOST_USER_HDR_SIZE + 4, &size, 4);
	raw[VHOST_USER_HDR_SIZE + 12 + 255] = 0xa5;
	CU_ASSERT_EQUAL(vhost_user_check_reply(req, VHOST_USER_REPLY_CONFIG, raw,
					       VHOST_USER_HDR_SIZE + 12 + 256, 0, out, &why), 0);
	CU_ASSERT_EQUAL(vhost_user_reply_config(out, &size)[255], 0xa5);
	CU_ASSERT_EQUAL(size, 256);
	free(raw);
	free(out);
	free(req);
}

/* GET_INFLIGHT_FD's reply: its region, with exactly one descriptor, for the queues asked. */
static void test_inflight_reply(void)
{
	struct vhost_user_msg req, out;
	uint8_t payload[24] = { 0 };
	uint64_t size = 8320, offset = 0;
	uint16_t nq = 2, qsize = 256;
	const char *why = NULL;

	vhost_user_request_inflight(&req, VHOST_USER_GET_INFLIGHT_FD, 0, 0, nq, qsize);
	CU_ASSERT_EQUAL(req.size, 24);
	memcpy(payload, &size, 8);
	memcpy(payload + 16, &nq, 2);
	memcpy(payload + 18, &qsize, 2);
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_INFLIGHT, buf,
					       reply(31, 5, payload, 24), 1, &out, &why), 0);
	size = 0;
	vhost_user_reply_inflight(&out, &size, &offset);
	CU_ASSERT_EQUAL(size, 8320);
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_INFLIGHT, buf,
					       reply(31, 5, payload, 24), 0, &out, &why), -EPROTO);
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_INFLIGHT, buf,
					       reply(31, 5, payload, 24), 2, &out, &why), -EPROTO);
	payload[16] = 3; /* other queues */
	CU_ASSERT_EQUAL(vhost_user_check_reply(&req, VHOST_USER_REPLY_INFLIGHT, buf,
					       reply(31, 5, payload, 24), 1, &out, &why), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(why && strstr(why, "other queues"));
	CU_ASSERT_STRING_EQUAL(vhost_user_request_name(VHOST_USER_SET_INFLIGHT_FD),
			       "SET_INFLIGHT_FD");
}

const char unit_suite_name[] = "vhost_user_proto";
const struct unit_test unit_tests[] = {
	{ "GET_INFLIGHT_FD's reply", test_inflight_reply },
	{ "requests as the spec lays them out", test_requests },
	{ "replies a backend should send", test_good_replies },
	{ "hostile replies", test_hostile_replies },
	{ "the largest configuration fits its message", test_largest_config },
	{ NULL, NULL },
};
