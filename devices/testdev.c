#include "a64vm/testdev.h"

#include <errno.h>
#include <stdlib.h>

#include "a64vm/snapshot_file.h"

struct testdev {
	uint8_t scratch[TESTDEV_SCRATCH_SIZE];
	uint64_t reads, writes;
};

static void testdev_reset(void *opaque)
{
	struct testdev *dev = opaque;

	for (unsigned i = 0; i < TESTDEV_SCRATCH_SIZE; i++)
		dev->scratch[i] = testdev_pattern(i);
	dev->reads = dev->writes = 0;
}

/* The bus keeps accesses inside the region; this keeps them in scratch. */
static unsigned scratch_span(uint64_t offset, unsigned size)
{
	return offset < TESTDEV_SCRATCH_SIZE && size <= TESTDEV_SCRATCH_SIZE - offset
		       ? size : 0;
}

static void *testdev_create(const struct device_env *env)
{
	struct testdev *dev = malloc(sizeof(*dev));

	(void)env;
	if (dev)
		testdev_reset(dev);
	return dev;
}

static uint64_t testdev_read(void *opaque, uint64_t offset, unsigned size)
{
	struct testdev *dev = opaque;
	unsigned n = scratch_span(offset, size);
	uint64_t v = 0;

	if (n) {
		for (unsigned i = 0; i < n; i++)
			v |= (uint64_t)dev->scratch[offset + i] << (8 * i);
		dev->reads++;
		return v;
	}
	switch (offset) {
	case TESTDEV_READS: return dev->reads;
	case TESTDEV_WRITES: return dev->writes;
	default: return 0;
	}
}

static void testdev_write(void *opaque, uint64_t offset, unsigned size,
			  uint64_t value)
{
	struct testdev *dev = opaque;
	unsigned n = scratch_span(offset, size);

	if (n) {
		for (unsigned i = 0; i < n; i++)
			dev->scratch[offset + i] = (uint8_t)(value >> (8 * i));
		dev->writes++;
	} else if (offset == TESTDEV_RESET) {
		testdev_reset(dev);
	}
}

static void testdev_save(const void *opaque, struct snapshot_writer *w)
{
	const struct testdev *dev = opaque;

	snapshot_put_bytes(w, dev->scratch, sizeof(dev->scratch));
	snapshot_put_u64(w, dev->reads);
	snapshot_put_u64(w, dev->writes);
}

static int testdev_restore(void *opaque, struct snapshot_cursor *c)
{
	struct testdev *dev = opaque, s;

	snapshot_get_bytes(c, s.scratch, sizeof(s.scratch));
	s.reads = snapshot_get_u64(c);
	s.writes = snapshot_get_u64(c);
	if (!snapshot_cursor_done(c))
		return -EINVAL;
	*dev = s;
	return 0;
}

/* No device tree node: only the tests' own guests know it is there. */
const struct device_ops testdev_device = {
	.name = "testdev", .create = testdev_create, .destroy = free,
	.reset = testdev_reset, .read = testdev_read, .write = testdev_write,
	.save = testdev_save, .restore = testdev_restore,
};
