#include <stdio.h>
#include <string.h>

#include "a64vm/gdb_rsp.h"
#include "unit.h"

static struct gdb_rsp_reader reader;

/* Feeds a string; returns the last event that was not NONE. */
static enum gdb_rsp_event feed(const char *s, size_t len)
{
	enum gdb_rsp_event last = GDB_RSP_NONE;

	for (size_t i = 0; i < len; i++) {
		enum gdb_rsp_event e = gdb_rsp_feed(&reader, (uint8_t)s[i]);

		if (e != GDB_RSP_NONE)
			last = e;
	}
	return last;
}

#define FEED(s) feed(s, sizeof(s) - 1)

static void test_packets_and_acks(void)
{
	gdb_rsp_reader_init(&reader);
	CU_ASSERT_EQUAL(FEED("$g#67"), GDB_RSP_PACKET);
	CU_ASSERT_STRING_EQUAL((char *)reader.payload, "g");
	CU_ASSERT_EQUAL(FEED("+"), GDB_RSP_ACK);
	CU_ASSERT_EQUAL(FEED("-"), GDB_RSP_NAK);
	CU_ASSERT_EQUAL(FEED("\x03"), GDB_RSP_INTERRUPT);
	CU_ASSERT_EQUAL(FEED("$qSupported:multiprocess+#c6"), GDB_RSP_PACKET);
	CU_ASSERT_STRING_EQUAL((char *)reader.payload, "qSupported:multiprocess+");
	CU_ASSERT_EQUAL(FEED("$#00"), GDB_RSP_PACKET); /* empty packet */
	CU_ASSERT_EQUAL(reader.len, 0);
	/* 0x03 inside a packet is data, not an interrupt */
	CU_ASSERT_EQUAL(feed("$\x03#03", 5), GDB_RSP_PACKET);
	CU_ASSERT_EQUAL(reader.payload[0], 3);
}

static void test_bad_input(void)
{
	gdb_rsp_reader_init(&reader);
	CU_ASSERT_EQUAL(FEED("$g#66"), GDB_RSP_BAD_PACKET);
	CU_ASSERT_EQUAL(FEED("$g#zz"), GDB_RSP_BAD_PACKET);
	/* noise between packets is ignored; a new '$' starts over */
	CU_ASSERT_EQUAL(FEED("garbage$m0,4$g#67"), GDB_RSP_PACKET);
	CU_ASSERT_STRING_EQUAL((char *)reader.payload, "g");
	/* a run with nothing before it, or a count that is framing */
	CU_ASSERT_EQUAL(FEED("$*\"#4c"), GDB_RSP_BAD_PACKET);
	CU_ASSERT_EQUAL(FEED("$0*##"), GDB_RSP_NONE); /* '#' ends the body early */
	gdb_rsp_reader_init(&reader);
	/* overlong: refused, and the next packet still works */
	{
		static char big[GDB_RSP_MAX_PACKET + 16];

		memset(big, 'a', sizeof(big));
		big[0] = '$';
		memcpy(big + sizeof(big) - 3, "#00", 3);
		CU_ASSERT_EQUAL(feed(big, sizeof(big)), GDB_RSP_OVERFLOW);
		CU_ASSERT(reader.len <= GDB_RSP_MAX_PACKET);
	}
	CU_ASSERT_EQUAL(FEED("$g#67"), GDB_RSP_PACKET);
}

static void test_run_length(void)
{
	uint8_t raw[] = "$0* #00";
	uint8_t sum = 0;

	/* '0' then '*' ' ': three more '0's */
	for (int i = 1; i < 4; i++)
		sum = (uint8_t)(sum + raw[i]);
	snprintf((char *)raw + 5, 3, "%02x", sum);
	gdb_rsp_reader_init(&reader);
	CU_ASSERT_EQUAL(feed((char *)raw, 7), GDB_RSP_PACKET);
	CU_ASSERT_STRING_EQUAL((char *)reader.payload, "0000");
}

/* Every byte value survives framing and reading back. */
static void test_frame_round_trip(void)
{
	uint8_t payload[256], framed[1024];
	size_t n;

	for (int i = 0; i < 256; i++)
		payload[i] = (uint8_t)i;
	n = gdb_rsp_frame(payload, sizeof(payload), framed, sizeof(framed));
	CU_ASSERT_FATAL(n > 256);
	CU_ASSERT_PTR_NULL(memchr(framed + 1, '$', n - 1)); /* escaped */
	CU_ASSERT_EQUAL(framed[n - 3], '#');
	gdb_rsp_reader_init(&reader);
	CU_ASSERT_EQUAL(feed((char *)framed, n), GDB_RSP_PACKET);
	CU_ASSERT_EQUAL(reader.len, 256);
	CU_ASSERT_EQUAL(memcmp(reader.payload, payload, 256), 0);
	CU_ASSERT_EQUAL(gdb_rsp_frame(payload, 10, framed, 12), 0); /* no room */
	n = gdb_rsp_frame((const uint8_t *)"OK", 2, framed, sizeof(framed));
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_EQUAL(memcmp(framed, "$OK#9a", 6), 0);
}

static void test_hex(void)
{
	uint8_t bytes[4];
	char hex[16];
	uint64_t v;

	CU_ASSERT_EQUAL(gdb_hex_to_bytes("deadBEEF", 8, bytes, sizeof(bytes)), 4);
	CU_ASSERT_EQUAL(bytes[0], 0xde);
	CU_ASSERT_EQUAL(bytes[3], 0xef);
	CU_ASSERT_EQUAL(gdb_hex_to_bytes("abc", 3, bytes, sizeof(bytes)), -1);
	CU_ASSERT_EQUAL(gdb_hex_to_bytes("zz", 2, bytes, sizeof(bytes)), -1);
	CU_ASSERT_EQUAL(gdb_hex_to_bytes("0011223344", 10, bytes, sizeof(bytes)), -1);
	CU_ASSERT_EQUAL(gdb_bytes_to_hex(bytes, 4, hex, sizeof(hex)), 8);
	CU_ASSERT_STRING_EQUAL(hex, "deadbeef");
	CU_ASSERT_EQUAL(gdb_bytes_to_hex(bytes, 4, hex, 8), 0);
	CU_ASSERT_TRUE(gdb_hex_to_u64("ffff000012345678", 16, &v));
	CU_ASSERT_EQUAL(v, 0xffff000012345678ull);
	CU_ASSERT_FALSE(gdb_hex_to_u64("10000000000000000", 17, &v));
	CU_ASSERT_FALSE(gdb_hex_to_u64("", 0, &v));
	CU_ASSERT_FALSE(gdb_hex_to_u64("12g4", 4, &v));
}

const char unit_suite_name[] = "gdb_rsp";
const struct unit_test unit_tests[] = {
	{ "packets, acks and interrupts", test_packets_and_acks },
	{ "bad checksums, noise, overflow", test_bad_input },
	{ "run-length decoding", test_run_length },
	{ "framing round trip of every byte", test_frame_round_trip },
	{ "hex helpers", test_hex },
	{ NULL, NULL },
};
