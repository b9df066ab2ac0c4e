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

const char unit_suite_name[] = "virtio_net";
const struct unit_test unit_tests[] = {
	{ "mergeable receive buffers", test_mergeable },
	{ "one buffer per frame", test_plain_buffers },
	{ "hostile receive buffers", test_hostile_buffers },
	{ "configuration space", test_config },
	{ NULL, NULL },
};
