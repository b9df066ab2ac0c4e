#include "a64vm/net_stream_proto.h"

#include <errno.h>
#include <string.h>

void net_stream_rx_init(struct net_stream_rx *r)
{
	r->start = r->end = 0;
}

size_t net_stream_rx_space(struct net_stream_rx *r, uint8_t **at)
{
	/* Bytes already taken out make room at the front. */
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	*at = r->buf + r->end;
	return sizeof(r->buf) - r->end;
}

void net_stream_rx_filled(struct net_stream_rx *r, size_t n)
{
	r->end += n;
}

int net_stream_rx_next(struct net_stream_rx *r, const uint8_t **frame, size_t *len)
{
	const uint8_t *p = r->buf + r->start;
	size_t have = r->end - r->start;

	if (have < NET_STREAM_LEN_SIZE)
		return 0;
	*len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	if (*len < NET_STREAM_MIN_FRAME || *len > NET_STREAM_MAX_FRAME)
		return -EMSGSIZE;
	if (have < NET_STREAM_LEN_SIZE + *len)
		return 0;
	*frame = p + NET_STREAM_LEN_SIZE;
	r->start += NET_STREAM_LEN_SIZE + *len;
	return 1;
}

void net_stream_header(size_t len, uint8_t out[NET_STREAM_LEN_SIZE])
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}
