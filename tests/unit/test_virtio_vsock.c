/* virtio-vsock: the configuration, and what a64vm does without its backend. */
#include <string.h>

#include "a64vm/virtio_vsock.h"
#include "unit.h"
#include "virtq_fixture.h"

static struct virtio_core t;
static struct virtio_vsock vs;

static void test_config(void)
{
	uint64_t lo = 0, hi = 0, v = 0;

	memset(&vs, 0, sizeof(vs));
	vs.cid = 0x123456789ull; /* past 32 bits: both halves matter */
	vs.features = 1ull << 1; /* SEQPACKET, as the backend offers it */
	fx_transport(&t, &virtio_vsock_ops, &vs, 1);
	CU_ASSERT_TRUE(virtio_core_config_access(&t, 0, &lo, 4, false));
	CU_ASSERT_TRUE(virtio_core_config_access(&t, 4, &hi, 4, false));
	CU_ASSERT_EQUAL(lo, 0x23456789u);
	CU_ASSERT_EQUAL(hi, 1);
	CU_ASSERT_TRUE(virtio_core_config_access(&t, 0, &v, 8, false));
	CU_ASSERT_EQUAL(v, 0x123456789ull);
	CU_ASSERT_FALSE(virtio_core_config_access(&t, 8, &v, 4, false));
	CU_ASSERT_EQUAL(virtio_core_offered(&t) & (1ull << 1), 1ull << 1);
	CU_ASSERT_EQUAL(virtio_vsock_ops.device_id, 19);
	CU_ASSERT_EQUAL(virtio_vsock_ops.nqueues, 3);
}

/* A packet on tx with no backend: used with nothing written, counted. */
static void test_tx_dropped(void)
{
	memset(&vs, 0, sizeof(vs));
	fx_transport(&t, &virtio_vsock_ops, &vs, 1);
	fx_put_desc(FX_DESC, 0, FX_BUF, 44, 0, 0); /* a header alone */
	fx_offer(0);
	virtio_core_service(&t, 1);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used_len(0), 0);
	CU_ASSERT_EQUAL(vs.dropped, 1);
	CU_ASSERT_FALSE(t.status & VIRTIO_STATUS_NEEDS_RESET);
}

/* Buffers on rx and event are kept for the device, never used empty. */
static void test_receive_buffers_kept(void)
{
	for (unsigned q = 0; q <= 2; q += 2) {
		memset(&vs, 0, sizeof(vs));
		fx_transport(&t, &virtio_vsock_ops, &vs, q);
		fx_put_desc(FX_DESC, 0, FX_BUF, 4096, VIRTQ_DESC_F_WRITE, 0);
		fx_offer(0);
		virtio_core_service(&t, q);
		CU_ASSERT_EQUAL(fx_used16(2), 0);
		CU_ASSERT_EQUAL(vs.dropped, 0);
	}
}

