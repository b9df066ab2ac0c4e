/* virtio-rng: the driver's buffers filled from the entropy source. */
#include <string.h>

#include "a64vm/virtio_rng.h"
#include "unit.h"
#include "virtq_fixture.h"

static struct virtio_core t;
static size_t give; /* how much the fake source gives per call; -1: fails */
static bool fail_source;

static ssize_t fake_fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	if (fail_source)
		return -1;
	len = len < give ? len : give;
	memset(buf, 0xa5, len);
	return (ssize_t)len;
}

static const struct virtio_rng_backend source = { .fill = fake_fill };
static struct virtio_rng rng = { .be = &source };

static void offer(unsigned nbufs, uint32_t size)
{
	fx_transport(&t, &virtio_rng_ops, &rng, 0);
	/* One chain of nbufs writable buffers. */
	for (unsigned i = 0; i < nbufs; i++) {
		bool more = i + 1 < nbufs;

		fx_put_desc(FX_DESC, i, FX_BUF + 0x1000ull * i, size,
			    (uint16_t)(VIRTQ_DESC_F_WRITE | (more ? VIRTQ_DESC_F_NEXT : 0)),
			    (uint16_t)(more ? i + 1 : 0));
	}
	fx_offer(0);
}

static void test_fills_buffers(void)
{
	give = 1 << 20;
	fail_source = false;
	offer(2, 64);
	virtio_core_service(&t, 0);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used_len(0), 128);
	CU_ASSERT_EQUAL(fx_mem.hva[FX_BUF - FX_RAM + 63], 0xa5);
	CU_ASSERT_EQUAL(fx_mem.hva[FX_BUF - FX_RAM + 0x1000], 0xa5);
}

/* However large the buffers, one request gets at most 64 KiB. */
static void test_bounded(void)
{
	give = 1 << 20;
	fail_source = false;
	offer(3, 48 << 10);
	virtio_core_service(&t, 0);
	CU_ASSERT_EQUAL(fx_used_len(0), 64 << 10);
}

static void test_short_and_failing_source(void)
{
	give = 10; /* the source runs short: the request says what it got */
	fail_source = false;
	offer(2, 64);
	virtio_core_service(&t, 0);
	CU_ASSERT_EQUAL(fx_used_len(0), 10);
	fail_source = true;
	offer(1, 64);
	virtio_core_service(&t, 0);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used_len(0), 0);
	CU_ASSERT_FALSE(t.status & VIRTIO_STATUS_NEEDS_RESET);
}

const char unit_suite_name[] = "virtio_rng";
const struct unit_test unit_tests[] = {
	{ "fills the driver's buffers", test_fills_buffers },
	{ "a short or failing source", test_short_and_failing_source },
	{ "at most 64 KiB a request", test_bounded },
	{ NULL, NULL },
};
