/* virtio-net's receive path: frames into mergeable and plain buffers. */
#include <errno.h>
#include <stdio.h>
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
	CU_ASSERT_TRUE(virtio_net_features(&n) & VIRTIO_NET_F_MRG_RXBUF);
	/* Partial checksums are sent only to a backend that takes them (a tap). */
	CU_ASSERT_FALSE(virtio_net_features(&n) & VIRTIO_NET_F_CSUM);
	n.tx_csum = true;
	CU_ASSERT_TRUE(virtio_net_features(&n) & VIRTIO_NET_F_CSUM);
	CU_ASSERT_TRUE(virtio_net_features(&n) & VIRTIO_NET_F_GUEST_CSUM);
}

/* With a vhost-user daemon: a64vm's MAC and STATUS, and what of its offers a64vm can carry. */
static void test_vhost_features(void)
{
	struct virtio_net n = { .vhost = true };

	/* passt's: VERSION_1 and MRG_RXBUF (the device bits only reach here). */
	n.vhost_offers = VIRTIO_NET_F_MRG_RXBUF;
	CU_ASSERT_EQUAL(virtio_net_features(&n),
			VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_MRG_RXBUF);
	/* Checksums and segmentation pass; MTU (3), CTRL_VQ (17), MQ (22) would need more. */
	n.vhost_offers = VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | (1ull << 3) |
			 (1ull << 11) | (1ull << 17) | (1ull << 22);
	CU_ASSERT_EQUAL(virtio_net_features(&n), VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS |
			VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | (1ull << 11));
	n.tx_csum = true; /* the tap's, which does not count here */
	n.vhost_offers = 0;
	CU_ASSERT_FALSE(virtio_net_features(&n) & VIRTIO_NET_F_CSUM);
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
		"users", "stream=", "tap=x,hostfwd=tcp::2222-:22", "stream=/s,hostfwd=tcp::1-:2",
		"user,hostfwd=", "user,hostfwd=tcp::2222-:0", "user,hostfwd=tcp::0-:22",
		"user,hostfwd=tcp::65536-:22", "user,hostfwd=tcp::2222-10.0.2.15:22",
		"user,hostfwd=sctp::2222-:22", "user,hostfwd=tcp::2222:22",
		"user,hostfwd=tcp:1.2.3:2222-:22", "user,hostfwd=tcp:::1:2222-:22",
		"user,hostfwd=tcp:[1.2.3.4]:2222-:22", "user,hostfwd=tcp::22a-:22",
		"user,hostfwd=tcp::2222-:", "user,hostfwd=tcp:2222-:22", "user,hostfwd=:80-:8080",
		"vhost-user=", "vhost-user", "user,vhost-user=", "user,vhost-user=yes",
		"user,vhost-user=o", "user,vhost-user=onn", "stream=/s,vhost-user=on",
		"tap=t,vhost-user=off", "vhost-user=/s,vhost-user=on",
		"vhost-user=/s,hostfwd=tcp::1-:2",
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
	CU_ASSERT_EQUAL_FATAL(virtio_net_parse_options("user", &n), 0);
	CU_ASSERT_EQUAL(n.link, VIRTIO_NET_USER);
	CU_ASSERT_EQUAL(n.nfwd, 0);
	CU_ASSERT_EQUAL_FATAL(virtio_net_parse_options("user,hostfwd=tcp::2222-:22,"
		"hostfwd=udp:0.0.0.0:5353-:53,hostfwd=::80-:8080,hostfwd=tcp:[::1]:2223-:22,"
		"mac=02:00:00:00:00:02,transport=mmio", &n), 0);
	CU_ASSERT_EQUAL_FATAL(n.nfwd, 4);
	CU_ASSERT_FALSE(n.fwd[0].udp);
	CU_ASSERT_STRING_EQUAL(n.fwd[0].addr, "127.0.0.1"); /* not every address */
	CU_ASSERT_EQUAL(n.fwd[0].host_port, 2222);
	CU_ASSERT_EQUAL(n.fwd[0].guest_port, 22);
	CU_ASSERT_TRUE(n.fwd[1].udp);
	CU_ASSERT_STRING_EQUAL(n.fwd[1].addr, "0.0.0.0");
	CU_ASSERT_EQUAL(n.fwd[1].guest_port, 53);
	CU_ASSERT_FALSE(n.fwd[2].udp);
	CU_ASSERT_EQUAL(n.fwd[2].host_port, 80);
	CU_ASSERT_STRING_EQUAL(n.fwd[3].addr, "::1");
	CU_ASSERT_EQUAL(n.mac[5], 2);
	CU_ASSERT_EQUAL(n.transport, CONFIG_TRANSPORT_MMIO);
	CU_ASSERT_EQUAL_FATAL(virtio_net_parse_options("stream=/run/user/1000/passt.sock", &n), 0);
	CU_ASSERT_EQUAL(n.link, VIRTIO_NET_STREAM);
	CU_ASSERT_STRING_EQUAL(n.path, "/run/user/1000/passt.sock");
	CU_ASSERT_EQUAL(n.vhost_user, VIRTIO_NET_VU_AUTO);
	CU_ASSERT_EQUAL_FATAL(virtio_net_parse_options("vhost-user=/tmp/vu.sock,mac=02:00:00:00:00:03,"
						       "transport=pci", &n), 0);
	CU_ASSERT_EQUAL(n.link, VIRTIO_NET_VHOST_USER);
	CU_ASSERT_STRING_EQUAL(n.path, "/tmp/vu.sock");
	CU_ASSERT_EQUAL(n.mac[5], 3);
	CU_ASSERT_EQUAL_FATAL(virtio_net_parse_options("user,vhost-user=off,hostfwd=tcp::2222-:22",
						       &n), 0);
	CU_ASSERT_EQUAL(n.vhost_user, VIRTIO_NET_VU_OFF);
	CU_ASSERT_EQUAL(n.nfwd, 1);
	CU_ASSERT_EQUAL_FATAL(virtio_net_parse_options("user,vhost-user=on", &n), 0);
	CU_ASSERT_EQUAL(n.vhost_user, VIRTIO_NET_VU_ON);
	{
		char many[1024] = "user";

		for (int i = 0; i < VIRTIO_NET_MAX_FORWARDS; i++)
			sprintf(many + strlen(many), ",hostfwd=tcp::%d-:22", 2000 + i);
		CU_ASSERT_EQUAL(virtio_net_parse_options(many, &n), 0);
		strcat(many, ",hostfwd=tcp::3000-:22");
		CU_ASSERT_EQUAL(virtio_net_parse_options(many, &n), -EINVAL);
	}
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
	{ "features with a vhost-user daemon", test_vhost_features },
	{ "the device: frames from its backend", test_device_receive },
	{ "the device: frames to its backend", test_device_transmit },
	{ "--net's value", test_options },
	{ NULL, NULL },
};
