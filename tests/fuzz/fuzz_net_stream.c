/*
 * passt's stream framing: any bytes from the daemon, read in pieces of any
 * size. Every frame taken out has a length a frame may have and lies
 * inside the bytes given; a bad length ends the stream.
 */
#include <string.h>

#include "a64vm/net_stream_proto.h"
#include "fuzz.h"

static struct net_stream_rx rx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	size_t step = 1 + fuzz_take(&in, 2), taken = 0;

	net_stream_rx_init(&rx);
	while (in.left) {
		const uint8_t *frame;
		uint8_t *at;
		size_t len, room = net_stream_rx_space(&rx, &at);
		size_t n = in.left < step ? in.left : step;
		int ret;

		FUZZ_CHECK(room > 0);
		n = n < room ? n : room;
		memcpy(at, in.p, n);
		net_stream_rx_filled(&rx, n);
		in.p += n;
		in.left -= n;
		while ((ret = net_stream_rx_next(&rx, &frame, &len)) == 1) {
			FUZZ_CHECK(len >= NET_STREAM_MIN_FRAME && len <= NET_STREAM_MAX_FRAME);
			FUZZ_CHECK(frame >= rx.buf && frame + len <= rx.buf + sizeof(rx.buf));
			taken += NET_STREAM_LEN_SIZE + len;
			FUZZ_CHECK(taken <= size);
		}
		if (ret < 0)
			return 0; /* the stream ends here */
	}
	return 0;
}
