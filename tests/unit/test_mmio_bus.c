#include <errno.h>
#include <string.h>

#include "a64vm/log.h"
#include "a64vm/mmio_bus.h"
#include "unit.h"

struct fake_dev {
	uint64_t last_off, last_val;
	unsigned last_size, writes;
};

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)size;
	return 0x8877665544332211ull + off;
}

static void fake_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct fake_dev *d = opaque;

	d->last_off = off;
	d->last_size = size;
	d->last_val = val;
	d->writes++;
}

static struct mmio_region region(uint64_t base, uint64_t size, void *dev)
{
	return (struct mmio_region){ .name = "fake", .base = base, .size = size,
				     .read = fake_read, .write = fake_write,
				     .opaque = dev };
}

static const struct {
	uint64_t base, size;
	int ret;
} registrations[] = {
	{ 0x1000, 0x1000, 0 },
	{ 0x3000, 0x1000, 0 },
	{ 0x2000, 0x1000, 0 },	   /* exactly fills the gap */
	{ 0x0800, 0x0801, -EEXIST }, /* last byte overlaps 0x1000 */
	{ 0x3fff, 0x10, -EEXIST },
	{ 0x1800, 0x10, -EEXIST },
	{ 0x0000, 0x1000, 0 },
	{ 0x5000, 0, -EINVAL },
	{ UINT64_MAX - 4, 0x10, -EINVAL }, /* wraps */
};

static void test_register(void)
{
	static struct mmio_bus bus;
	struct fake_dev dev = { 0 };

	memset(&bus, 0, sizeof(bus));
	log_set_level(LOG_NONE); /* the overlaps are expected: keep quiet */
	for (size_t i = 0; i < sizeof(registrations) / sizeof(registrations[0]); i++) {
		struct mmio_region r = region(registrations[i].base,
					      registrations[i].size, &dev);

		CU_ASSERT_EQUAL(mmio_bus_register(&bus, &r), registrations[i].ret);
	}
	log_set_level(LOG_INFO);
	CU_ASSERT_EQUAL(bus.count, 4);
	for (unsigned i = 1; i < bus.count; i++)
		CU_ASSERT(bus.regions[i - 1].base < bus.regions[i].base);
}

static void test_find_and_access(void)
{
	static struct mmio_bus bus;
	struct fake_dev a = { 0 }, b = { 0 };
	struct mmio_region ra = region(0x9000000, 0x1000, &a);
	struct mmio_region rb = region(0x9010000, 0x1000, &b);
	uint8_t data[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

	memset(&bus, 0, sizeof(bus));
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &rb), 0);
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &ra), 0);
	CU_ASSERT_PTR_EQUAL(mmio_bus_find(&bus, 0x9000000, 4)->opaque, &a);
	CU_ASSERT_PTR_EQUAL(mmio_bus_find(&bus, 0x9010ff8, 8)->opaque, &b);
	CU_ASSERT_PTR_NULL(mmio_bus_find(&bus, 0x9010ffc, 8)); /* straddles the end */
	CU_ASSERT_PTR_NULL(mmio_bus_find(&bus, 0x9001000, 1));
	CU_ASSERT_PTR_NULL(mmio_bus_find(&bus, 0x8ffffff, 1));

	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x9000010, data, 4, true), 0);
	CU_ASSERT_EQUAL(a.last_off, 0x10);
	CU_ASSERT_EQUAL(a.last_size, 4);
	CU_ASSERT_EQUAL(a.last_val, 0x44332211); /* little-endian bytes */
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x9010000, data, 2, false), 0);
	CU_ASSERT_EQUAL(data[0], 0x11);
	CU_ASSERT_EQUAL(data[1], 0x22);
	CU_ASSERT_EQUAL(data[2], 0x33); /* beyond the access: untouched */

	memset(data, 0xee, sizeof(data));
	log_set_level(LOG_NONE);
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x7000000, data, 8, false), -ENODEV);
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x7000000, data, 8, true), -ENODEV);
	log_set_level(LOG_INFO);
	for (unsigned i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(data[i], 0); /* a read of nothing is zero */
	CU_ASSERT_EQUAL(bus.unhandled, 2);
	CU_ASSERT_EQUAL(a.writes, 1);
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x9000000, data, 3, false), -EINVAL);
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x9000000, data, 16, true), -EINVAL);
}

/* A 32-bit device that logs every access it sees, in order. */
static struct {
	unsigned n;
	uint64_t off[8];
	unsigned size[8];
	uint64_t val[8];
	uint32_t regs[4];
} log32;

static uint64_t reg_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque;
	log32.off[log32.n] = off;
	log32.size[log32.n++] = size;
	return log32.regs[(off / 4) % 4] >> (8 * (off % 4));
}

static void reg_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque;
	log32.off[log32.n] = off;
	log32.val[log32.n] = val;
	log32.size[log32.n++] = size;
	if (size == 4)
		log32.regs[(off / 4) % 4] = (uint32_t)val;
}

