/*
 * A vhost-user daemon's record of the requests it holds, as libvhost-user
 * (qemu-storage-daemon) keeps it: the heads still in flight, in the order
 * taken, without the last batch already in the used ring.
 */
#include <string.h>

#include "a64vm/vhost_inflight.h"
#include "unit.h"

#define NUM 8
static uint8_t rec[VHOST_INFLIGHT_HDR + VHOST_INFLIGHT_DESC * NUM];

static void header(uint16_t version, uint16_t last_batch, uint16_t used_idx)
{
	memset(rec, 0, sizeof(rec));
	memcpy(rec + 8, &version, 2);
	memcpy(rec + 10, &(uint16_t){ NUM }, 2);
	memcpy(rec + 12, &last_batch, 2);
	memcpy(rec + 14, &used_idx, 2);
}

static void held(uint16_t head, uint64_t counter)
{
	uint8_t *d = rec + VHOST_INFLIGHT_HDR + VHOST_INFLIGHT_DESC * head;

	d[0] = 1;
	memcpy(d + 8, &counter, 8);
}

static void test_heads_in_order(void)
{
	uint16_t heads[NUM];

	header(1, 0, 40);
	held(5, 12);
	held(2, 10);
	held(7, 11);
	CU_ASSERT_EQUAL_FATAL(vhost_inflight_heads(rec, sizeof(rec), NUM, 40, NUM, heads), 3);
	CU_ASSERT_EQUAL(heads[0], 2);
	CU_ASSERT_EQUAL(heads[1], 7);
	CU_ASSERT_EQUAL(heads[2], 5);
}

/* Pushed to the used ring, its flag not yet cleared: the ring's index is ahead. */
static void test_last_batch_answered(void)
{
	uint16_t heads[NUM];

	header(1, 7, 40);
	held(2, 10);
	held(7, 11);
	CU_ASSERT_EQUAL_FATAL(vhost_inflight_heads(rec, sizeof(rec), NUM, 41, NUM, heads), 1);
	CU_ASSERT_EQUAL(heads[0], 2);
	/* Indexes equal: the record is current, both are held. */
	CU_ASSERT_EQUAL(vhost_inflight_heads(rec, sizeof(rec), NUM, 40, NUM, heads), 2);
}

static void test_nothing_known(void)
{
	uint16_t heads[NUM];

	header(0, 0, 0); /* never started on this record */
	held(3, 1);
	CU_ASSERT_EQUAL(vhost_inflight_heads(rec, sizeof(rec), NUM, 0, NUM, heads), 0);
	header(1, 0, 0);
	held(3, 1);
	/* A record shorter than the queue needs. */
	CU_ASSERT_EQUAL(vhost_inflight_heads(rec, sizeof(rec) - 1, NUM, 0, NUM, heads), 0);
	/* Never more than the rings say can be outstanding. */
	held(4, 2);
	CU_ASSERT_EQUAL(vhost_inflight_heads(rec, sizeof(rec), NUM, 0, 1, heads), 1);
	CU_ASSERT_EQUAL(heads[0], 3);
	/* A flag that is not 1 (a daemon's garbage) is not a held request. */
	rec[VHOST_INFLIGHT_HDR + VHOST_INFLIGHT_DESC * 4] = 2;
	CU_ASSERT_EQUAL(vhost_inflight_heads(rec, sizeof(rec), NUM, 0, NUM, heads), 1);
}

const char unit_suite_name[] = "vhost_inflight";
const struct unit_test unit_tests[] = {
	{ "held heads, in the order taken", test_heads_in_order },
	{ "the last batch, already answered", test_last_batch_answered },
	{ "nothing known, bounds", test_nothing_known },
	{ NULL, NULL },
};
