/* The split virtqueue against well-formed and hostile descriptor tables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/virtqueue.h"
#include "unit.h"
#include "virtq_fixture.h"

static struct virtq q;
static struct virtq_req req;

static void setup(void)
{
	fx_setup(&q);
}

static void test_layout(void)
{
	setup();
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &fx_mem), 0);
	q.num = 12;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &fx_mem), -EINVAL);
	q.num = 512;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &fx_mem), -EINVAL);
	q.num = 0;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &fx_mem), -EINVAL);
	q.num = FX_QSIZE;
	q.desc = FX_DESC + 8;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &fx_mem), -EINVAL);
	q.desc = FX_RAM + FX_RAM_SIZE - 16;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &fx_mem), -EINVAL);
	q.desc = 0x1000;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &fx_mem), -EINVAL);
	q.desc = FX_DESC;
	q.used = 0xfffffffffffffff0ull;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &fx_mem), -EINVAL);
}

static void test_well_formed(void)
{
	uint8_t hdr[16], data[600];

	setup();
	/* a block-style request: header (r), data (w), status (w) */
	fx_put_desc(FX_DESC, 0, FX_BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	fx_put_desc(FX_DESC, 5, FX_BUF + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 9);
	fx_put_desc(FX_DESC, 9, FX_BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	memset(fx_mem.hva + (FX_BUF - FX_RAM), 0xab, 16);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 0); /* nothing offered */
	fx_offer(0);
	CU_ASSERT_EQUAL_FATAL(virtq_pop(&q, &fx_mem, &req), 1);
	CU_ASSERT_EQUAL(req.head, 0);
	CU_ASSERT_EQUAL(req.nout, 1);
	CU_ASSERT_EQUAL(req.nin, 2);
	CU_ASSERT_EQUAL(req.out_len, 16);
	CU_ASSERT_EQUAL(req.in_len, 513);
	CU_ASSERT_EQUAL(virtq_copy_from(&req, 0, hdr, sizeof(hdr)), 16);
	CU_ASSERT_EQUAL(hdr[15], 0xab);
	memset(data, 0x5a, sizeof(data));
	/* 513 writable bytes across two segments; more is cut */
	CU_ASSERT_EQUAL(virtq_copy_to(&req, 0, data, sizeof(data)), 513);
	CU_ASSERT_EQUAL(fx_mem.hva[FX_BUF + 0x400 - FX_RAM], 0x5a);
	CU_ASSERT_EQUAL(virtq_copy_to(&req, 512, data, 1), 1);
	/* the same writable bytes as iovecs: a window across both segments */
	{
		struct iovec iov[VIRTQ_MAX_IOV];

		CU_ASSERT_EQUAL(virtq_iovecs(&req, true, 500, 13, iov), 2);
		CU_ASSERT_EQUAL(iov[0].iov_len, 12);
		CU_ASSERT_PTR_EQUAL(iov[0].iov_base, fx_mem.hva + (FX_BUF + 0x100 + 500 - FX_RAM));
		CU_ASSERT_EQUAL(iov[1].iov_len, 1);
		CU_ASSERT_EQUAL(virtq_iovecs(&req, false, 0, 1000, iov), 1);
		CU_ASSERT_EQUAL(iov[0].iov_len, 16);
		CU_ASSERT_EQUAL(virtq_iovecs(&req, true, 513, 10, iov), 0);
	}
	CU_ASSERT_EQUAL(virtq_copy_to(&req, 513, data, 1), 0);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 0);
	virtq_push(&q, &fx_mem, 0, 513);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used16(4), 0);
	CU_ASSERT_TRUE(virtq_should_notify(&q, &fx_mem));
	CU_ASSERT_FALSE(virtq_should_notify(&q, &fx_mem)); /* nothing new */
	/* the avail index wraps at 2^16 */
	q.last_avail = 0xffff;
	fx_set_avail_idx(0xffff);
	fx_offer(9);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 1);
	CU_ASSERT_EQUAL(req.head, 9);
	CU_ASSERT_EQUAL(q.last_avail, 0);
}

