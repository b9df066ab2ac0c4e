/* The split virtqueue against well-formed and hostile descriptor tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/virtqueue.h"
#include "unit.h"

#define RAM 0x40000000ull
#define RAM_SIZE (1u << 20)
#define DESC (RAM + 0x1000)
#define AVAIL (RAM + 0x2000)
#define USED (RAM + 0x3000)
#define BUF (RAM + 0x10000)
#define QSIZE 16

static struct guest_mem mem;
static struct virtq q;
static struct virtq_req req;

static void put_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t raw[16];

	memcpy(raw, &addr, 8);
	memcpy(raw + 8, &len, 4);
	memcpy(raw + 12, &flags, 2);
	memcpy(raw + 14, &next, 2);
	memory_write(&mem, table + 16ull * i, raw, 16);
}

static uint16_t avail_idx;

static void offer(uint16_t head)
{
	memory_write(&mem, AVAIL + 4 + 2ull * (avail_idx % QSIZE), &head, 2);
	avail_idx++;
	memory_write(&mem, AVAIL + 2, &avail_idx, 2);
}

static void setup(void)
{
	if (!mem.hva)
		memory_init(&mem, RAM, RAM_SIZE);
	memset(mem.hva, 0, RAM_SIZE);
	memset(&q, 0, sizeof(q));
	q.num = QSIZE;
	q.desc = DESC;
	q.avail = AVAIL;
	q.used = USED;
	q.indirect = true;
	q.ready = true;
	avail_idx = 0;
}

static uint16_t used16(uint64_t off)
{
	uint16_t v;

	memory_read(&mem, USED + off, &v, 2);
	return v;
}

static void test_layout(void)
{
	setup();
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &mem), 0);
	q.num = 12;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &mem), -EINVAL);
	q.num = 512;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &mem), -EINVAL);
	q.num = 0;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &mem), -EINVAL);
	q.num = QSIZE;
	q.desc = DESC + 8;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &mem), -EINVAL);
	q.desc = RAM + RAM_SIZE - 16;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &mem), -EINVAL);
	q.desc = 0x1000;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &mem), -EINVAL);
	q.desc = DESC;
	q.used = 0xfffffffffffffff0ull;
	CU_ASSERT_EQUAL(virtq_check_layout(&q, &mem), -EINVAL);
}

static void test_well_formed(void)
{
	uint8_t hdr[16], data[600];

	setup();
	/* a block-style request: header (r), data (w), status (w) */
	put_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	put_desc(DESC, 5, BUF + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 9);
	put_desc(DESC, 9, BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	memset(mem.hva + (BUF - RAM), 0xab, 16);
	CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), 0); /* nothing offered */
	offer(0);
	CU_ASSERT_EQUAL_FATAL(virtq_pop(&q, &mem, &req), 1);
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
	CU_ASSERT_EQUAL(mem.hva[BUF + 0x400 - RAM], 0x5a);
	CU_ASSERT_EQUAL(virtq_copy_to(&req, 512, data, 1), 1);
	CU_ASSERT_EQUAL(virtq_copy_to(&req, 513, data, 1), 0);
	CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), 0);
	virtq_push(&q, &mem, 0, 513);
	CU_ASSERT_EQUAL(used16(2), 1);
	CU_ASSERT_EQUAL(used16(4), 0);
	CU_ASSERT_TRUE(virtq_should_notify(&q, &mem));
	CU_ASSERT_FALSE(virtq_should_notify(&q, &mem)); /* nothing new */
	/* the avail index wraps at 2^16 */
	q.last_avail = avail_idx = 0xffff;
	offer(9);
	CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), 1);
	CU_ASSERT_EQUAL(req.head, 9);
	CU_ASSERT_EQUAL(q.last_avail, 0);
}