static void test_access_widths(void)
{
	static struct mmio_bus bus;
	struct mmio_region r = { .name = "regs32", .base = 0x1000, .size = 0x10,
				 .read = reg_read, .write = reg_write, .max_width = 4 };
	struct mmio_region w = { .name = "wide", .base = 0x2000, .size = 0x10,
				 .read = reg_read, .write = reg_write, .min_width = 4 };
	uint8_t data[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

	memset(&bus, 0, sizeof(bus));
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &r), 0);
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &w), 0);
	/* a doubleword to 32-bit registers: two accesses, low address first */
	memset(&log32, 0, sizeof(log32));
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x1008, data, 8, true), 0);
	CU_ASSERT_EQUAL(log32.n, 2);
	CU_ASSERT_EQUAL(log32.off[0], 8);
	CU_ASSERT_EQUAL(log32.val[0], 0x44332211);
	CU_ASSERT_EQUAL(log32.off[1], 12);
	CU_ASSERT_EQUAL(log32.val[1], 0x88776655);
	CU_ASSERT_EQUAL(log32.size[1], 4);
	log32.regs[0] = 0xa0a1a2a3;
	log32.regs[1] = 0xb0b1b2b3;
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x1000, data, 8, false), 0);
	CU_ASSERT_EQUAL(data[0], 0xa3); /* the first register, little-endian */
	CU_ASSERT_EQUAL(data[3], 0xa0);
	CU_ASSERT_EQUAL(data[4], 0xb3); /* then the second: not zeros */
	CU_ASSERT_EQUAL(data[7], 0xb0);
	/* narrower than the device implements: widened, low bytes used */
	memset(&log32, 0, sizeof(log32));
	log32.regs[1] = 0x11223344;
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x2004, data, 1, false), 0);
	CU_ASSERT_EQUAL(log32.size[0], 4);
	CU_ASSERT_EQUAL(data[0], 0x44);
	data[1] = 0x33;
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x2004, data, 2, true), 0);
	CU_ASSERT_EQUAL(log32.size[1], 4);
	CU_ASSERT_EQUAL(log32.val[1], 0x3344); /* zero-extended */
	/* the offset is not aligned down: the model decodes it, as in QEMU */
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x2005, data, 1, true), 0);
	CU_ASSERT_EQUAL(log32.off[2], 5);
	CU_ASSERT_EQUAL(log32.size[2], 4);
	/* a widened access past the region's end is not made */
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x200e, data, 2, false), 0);
	CU_ASSERT_EQUAL(log32.n, 3);
	CU_ASSERT_EQUAL(data[0], 0);
	/* nonsense widths are refused at registration */
	w.base = 0x3000;
	w.max_width = 2;
	CU_ASSERT_EQUAL(mmio_bus_register(&bus, &w), -EINVAL);
}

static pthread_mutex_t test_lock = PTHREAD_MUTEX_INITIALIZER;
static bool lock_held_in_read;

static uint64_t lock_probe_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)off;
	(void)size;
	lock_held_in_read = pthread_mutex_trylock(&test_lock) == EBUSY;
	return 0;
}

static void test_region_lock(void)
{
	static struct mmio_bus bus;
	struct mmio_region r = region(0x1000, 0x100, NULL);
	uint8_t data[4];

	memset(&bus, 0, sizeof(bus));
	r.read = lock_probe_read;
	r.lock = &test_lock;
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &r), 0);
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0x1000, data, 4, false), 0);
	CU_ASSERT_TRUE(lock_held_in_read);
	/* and released afterwards */
	CU_ASSERT_EQUAL(pthread_mutex_trylock(&test_lock), 0);
	pthread_mutex_unlock(&test_lock);
}

const char unit_suite_name[] = "mmio_bus";
/* Where the accesses went, the most first; a short buffer cut, never overrun. */
static void test_hits(void)
{
	static struct mmio_bus bus;
	struct fake_dev a = { 0 }, b = { 0 }, c = { 0 };
	struct mmio_region ra = region(0x1000, 0x1000, &a), rb = region(0x3000, 0x1000, &b);
	struct mmio_region rc = region(0x5000, 0x1000, &c);
	uint8_t data[4] = { 0 };
	char out[64], tiny[12];

	memset(&bus, 0, sizeof(bus));
	ra.name = "uart", rb.name = "rtc", rc.name = "idle";
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &rc), 0);
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &rb), 0); /* sorted in before rc */
	mmio_bus_describe_hits(&bus, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &ra), 0);
	for (int i = 0; i < 3; i++)
		mmio_bus_access(&bus, 0x1004, data, 4, i & 1);
	mmio_bus_access(&bus, 0x3000, data, 1, false);
	log_set_level(LOG_NONE);
	mmio_bus_access(&bus, 0x9000, data, 4, false); /* no device: not a region's */
	log_set_level(LOG_INFO);
	mmio_bus_describe_hits(&bus, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "uart 3, rtc 1");
	mmio_bus_describe_hits(&bus, tiny, sizeof(tiny));
	CU_ASSERT_STRING_EQUAL(tiny, "uart 3, rtc"); /* 11 bytes and the NUL */
	CU_ASSERT_EQUAL(bus.unhandled, 1);
}

const struct unit_test unit_tests[] = {
	{ "registration and overlap", test_register },
	{ "lookup and access", test_find_and_access },
	{ "access widths: split and widened", test_access_widths },
	{ "the region's lock is held during an access", test_region_lock },
	{ "accesses counted by region", test_hits },
	{ NULL, NULL },
};
