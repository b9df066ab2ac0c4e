/* passt's stream framing: frames in pieces, several at once, bad lengths. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/net_stream_proto.h"
#include "unit.h"

static struct net_stream_rx rx;

/* A frame of len bytes, each its index plus seed, framed, into out. */
static size_t framed(size_t len, uint8_t seed, uint8_t *out)
{
	net_stream_header(len, out);
	for (size_t i = 0; i < len; i++)
		out[NET_STREAM_LEN_SIZE + i] = (uint8_t)(i + seed);
	return NET_STREAM_LEN_SIZE + len;
}

/* Feeds bytes in pieces of at most step, as a socket might give them. */
static void feed(const uint8_t *bytes, size_t n, size_t step)
{
	while (n) {
		uint8_t *at;
		size_t room = net_stream_rx_space(&rx, &at), k = n < step ? n : step;

		CU_ASSERT_FATAL(room >= k);
		memcpy(at, bytes, k);
		net_stream_rx_filled(&rx, k);
		bytes += k;
		n -= k;
	}
}

static bool frame_is(size_t want, uint8_t seed)
{
	const uint8_t *f;
	size_t len;

	if (net_stream_rx_next(&rx, &f, &len) != 1 || len != want)
		return false;
	for (size_t i = 0; i < len; i++)
		if (f[i] != (uint8_t)(i + seed))
			return false;
	return true;
}

static void test_header_is_big_endian(void)
{
	uint8_t h[4];

	net_stream_header(0x0102, h);
	CU_ASSERT_EQUAL(memcmp(h, "\x00\x00\x01\x02", 4), 0);
	net_stream_header(NET_STREAM_MAX_FRAME, h);
	CU_ASSERT_EQUAL(memcmp(h, "\x00\x01\x00\x0d", 4), 0);
}

static void test_frames_in_pieces(void)
{
	static const size_t steps[] = { 1, 3, 4, 5, 61, 1500, NET_STREAM_RX_BUF };
	static uint8_t bytes[3 * (NET_STREAM_LEN_SIZE + NET_STREAM_MAX_FRAME)];

	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		size_t n = framed(60, 1, bytes);
		const uint8_t *f;
		size_t len;

		net_stream_rx_init(&rx);
		n += framed(NET_STREAM_MAX_FRAME, 2, bytes + n);
		n += framed(NET_STREAM_MIN_FRAME, 3, bytes + n);
		/* Everything but the last byte: two frames out, the third waits. */
		feed(bytes, n - 1, steps[s]);
		CU_ASSERT(frame_is(60, 1));
		CU_ASSERT(frame_is(NET_STREAM_MAX_FRAME, 2));
		CU_ASSERT_EQUAL(net_stream_rx_next(&rx, &f, &len), 0);
		feed(bytes + n - 1, 1, 1);
		CU_ASSERT(frame_is(NET_STREAM_MIN_FRAME, 3));
		CU_ASSERT_EQUAL(net_stream_rx_next(&rx, &f, &len), 0);
	}
}

/* The largest frame fits beside the unread part of the one before. */
static void test_room_for_the_largest_frame(void)
{
	uint8_t *at;
	static uint8_t bytes[NET_STREAM_LEN_SIZE + NET_STREAM_MAX_FRAME];
	size_t n = framed(NET_STREAM_MAX_FRAME, 7, bytes);

	net_stream_rx_init(&rx);
	feed(bytes, n, n);
	feed(bytes, n - 1, n); /* the next one but its last byte */
	CU_ASSERT(frame_is(NET_STREAM_MAX_FRAME, 7));
	CU_ASSERT(net_stream_rx_space(&rx, &at) >= 1 + NET_STREAM_LEN_SIZE + NET_STREAM_MAX_FRAME);
}

static void test_lengths_no_frame_has(void)
{
	static const uint8_t bad[][4] = { { 0, 0, 0, 0 }, { 0, 0, 0, 13 }, { 0, 1, 0, 14 },
					  { 0xff, 0xff, 0xff, 0xff }, { 0x80, 0, 0, 60 } };
	const uint8_t *f;
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		net_stream_rx_init(&rx);
		feed(bad[i], 3, 3);
		CU_ASSERT_EQUAL(net_stream_rx_next(&rx, &f, &len), 0); /* not yet known */
		feed(bad[i] + 3, 1, 1);
		CU_ASSERT_EQUAL(net_stream_rx_next(&rx, &f, &len), -EMSGSIZE);
		CU_ASSERT_EQUAL(len, (size_t)bad[i][0] << 24 | (size_t)bad[i][1] << 16 |
				     (size_t)bad[i][2] << 8 | bad[i][3]);
	}
}

const char unit_suite_name[] = "net_stream_proto";
const struct unit_test unit_tests[] = {
	{ "the length is 4 bytes big-endian", test_header_is_big_endian },
	{ "frames in pieces and several at once", test_frames_in_pieces },
	{ "room for the largest frame", test_room_for_the_largest_frame },
	{ "lengths no Ethernet frame has", test_lengths_no_frame_has },
	{ NULL, NULL },
};
