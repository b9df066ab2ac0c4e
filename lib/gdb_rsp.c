#include "a64vm/gdb_rsp.h"

#include <string.h>

enum { IDLE, BODY, ESCAPE, RUN, SUM_HI, SUM_LO };

#define RLE_BIAS 29 /* a run's count is the character minus 29 */

void gdb_rsp_reader_init(struct gdb_rsp_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->state = IDLE;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put(struct gdb_rsp_reader *r, uint8_t c)
{
	if (r->len < GDB_RSP_MAX_PACKET)
		r->payload[r->len++] = c;
	else
		r->overflow = true;
}

/* A '$' always starts over: GDB resends whole packets after a NAK. */
static void start(struct gdb_rsp_reader *r)
{
	r->state = BODY;
	r->sum = 0;
	r->len = 0;
	r->overflow = r->bad = false;
}

static enum gdb_rsp_event finish(struct gdb_rsp_reader *r)
{
	r->state = IDLE;
	r->payload[r->len] = '\0';
	if (r->overflow)
		return GDB_RSP_OVERFLOW;
	if (r->bad || r->sum != r->given)
		return GDB_RSP_BAD_PACKET;
	return GDB_RSP_PACKET;
}

enum gdb_rsp_event gdb_rsp_feed(struct gdb_rsp_reader *r, uint8_t c)
{
	int v;

	if (c == '$' && r->state != SUM_HI && r->state != SUM_LO) {
		start(r);
		return GDB_RSP_NONE;
	}
	switch (r->state) {
	case IDLE:
		if (c == 0x03)
			return GDB_RSP_INTERRUPT;
		if (c == '+')
			return GDB_RSP_ACK;
		if (c == '-')
			return GDB_RSP_NAK;
		return GDB_RSP_NONE; /* noise between packets */
	case BODY:
		if (c == '#') {
			r->state = SUM_HI;
			return GDB_RSP_NONE;
		}
		r->sum = (uint8_t)(r->sum + c);
		if (c == '}')
			r->state = ESCAPE;
		else if (c == '*')
			r->state = r->len ? RUN : (r->bad = true, BODY);
		else
			put(r, c);
		return GDB_RSP_NONE;
	case ESCAPE:
		r->sum = (uint8_t)(r->sum + c);
		put(r, c ^ 0x20);
		r->state = BODY;
		return GDB_RSP_NONE;
	case RUN:
		r->sum = (uint8_t)(r->sum + c);
		if (c < RLE_BIAS + 3 || c > 126 || c == '#' || c == '$') {
			r->bad = true; /* counts that would look like framing */
		} else {
			uint8_t prev = r->payload[r->len - 1];

			for (int i = 0; i < c - RLE_BIAS; i++)
				put(r, prev);
		}
		r->state = BODY;
		return GDB_RSP_NONE;
	case SUM_HI:
		v = hexval(c);
		r->bad |= v < 0;
		r->given = (uint8_t)((v < 0 ? 0 : v) << 4);
		r->state = SUM_LO;
		return GDB_RSP_NONE;
	default: /* SUM_LO */
		v = hexval(c);
		r->bad |= v < 0;
		r->given |= (uint8_t)(v < 0 ? 0 : v);
		return finish(r);
	}
}

size_t gdb_rsp_frame(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t sum = 0;
	size_t n = 0;

	if (cap < 4)
		return 0;
	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = payload[i];
		bool esc = c == '#' || c == '$' || c == '}' || c == '*';

		if (n + (esc ? 2 : 1) + 3 > cap)
			return 0;
		if (esc) {
			out[n++] = '}';
			sum = (uint8_t)(sum + '}');
			c ^= 0x20;
		}
		out[n++] = c;
		sum = (uint8_t)(sum + c);
	}
	out[n++] = '#';
	out[n++] = (uint8_t)digits[sum >> 4];
	out[n++] = (uint8_t)digits[sum & 15];
	return n;
}

long gdb_hex_to_bytes(const char *hex, size_t digits, uint8_t *out, size_t cap)
{
	if (digits % 2 || digits / 2 > cap)
		return -1;
	for (size_t i = 0; i < digits / 2; i++) {
		int hi = hexval((uint8_t)hex[2 * i]), lo = hexval((uint8_t)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(digits / 2);
}

size_t gdb_bytes_to_hex(const uint8_t *bytes, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";

	if (cap < 2 * len + 1)
		return 0;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
	return 2 * len;
}

bool gdb_hex_to_u64(const char *hex, size_t digits, uint64_t *out)
{
	uint64_t v = 0;

	if (!digits || digits > 16)
		return false;
	for (size_t i = 0; i < digits; i++) {
		int d = hexval((uint8_t)hex[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}