/* After a restore: a 4-byte TRANSPORT_RESET event (id 0) in the guest's buffer. */
static void test_transport_reset(void)
{
	uint8_t *buf = (uint8_t *)fx_mem.hva + (FX_BUF - FX_RAM);

	memset(&vs, 0, sizeof(vs));
	fx_transport(&t, &virtio_vsock_ops, &vs, VIRTIO_VSOCK_QUEUE_EVENT);
	CU_ASSERT_FALSE(virtio_vsock_transport_reset(&vs, &t)); /* no buffer posted */
	CU_ASSERT_EQUAL(fx_used16(2), 0);
	memset(buf, 0xff, 8);
	fx_put_desc(FX_DESC, 0, FX_BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	fx_offer(0);
	CU_ASSERT_TRUE(virtio_vsock_transport_reset(&vs, &t));
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used_len(0), 4);
	CU_ASSERT_EQUAL(buf[0] | buf[1] | buf[2] | buf[3], 0);
	CU_ASSERT_EQUAL(buf[4], 0xff);
	CU_ASSERT_FALSE(t.status & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_options(void)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t cid;
		enum config_transport transport;
		const char *uds;
	} cases[] = {
		{ "cid=3,uds=/tmp/v", 0, 3, 0, "/tmp/v" },
		{ "uds=v.sock,cid=9,transport=mmio", 0, 9, CONFIG_TRANSPORT_MMIO, "v.sock" },
		{ "cid=3", 0, 3 }, { "cid=4294967294", 0, 4294967294ull },
		{ "cid=42,transport=mmio", 0, 42, CONFIG_TRANSPORT_MMIO },
		{ "transport=pci,cid=7", 0, 7, CONFIG_TRANSPORT_PCI },
		{ "cid=2", -EINVAL }, { "cid=0", -EINVAL }, { "cid=4294967295", -EINVAL },
		{ "cid=99999999999999999999", -EINVAL }, { "cid=", -EINVAL },
		{ "cid=-3", -EINVAL }, { "cid=+3", -EINVAL }, { "cid=3x", -EINVAL },
		{ "cid= 3", -EINVAL }, { "", -EINVAL }, { "transport=pci", -EINVAL },
		{ "cid=3,", -EINVAL }, { "cid=3,uds=", -EINVAL },
		{ "uds=/tmp/v", -EINVAL }, /* a CID is needed either way */
		{ "cid=3,uds=/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -EINVAL }, /* 96 bytes: PATH_PORT would not fit */
		{ "cid=3,uds=/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, 3, 0, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
	};
	struct virtio_vsock_options o;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(virtio_vsock_parse_options(cases[i].s, &o), cases[i].ret);
		if (cases[i].ret)
			continue;
		CU_ASSERT_EQUAL(o.cid, cases[i].cid);
		CU_ASSERT_EQUAL(o.transport, cases[i].transport);
		CU_ASSERT_STRING_EQUAL(o.uds, cases[i].uds ? cases[i].uds : "");
	}
}

static int refuse(void *ctx, uint32_t port)
{
	(void)ctx;
	(void)port;
	return -ECONNREFUSED;
}

/*
 * With a64vm's own backend: a request on tx reaches it; what it owes the
 * guest goes into rx's buffers, one packet a buffer, header first.
 */
static void test_own_backend(void)
{
	static struct virtio_vsock v;
	uint8_t hdr[VSOCK_HDR_LEN];
	struct vsock_hdr h = { .src_cid = 5, .dst_cid = 2, .src_port = 1000, .dst_port = 80,
			       .type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_REQUEST };

	memset(&v, 0, sizeof(v));
	v.cid = 5;
	CU_ASSERT_EQUAL_FATAL(vsock_mux_create(5, -1, refuse, NULL, &v.mux), 0);
	fx_transport(&t, &virtio_vsock_ops, &v, 1);
	vsock_hdr_encode(&h, hdr);
	memcpy((uint8_t *)fx_mem.hva + (FX_BUF - FX_RAM), hdr, sizeof(hdr));
	fx_put_desc(FX_DESC, 0, FX_BUF, sizeof(hdr), 0, 0);
	fx_offer(0);
	virtio_core_service(&t, 1);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	/* Now rx: two buffers offered, one answer (an RST: nothing listens). */
	fx_transport(&t, &virtio_vsock_ops, &v, 0);
	fx_put_desc(FX_DESC, 0, FX_BUF, 4096, VIRTQ_DESC_F_WRITE, 0);
	fx_put_desc(FX_DESC, 1, FX_BUF + 4096, 4096, VIRTQ_DESC_F_WRITE, 0);
	fx_offer(0);
	fx_offer(1);
	virtio_core_service(&t, 0);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used_len(0), VSOCK_HDR_LEN);
	vsock_hdr_decode((uint8_t *)fx_mem.hva + (FX_BUF - FX_RAM), &h);
	CU_ASSERT_EQUAL(h.op, VSOCK_OP_RST);
	CU_ASSERT_EQUAL(h.dst_cid, 5);
	CU_ASSERT_EQUAL(h.dst_port, 1000);
	CU_ASSERT_EQUAL(h.src_port, 80);
	vsock_mux_destroy(v.mux);
}

const char unit_suite_name[] = "virtio_vsock";
const struct unit_test unit_tests[] = {
	{ "the guest's CID and the backend's features", test_config },
	{ "tx without a backend: dropped, used", test_tx_dropped },
	{ "rx and event buffers kept", test_receive_buffers_kept },
	{ "a restore's transport reset event", test_transport_reset },
	{ "--vsock's value", test_options },
	{ "a64vm's own backend on the queues", test_own_backend },
	{ NULL, NULL },
};
