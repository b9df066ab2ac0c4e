#include <errno.h>

#include "a64vm/testdev.h"
#include "snap_fixture.h"
#include "unit.h"

static void test_scratch_and_counters(void)
{
	void *d = testdev_device.create(&(struct device_env){ 0 });

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(testdev_device.read(d, 0, 1), testdev_pattern(0));
	CU_ASSERT_EQUAL(testdev_device.read(d, 8, 4),
			(uint64_t)testdev_pattern(8) | (uint64_t)testdev_pattern(9) << 8 |
			(uint64_t)testdev_pattern(10) << 16 |
			(uint64_t)testdev_pattern(11) << 24);
	testdev_device.write(d, 16, 8, 0x1122334455667788ull);
	CU_ASSERT_EQUAL(testdev_device.read(d, 16, 8), 0x1122334455667788ull);
	CU_ASSERT_EQUAL(testdev_device.read(d, 20, 2), 0x3344);
	CU_ASSERT_EQUAL(testdev_device.read(d, TESTDEV_READS, 8), 4);
	CU_ASSERT_EQUAL(testdev_device.read(d, TESTDEV_WRITES, 8), 1);
	/* the last bytes of scratch; beyond it nothing is stored */
	testdev_device.write(d, 0xff8, 8, 0xaa);
	CU_ASSERT_EQUAL(testdev_device.read(d, 0xff8, 8), 0xaa);
	testdev_device.write(d, 0xffc, 8, 0xbb); /* straddles the end: ignored */
	CU_ASSERT_EQUAL(testdev_device.read(d, 0xffc, 8), 0);
	testdev_device.write(d, TESTDEV_RESET, 8, 1);
	CU_ASSERT_EQUAL(testdev_device.read(d, 16, 1), testdev_pattern(16));
	CU_ASSERT_EQUAL(testdev_device.read(d, TESTDEV_WRITES, 8), 0);
	testdev_device.destroy(d);
}

static void test_snapshot(void)
{
	void *d = testdev_device.create(&(struct device_env){ 0 });
	void *e = testdev_device.create(&(struct device_env){ 0 });
	const struct snapshot_section *saved;

	testdev_device.write(d, 16, 8, 0x1122334455667788ull);
	testdev_device.read(d, 0, 1);
	saved = snap_fixture_save(&testdev_device, d);
	CU_ASSERT_EQUAL(snap_fixture_restore(&testdev_device, e, snap_fixture_cut(saved)), -EINVAL);
	CU_ASSERT_EQUAL(testdev_device.read(e, TESTDEV_WRITES, 8), 0);
	CU_ASSERT_EQUAL(snap_fixture_restore(&testdev_device, e, saved), 0);
	CU_ASSERT_EQUAL(testdev_device.read(e, TESTDEV_READS, 8), 1);
	CU_ASSERT_EQUAL(testdev_device.read(e, TESTDEV_WRITES, 8), 1);
	CU_ASSERT_EQUAL(testdev_device.read(e, 16, 8), 0x1122334455667788ull);
	testdev_device.destroy(d);
	testdev_device.destroy(e);
}

const char unit_suite_name[] = "testdev";
const struct unit_test unit_tests[] = {
	{ "scratch space and counters", test_scratch_and_counters },
	{ "saved and restored", test_snapshot },
	{ NULL, NULL },
};
