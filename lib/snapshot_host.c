#include "a64vm/snapshot_host.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#ifndef A64VM_VERSION
#define A64VM_VERSION "unknown"
#endif

#define HOST_TAG SNAPSHOT_TAG('H', 'O', 'S', 'T')

void snapshot_host_put(struct snapshot_writer *sw, const struct snapshot_host *h)
{
	const uint32_t words[] = { h->ncpus, h->features, h->sve_vq, h->gic, h->its, h->nr_irqs };

	snapshot_writer_begin(sw, HOST_TAG, 0);
	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		snapshot_put_u32(sw, words[i]);
	snapshot_put_u64(sw, h->mem_size);
	snapshot_put_u64(sw, h->memory_ino);
	snapshot_put_u64(sw, h->memory_size);
	snapshot_put_blob(sw, A64VM_VERSION, (uint32_t)strlen(A64VM_VERSION));
}

int snapshot_host_get(const struct snapshot_index *ix, struct snapshot_host *h)
{
	const struct snapshot_section *s = snapshot_find(ix, HOST_TAG, 0);
	struct snapshot_cursor c;
	uint32_t *words[] = { &h->ncpus, &h->features, &h->sve_vq, &h->gic, &h->its, &h->nr_irqs };
	uint32_t len;

	if (!s)
		return -EINVAL;
	snapshot_cursor_init(&c, s);
	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		*words[i] = snapshot_get_u32(&c);
	h->mem_size = snapshot_get_u64(&c);
	h->memory_ino = snapshot_get_u64(&c);
	h->memory_size = snapshot_get_u64(&c);
	snapshot_get_blob(&c, &len);
	return snapshot_cursor_done(&c) && !c.bad ? 0 : -EINVAL;
}

int snapshot_host_compare(const struct snapshot_host *s, const struct snapshot_host *h,
			  char *err, size_t errlen)
{
	static const char *const feature[] = { "PMU", "SVE", "pointer authentication", "MTE" };

	if (s->ncpus != h->ncpus || s->mem_size != h->mem_size) {
		snprintf(err, errlen, "its VM has %" PRIu32 " vCPUs and %" PRIu64 " MiB, this one %"
			 PRIu32 " and %" PRIu64, s->ncpus, s->mem_size >> 20, h->ncpus,
			 h->mem_size >> 20);
		return -EINVAL;
	}
	for (unsigned i = 0; i < 4; i++)
		if ((s->features ^ h->features) & 1u << i) {
			snprintf(err, errlen, "its vCPUs %s %s and this host's %s (another host, "
				 "or other --cpu-features)", s->features & 1u << i ? "have" : "lack",
				 feature[i], h->features & 1u << i ? "have it" : "do not");
			return -EINVAL;
		}
	if (s->sve_vq != h->sve_vq) {
		snprintf(err, errlen, "its SVE vectors are %" PRIu32 " bits, this host's %" PRIu32,
			 s->sve_vq * 128, h->sve_vq * 128);
		return -EINVAL;
	}
	if (s->gic != h->gic || s->nr_irqs != h->nr_irqs) {
		snprintf(err, errlen, "its GIC is a v%" PRIu32 " with %" PRIu32 " interrupts, this "
			 "one a v%" PRIu32 " with %" PRIu32, s->gic, s->nr_irqs, h->gic, h->nr_irqs);
		return -EINVAL;
	}
	return 0; /* the ITS: gic_state_restore, which finds its section or not */
}