static void test_indirect(void)
{
	uint64_t table = FX_BUF + 0x1000;

	setup();
	fx_put_desc(table, 0, FX_BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	fx_put_desc(table, 1, FX_BUF + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	fx_put_desc(table, 2, FX_BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	fx_put_desc(FX_DESC, 3, table, 48, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(3);
	CU_ASSERT_EQUAL_FATAL(virtq_pop(&q, &fx_mem, &req), 1);
	CU_ASSERT_EQUAL(req.head, 3);
	CU_ASSERT_EQUAL(req.nout, 1);
	CU_ASSERT_EQUAL(req.nin, 2);
	/* not negotiated */
	q.indirect = false;
	fx_offer(3);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), -EINVAL);
}

struct hostile {
	const char *what;
	void (*build)(void);
	const char *error;
};

static void loop_chain(void)
{
	fx_put_desc(FX_DESC, 0, FX_BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	fx_put_desc(FX_DESC, 1, FX_BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	fx_offer(0);
}

static void self_loop(void)
{
	fx_put_desc(FX_DESC, 4, FX_BUF, 16, VIRTQ_DESC_F_NEXT, 4);
	fx_offer(4);
}

static void next_out_of_range(void)
{
	fx_put_desc(FX_DESC, 0, FX_BUF, 16, VIRTQ_DESC_F_NEXT, FX_QSIZE);
	fx_offer(0);
}

static void head_out_of_range(void)
{
	fx_offer(FX_QSIZE + 3);
}

static void addr_outside_ram(void)
{
	fx_put_desc(FX_DESC, 0, 0x1000, 16, 0, 0);
	fx_offer(0);
}

static void addr_past_ram(void)
{
	fx_put_desc(FX_DESC, 0, FX_RAM + FX_RAM_SIZE - 8, 16, 0, 0);
	fx_offer(0);
}

static void length_overflow(void)
{
	fx_put_desc(FX_DESC, 0, 0xfffffffffffff000ull, 0x2000, 0, 0);
	fx_offer(0);
}

static void huge_length(void)
{
	fx_put_desc(FX_DESC, 0, FX_BUF, 0xffffffffu, VIRTQ_DESC_F_WRITE, 0);
	fx_offer(0);
}

static void readable_after_writable(void)
{
	fx_put_desc(FX_DESC, 0, FX_BUF, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	fx_put_desc(FX_DESC, 1, FX_BUF, 16, 0, 0);
	fx_offer(0);
}

static void nested_indirect(void)
{
	uint64_t t1 = FX_BUF + 0x1000, t2 = FX_BUF + 0x2000;

	fx_put_desc(t2, 0, FX_BUF, 16, 0, 0);
	fx_put_desc(t1, 0, t2, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_put_desc(FX_DESC, 0, t1, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(0);
}

static void indirect_with_next(void)
{
	fx_put_desc(FX_BUF + 0x1000, 0, FX_BUF, 16, 0, 0);
	fx_put_desc(FX_DESC, 0, FX_BUF + 0x1000, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	fx_offer(0);
}

static void indirect_bad_length(void)
{
	fx_put_desc(FX_DESC, 0, FX_BUF + 0x1000, 24, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(0);
}

static void indirect_zero_length(void)
{
	fx_put_desc(FX_DESC, 0, FX_BUF + 0x1000, 0, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(0);
}

static void indirect_outside_ram(void)
{
	fx_put_desc(FX_DESC, 0, FX_RAM + FX_RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(0);
}

static void indirect_loop(void)
{
	uint64_t t = FX_BUF + 0x1000;

	fx_put_desc(t, 0, FX_BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	fx_put_desc(t, 1, FX_BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	fx_put_desc(FX_DESC, 0, t, 32, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(0);
}

static void indirect_too_long(void)
{
	fx_put_desc(FX_DESC, 0, FX_BUF, 16 * (VIRTQ_MAX_IOV + 1), VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(0);
}

static void avail_runs_ahead(void)
{
	fx_set_avail_idx(FX_QSIZE + 1);
}

/* 1024 descriptors aliasing the same 512 KiB: 512 MiB in one request. */
static void aliasing_over_bound(void)
{
	uint64_t t = FX_BUF + 0x1000;

	for (unsigned i = 0; i < VIRTQ_MAX_IOV; i++)
		fx_put_desc(t, i, FX_RAM, FX_RAM_SIZE / 2,
			    i + 1 < VIRTQ_MAX_IOV ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	fx_put_desc(FX_DESC, 0, t, 16 * VIRTQ_MAX_IOV, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(0);
}

static const struct hostile hostile[] = {
	{ "a two-descriptor loop", loop_chain, "loops" },
	{ "a descriptor pointing at itself", self_loop, "loops" },
	{ "next out of range", next_out_of_range, "out of range" },
	{ "head out of range", head_out_of_range, "head descriptor" },
	{ "a buffer below RAM", addr_outside_ram, "outside guest RAM" },
	{ "a buffer running past RAM", addr_past_ram, "outside guest RAM" },
	{ "address + length overflowing", length_overflow, "outside guest RAM" },
	{ "a 4 GiB buffer", huge_length, "outside guest RAM" },
	{ "readable after writable", readable_after_writable, "readable buffer after" },
	{ "an indirect table in an indirect table", nested_indirect, "inside an indirect" },
	{ "indirect with NEXT", indirect_with_next, "with NEXT" },
	{ "an indirect table of 24 bytes", indirect_bad_length, "bad length" },
	{ "an empty indirect table", indirect_zero_length, "bad length" },
	{ "an indirect table past RAM", indirect_outside_ram, "outside guest RAM" },
	{ "a loop inside an indirect table", indirect_loop, "loops" },
	{ "an indirect table too long", indirect_too_long, "bad length" },
	{ "the avail index running ahead", avail_runs_ahead, "ran ahead" },
	{ "aliasing buffers over 256 MiB", aliasing_over_bound, "more than 256 MiB" },
};

static void test_hostile(void)
{
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		setup();
		hostile[i].build();
		CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(req.error);
		if (!strstr(req.error, hostile[i].error)) {
			fprintf(stderr, "\n%s: refused for %s\n", hostile[i].what, req.error);
			CU_FAIL(hostile[i].what);
		}
	}
}

static void test_zero_length_and_many_segments(void)
{
	uint64_t t = FX_BUF + 0x1000;

	setup();
	/* zero-length buffers are skipped, wherever they point */
	fx_put_desc(FX_DESC, 0, 0, 0, VIRTQ_DESC_F_NEXT, 1);
	fx_put_desc(FX_DESC, 1, FX_BUF, 8, 0, 0);
	fx_offer(0);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 1);
	CU_ASSERT_EQUAL(req.nout, 1);
	/* the largest indirect table is accepted, segment for segment */
	for (unsigned i = 0; i < VIRTQ_MAX_IOV; i++)
		fx_put_desc(t, i, FX_BUF, 1, i + 1 < VIRTQ_MAX_IOV ? VIRTQ_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	fx_put_desc(FX_DESC, 2, t, 16 * VIRTQ_MAX_IOV, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(2);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 1);
	CU_ASSERT_EQUAL(req.nout, VIRTQ_MAX_IOV);
	/* exactly the bound is a request; a byte more is not */
	for (unsigned i = 0; i < 256; i++)
		fx_put_desc(t, i, FX_RAM, FX_RAM_SIZE, i < 255 ? VIRTQ_DESC_F_NEXT : 0,
			    (uint16_t)(i + 1));
	fx_put_desc(FX_DESC, 3, t, 16 * 256, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(3);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 1);
	CU_ASSERT_EQUAL(req.out_len, VIRTQ_MAX_REQ_BYTES);
	fx_put_desc(t, 255, FX_RAM, FX_RAM_SIZE, VIRTQ_DESC_F_NEXT, 256);
	fx_put_desc(t, 256, FX_RAM, 1, 0, 0);
	fx_put_desc(FX_DESC, 4, t, 16 * 257, VIRTQ_DESC_F_INDIRECT, 0);
	fx_offer(4);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), -EINVAL);
}

static void test_event_idx(void)
{
	uint16_t ev;

	setup();
	q.event_idx = true;
	fx_put_desc(FX_DESC, 0, FX_BUF, 8, 0, 0);
	fx_offer(0);
	fx_offer(0);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 1);
	/* avail_event tells the driver how far the device has read */
	CU_ASSERT_EQUAL(fx_used16(4 + 8 * FX_QSIZE), 1);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 1);
	CU_ASSERT_EQUAL(fx_used16(4 + 8 * FX_QSIZE), 2);
	/* used_event = 1: interrupt once the used index passes 1 */
	ev = 1;
	memory_write(&fx_mem, FX_AVAIL + 4 + 2 * FX_QSIZE, &ev, 2);
	virtq_push(&q, &fx_mem, 0, 0);
	CU_ASSERT_FALSE(virtq_should_notify(&q, &fx_mem));
	virtq_push(&q, &fx_mem, 0, 0);
	CU_ASSERT_TRUE(virtq_should_notify(&q, &fx_mem));
	/* without event index: the NO_INTERRUPT flag */
	setup();
	fx_put_desc(FX_DESC, 0, FX_BUF, 8, 0, 0);
	fx_offer(0);
	virtq_pop(&q, &fx_mem, &req);
	ev = 1;
	memory_write(&fx_mem, FX_AVAIL, &ev, 2);
	virtq_push(&q, &fx_mem, 0, 0);
	CU_ASSERT_FALSE(virtq_should_notify(&q, &fx_mem));
	/* a queue not ready gives nothing */
	q.ready = false;
	fx_offer(0);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 0);
}

/* A queue taken over from a daemon: from the indexes as they are now. */
static void test_resume(void)
{
	uint16_t used = 3, ev = 0;

	setup();
	q.event_idx = true;
	fx_put_desc(FX_DESC, 0, FX_BUF, 8, 0, 0);
	for (int i = 0; i < 5; i++)
		fx_offer(0);
	memory_write(&fx_mem, FX_USED + 2, &used, 2);
	memory_write(&fx_mem, FX_USED + 4 + 8 * FX_QSIZE, &ev, 2); /* the daemon's last word */
	virtq_resume(&q, &fx_mem);
	CU_ASSERT_EQUAL(q.last_avail, 5);
	CU_ASSERT_EQUAL(q.used_idx, 3);
	CU_ASSERT_EQUAL(fx_used16(4 + 8 * FX_QSIZE), 5); /* the next request notifies */
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 0);
	fx_offer(0);
	CU_ASSERT_EQUAL(virtq_pop(&q, &fx_mem, &req), 1);
	virtq_push(&q, &fx_mem, req.head, 0);
	CU_ASSERT_EQUAL(fx_used16(2), 4);
}

const char unit_suite_name[] = "virtqueue";
const struct unit_test unit_tests[] = {
	{ "ring layout checks", test_layout },
	{ "a well-formed chain, copies, wrap", test_well_formed },
	{ "indirect descriptors", test_indirect },
	{ "hostile descriptors", test_hostile },
	{ "zero-length buffers, the longest request", test_zero_length_and_many_segments },
	{ "event index and notification suppression", test_event_idx },
	{ "a queue taken over where it stands", test_resume },
	{ NULL, NULL },
};