static void test_indirect(void)
{
	uint64_t table = BUF + 0x1000;

	setup();
	put_desc(table, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	put_desc(table, 1, BUF + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	put_desc(table, 2, BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	put_desc(DESC, 3, table, 48, VIRTQ_DESC_F_INDIRECT, 0);
	offer(3);
	CU_ASSERT_EQUAL_FATAL(virtq_pop(&q, &mem, &req), 1);
	CU_ASSERT_EQUAL(req.head, 3);
	CU_ASSERT_EQUAL(req.nout, 1);
	CU_ASSERT_EQUAL(req.nin, 2);
	/* not negotiated */
	q.indirect = false;
	offer(3);
	CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), -EINVAL);
}

struct hostile {
	const char *what;
	void (*build)(void);
	const char *error;
};

static void loop_chain(void)
{
	put_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	put_desc(DESC, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
}

static void self_loop(void)
{
	put_desc(DESC, 4, BUF, 16, VIRTQ_DESC_F_NEXT, 4);
	offer(4);
}

static void next_out_of_range(void)
{
	put_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, QSIZE);
	offer(0);
}

static void head_out_of_range(void)
{
	offer(QSIZE + 3);
}

static void addr_outside_ram(void)
{
	put_desc(DESC, 0, 0x1000, 16, 0, 0);
	offer(0);
}

static void addr_past_ram(void)
{
	put_desc(DESC, 0, RAM + RAM_SIZE - 8, 16, 0, 0);
	offer(0);
}

static void length_overflow(void)
{
	put_desc(DESC, 0, 0xfffffffffffff000ull, 0x2000, 0, 0);
	offer(0);
}

static void huge_length(void)
{
	put_desc(DESC, 0, BUF, 0xffffffffu, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
}

static void readable_after_writable(void)
{
	put_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	put_desc(DESC, 1, BUF, 16, 0, 0);
	offer(0);
}

static void nested_indirect(void)
{
	uint64_t t1 = BUF + 0x1000, t2 = BUF + 0x2000;

	put_desc(t2, 0, BUF, 16, 0, 0);
	put_desc(t1, 0, t2, 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(DESC, 0, t1, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void indirect_with_next(void)
{
	put_desc(BUF + 0x1000, 0, BUF, 16, 0, 0);
	put_desc(DESC, 0, BUF + 0x1000, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	offer(0);
}

static void indirect_bad_length(void)
{
	put_desc(DESC, 0, BUF + 0x1000, 24, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void indirect_zero_length(void)
{
	put_desc(DESC, 0, BUF + 0x1000, 0, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void indirect_outside_ram(void)
{
	put_desc(DESC, 0, RAM + RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void indirect_loop(void)
{
	uint64_t t = BUF + 0x1000;

	put_desc(t, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	put_desc(t, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	put_desc(DESC, 0, t, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void indirect_too_long(void)
{
	put_desc(DESC, 0, BUF, 16 * (VIRTQ_MAX_IOV + 1), VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void avail_runs_ahead(void)
{
	avail_idx = QSIZE + 1;
	memory_write(&mem, AVAIL + 2, &avail_idx, 2);
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
};

static void test_hostile(void)
{
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		setup();
		hostile[i].build();
		CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(req.error);
		if (!strstr(req.error, hostile[i].error))
			CU_FAIL(hostile[i].what);
	}
}

static void test_zero_length_and_many_segments(void)
{
	uint64_t t = BUF + 0x1000;

	setup();
	/* zero-length buffers are skipped, wherever they point */
	put_desc(DESC, 0, 0, 0, VIRTQ_DESC_F_NEXT, 1);
	put_desc(DESC, 1, BUF, 8, 0, 0);
	offer(0);
	CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), 1);
	CU_ASSERT_EQUAL(req.nout, 1);
	/* the largest indirect table is accepted, segment for segment */
	for (unsigned i = 0; i < VIRTQ_MAX_IOV; i++)
		put_desc(t, i, BUF, 1, i + 1 < VIRTQ_MAX_IOV ? VIRTQ_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	put_desc(DESC, 2, t, 16 * VIRTQ_MAX_IOV, VIRTQ_DESC_F_INDIRECT, 0);
	offer(2);
	CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), 1);
	CU_ASSERT_EQUAL(req.nout, VIRTQ_MAX_IOV);
}

static void test_event_idx(void)
{
	uint16_t ev;

	setup();
	q.event_idx = true;
	put_desc(DESC, 0, BUF, 8, 0, 0);
	offer(0);
	offer(0);
	CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), 1);
	/* avail_event tells the driver how far the device has read */
	CU_ASSERT_EQUAL(used16(4 + 8 * QSIZE), 1);
	CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), 1);
	CU_ASSERT_EQUAL(used16(4 + 8 * QSIZE), 2);
	/* used_event = 1: interrupt once the used index passes 1 */
	ev = 1;
	memory_write(&mem, AVAIL + 4 + 2 * QSIZE, &ev, 2);
	virtq_push(&q, &mem, 0, 0);
	CU_ASSERT_FALSE(virtq_should_notify(&q, &mem));
	virtq_push(&q, &mem, 0, 0);
	CU_ASSERT_TRUE(virtq_should_notify(&q, &mem));
	/* without event index: the NO_INTERRUPT flag */
	setup();
	put_desc(DESC, 0, BUF, 8, 0, 0);
	offer(0);
	virtq_pop(&q, &mem, &req);
	ev = 1;
	memory_write(&mem, AVAIL, &ev, 2);
	virtq_push(&q, &mem, 0, 0);
	CU_ASSERT_FALSE(virtq_should_notify(&q, &mem));
	/* a queue not ready gives nothing */
	q.ready = false;
	offer(0);
	CU_ASSERT_EQUAL(virtq_pop(&q, &mem, &req), 0);
}

const char unit_suite_name[] = "virtqueue";
const struct unit_test unit_tests[] = {
	{ "ring layout checks", test_layout },
	{ "a well-formed chain, copies, wrap", test_well_formed },
	{ "indirect descriptors", test_indirect },
	{ "hostile descriptors", test_hostile },
	{ "zero-length buffers, the longest request", test_zero_length_and_many_segments },
	{ "event index and notification suppression", test_event_idx },
	{ NULL, NULL },
};
