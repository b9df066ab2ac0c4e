/* virtio-net's receive path: frames into mergeable and plain buffers. */
#include <errno.h>
#include <string.h>

#include "a64vm/virtio_net.h"
#include "unit.h"
#include "virtq_fixture.h"

static struct virtq q;
static struct virtq_req req;
static uint8_t frame[3000];

static void setup(unsigned nbufs, uint32_t size)
{
	fx_setup(&q);
	for (unsigned i = 0; i < nbufs; i++) {
		fx_put_desc(FX_DESC, i, FX_BUF + 0x1000ull * i, size, VIRTQ_DESC_F_WRITE, 0);
		fx_offer((uint16_t)i);
	}
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 13);
	memset(frame, 0, VIRTIO_NET_HDR_LEN);
}

static uint32_t used_len(unsigned i)
{
	uint32_t v;

	memory_read(&fx_mem, FX_USED + 4 + 8ull * i + 4, &v, 4);
	return v;
}

static const uint8_t *buf(unsigned i)
{
	return fx_mem.hva + (FX_BUF - FX_RAM) + 0x1000ull * i;
}

static void test_mergeable(void)
{
	setup(4, 1024);
	/* 3000 bytes over three 1 KiB buffers; num_buffers = 3 */
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, true, &req, frame, 3000), 1);
	CU_ASSERT_EQUAL(fx_used16(2), 3);
	CU_ASSERT_EQUAL(used_len(0), 1024);
	CU_ASSERT_EQUAL(used_len(2), 3000 - 2048);
	CU_ASSERT_EQUAL(buf(0)[10], 3);
	CU_ASSERT_EQUAL(buf(0)[11], 0);
	CU_ASSERT_EQUAL(memcmp(buf(1), frame + 1024, 1024), 0);
	CU_ASSERT_EQUAL(memcmp(buf(2), frame + 2048, 3000 - 2048), 0);
	/* one buffer left: the next frame waits, nothing is taken */
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, true, &req, frame, 3000), 0);
	CU_ASSERT_EQUAL(q.last_avail, 3);
	CU_ASSERT_EQUAL(fx_used16(2), 3);
	/* a small one fits */
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, true, &req, frame, 60), 1);
	CU_ASSERT_EQUAL(buf(3)[10], 1);
	CU_ASSERT_EQUAL(used_len(3), 60);
}

static void test_plain_buffers(void)
{
	setup(2, 1024);
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, false, &req, frame, 1000), 1);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(used_len(0), 1000);
	/* too big for one buffer without merging: dropped, buffer returned empty */
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, false, &req, frame, 3000), 1);
	CU_ASSERT_EQUAL(fx_used16(2), 2);
	CU_ASSERT_EQUAL(used_len(1), 0);
	/* no buffers at all */
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, false, &req, frame, 100), 0);
	/* shorter than a header: not a frame */
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, false, &req, frame, 5), 1);
}

static void test_hostile_buffers(void)
{
	/* a first buffer that cannot hold the header breaks the queue */
	setup(1, 8);
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, true, &req, frame, 100), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(req.error);
	/* a read-only buffer offered for receiving */
	setup(0, 0);
	fx_put_desc(FX_DESC, 0, FX_BUF, 1024, 0, 0);
	fx_offer(0);
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, true, &req, frame, 100), -EINVAL);
	/* a buffer outside RAM */
	setup(0, 0);
	fx_put_desc(FX_DESC, 0, 0x1000, 1024, VIRTQ_DESC_F_WRITE, 0);
	fx_offer(0);
	CU_ASSERT_EQUAL(virtio_net_receive(&q, &fx_mem, true, &req, frame, 100), -EINVAL);
}

static void test_config(void)
{
	struct virtio_net n = { { 0x52, 0x54, 0, 1, 2, 3 } };
	uint8_t cfg[8];

	virtio_net_config_read(&n, 0, cfg, 8);
	CU_ASSERT_EQUAL(memcmp(cfg, n.mac, 6), 0);
	CU_ASSERT_EQUAL(cfg[6], 1); /* link up */
	CU_ASSERT_TRUE(virtio_net_features() & VIRTIO_NET_F_MRG_RXBUF);
}

/* A fake backend: frames to deliver, and what the device said to it. */
static struct fake_be {
	unsigned frames; /* waiting */
	size_t frame_len;
	bool want, csum;
	unsigned sent, sent_bytes;
} be;

static ssize_t be_recv(void *ctx, uint8_t *b, size_t cap)
{
	(void)ctx;
	if (!be.frames)
		return -1;
	be.frames--;
	memcpy(b, frame, be.frame_len < cap ? be.frame_len : cap);
	return (ssize_t)be.frame_len;
}

static void be_send(void *ctx, const struct iovec *iov, unsigned n)
{
	(void)ctx;
	be.sent++;
	for (unsigned i = 0; i < n; i++)
		be.sent_bytes += (unsigned)iov[i].iov_len;
}

static void be_want(void *ctx, bool on)
{
	(void)ctx;
	be.want = on;
}

