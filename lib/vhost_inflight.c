#include "a64vm/vhost_inflight.h"

#include <string.h>

/* Header: features (u64), version, desc_num, last_batch_head, used_idx (u16 each). */
#define VERSION_OFF 8
#define LAST_BATCH_OFF 12
#define USED_IDX_OFF 14
/* Per descriptor: inflight (u8), padding, next (u16), counter (u64). */
#define COUNTER_OFF 8

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint64_t counter(const uint8_t *rec, uint16_t head)
{
	uint64_t v;

	memcpy(&v, rec + VHOST_INFLIGHT_HDR + (size_t)VHOST_INFLIGHT_DESC * head + COUNTER_OFF, 8);
	return v;
}

unsigned vhost_inflight_heads(const uint8_t *rec, size_t len, uint16_t num, uint16_t used_idx,
			      unsigned max, uint16_t *heads)
{
	uint16_t done = num; /* none: every head is a real one */
	unsigned n = 0;

	/* Version 0: the daemon never started the queue on this record. */
	if (len < vhost_inflight_queue_bytes(num) || !get16(rec + VERSION_OFF))
		return 0;
	if (get16(rec + USED_IDX_OFF) != used_idx)
		done = get16(rec + LAST_BATCH_OFF);
	for (uint16_t i = 0; i < num && n < max; i++) {
		unsigned at = n;

		if (rec[VHOST_INFLIGHT_HDR + (size_t)VHOST_INFLIGHT_DESC * i] != 1 || i == done)
			continue;
		/* Kept in the order taken: the daemon's counter. */
		while (at && counter(rec, heads[at - 1]) > counter(rec, i)) {
			heads[at] = heads[at - 1];
			at--;
		}
		heads[at] = i;
		n++;
	}
	return n;
}