static void be_csum(void *ctx, bool on)
{
	(void)ctx;
	be.csum = on;
}

static const struct virtio_net_backend fake_backend = {
	be_recv, be_send, be_want, be_csum,
};

static void test_device_receive(void)
{
	static struct virtio_net n = { .be = &fake_backend };
	static struct virtio_core t;

	setup(0, 0);
	fx_transport(&t, &virtio_net_ops, &n, VIRTIO_NET_RX);
	t.driver_features = VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_GUEST_CSUM;
	for (unsigned i = 0; i < 2; i++) {
		fx_put_desc(FX_DESC, i, FX_BUF + 0x1000ull * i, 2048, VIRTQ_DESC_F_WRITE, 0);
		fx_offer((uint16_t)i);
	}
	be = (struct fake_be){ .frames = 3, .frame_len = 1500 };
	/* two buffers, three frames: two delivered, one waits in the device */
	virtio_core_service(&t, VIRTIO_NET_RX);
	CU_ASSERT_EQUAL(fx_used16(2), 2);
	CU_ASSERT_EQUAL(fx_used_len(1), 1500);
	CU_ASSERT_EQUAL(be.frames, 0);
	CU_ASSERT_EQUAL(n.rx_len, 1500);
	CU_ASSERT_FALSE(be.want); /* no buffers: stop listening */
	CU_ASSERT_TRUE(be.csum);
	/* a buffer comes: the waiting frame goes, the device listens again */
	fx_put_desc(FX_DESC, 2, FX_BUF + 0x2000, 2048, VIRTQ_DESC_F_WRITE, 0);
	fx_offer(2);
	virtio_core_service(&t, VIRTIO_NET_RX);
	CU_ASSERT_EQUAL(fx_used16(2), 3);
	CU_ASSERT_EQUAL(n.rx_len, 0);
	CU_ASSERT_TRUE(be.want);
}

static void test_device_transmit(void)
{
	static struct virtio_net n = { .be = &fake_backend };
	static struct virtio_core t;

	setup(0, 0);
	fx_transport(&t, &virtio_net_ops, &n, VIRTIO_NET_TX);
	be = (struct fake_be){ 0 };
	fx_put_desc(FX_DESC, 0, FX_BUF, VIRTIO_NET_HDR_LEN, VIRTQ_DESC_F_NEXT, 1);
	fx_put_desc(FX_DESC, 1, FX_BUF + 0x1000, 60, 0, 0);
	fx_offer(0);
	virtio_core_service(&t, VIRTIO_NET_TX);
	CU_ASSERT_EQUAL(be.sent, 1);
	CU_ASSERT_EQUAL(be.sent_bytes, VIRTIO_NET_HDR_LEN + 60);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
}

/* --net's value: what each item sets, and what is refused. */
static void test_options(void)
{
	static const char *const bad[] = {
		"tap", "tap=", "tun=x", "tap=0123456789abcdef", "tap=a/b", "tap=x,mac=",
		"tap=x,mac=52:54:00:12:34", "tap=x,mac=52:54:00:12:34:567",
		"tap=x,mac=53:54:00:12:34:56", "tap=x,mac=zz:54:00:12:34:56", "tap=x,ro",
	};
	struct virtio_net_options n;

	CU_ASSERT_EQUAL_FATAL(virtio_net_parse_options("tap=tap0", &n), 0);
	CU_ASSERT_STRING_EQUAL(n.tap, "tap0");
	CU_ASSERT_EQUAL(memcmp(n.mac, "\x52\x54\x00\x12\x34\x56", 6), 0);
	CU_ASSERT_EQUAL_FATAL(virtio_net_parse_options("tap=t,mac=02:a6:4B:00:ff:10", &n), 0);
	CU_ASSERT_EQUAL(memcmp(n.mac, "\x02\xa6\x4b\x00\xff\x10", 6), 0);
	CU_ASSERT_EQUAL(virtio_net_parse_options("tap=0123456789abcde", &n), 0); /* 15 */
	CU_ASSERT_EQUAL_FATAL(virtio_net_parse_options("tap=t,transport=pci,mac=02:00:00:00:00:01", &n), 0);
	CU_ASSERT_EQUAL(n.transport, CONFIG_TRANSPORT_PCI);
	CU_ASSERT_EQUAL(n.mac[5], 1);
	CU_ASSERT_EQUAL(virtio_net_parse_options("tap=t,transport=isa", &n), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (virtio_net_parse_options(bad[i], &n) != -EINVAL)
			CU_FAIL(bad[i]);
}

const char unit_suite_name[] = "virtio_net";
const struct unit_test unit_tests[] = {
	{ "mergeable receive buffers", test_mergeable },
	{ "one buffer per frame", test_plain_buffers },
	{ "hostile receive buffers", test_hostile_buffers },
	{ "configuration space", test_config },
	{ "the device: frames from its backend", test_device_receive },
	{ "the device: frames to its backend", test_device_transmit },
	{ "--net's value", test_options },
	{ NULL, NULL },
};
