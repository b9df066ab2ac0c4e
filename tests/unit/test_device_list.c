/* The one device list: what the bus gets and what the device tree gets. */
#include <errno.h>
#include <string.h>

#include "a64vm/device_list.h"
#include "unit.h"

static uint64_t read_off(void *opaque, uint64_t off, unsigned size)
{
	(void)size;
	return *(uint64_t *)opaque + off;
}

static void ignore(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque, (void)off, (void)size, (void)val;
}

static const struct device_dt uart_dt = { .name = "uart" };

static int add(struct device_list *l, uint64_t base, uint64_t *tag,
	       const struct dtb_device *node)
{
	struct mmio_region r = { .name = "dev", .base = base, .size = 0x1000,
				 .read = read_off, .write = ignore, .opaque = tag };

	return device_list_add(l, &r, node);
}

static void test_bus_and_nodes(void)
{
	static struct device_list l;
	static struct mmio_bus bus;
	uint64_t tag1 = 0x100, tag2 = 0x200;
	struct dtb_device nodes[4];
	uint8_t data[4];

	device_list_init(&l);
	memset(&bus, 0, sizeof(bus));
	CU_ASSERT_EQUAL(l.power_button_pin, -1);
	CU_ASSERT_EQUAL(add(&l, 0x9000000, &tag1, &(struct dtb_device){
		.dt = &uart_dt, .base = 0x9000000, .size = 0x1000, .spi = 1 }), 0);
	/* a device with no node (the test device): on the bus, not in the DT */
	CU_ASSERT_EQUAL(add(&l, 0xa000000, &tag2, NULL), 0);
	CU_ASSERT_EQUAL(device_list_nodes(&l, nodes, 4), 1);
	CU_ASSERT_PTR_EQUAL(nodes[0].dt, &uart_dt);
	CU_ASSERT_EQUAL(nodes[0].base, 0x9000000);
	CU_ASSERT_EQUAL(device_list_nodes(&l, nodes, 0), 0);
	CU_ASSERT_EQUAL(device_list_register(&l, &bus), 0);
	CU_ASSERT_EQUAL(bus.count, 2);
	CU_ASSERT_EQUAL(mmio_bus_access(&bus, 0xa000004, data, 4, false), 0);
	CU_ASSERT_EQUAL(data[0], 0x04);
	CU_ASSERT_EQUAL(data[1], 0x02);
}

static void test_overlap_and_full(void)
{
	static struct device_list l;
	static struct mmio_bus bus;
	uint64_t tag = 0;

	device_list_init(&l);
	memset(&bus, 0, sizeof(bus));
	add(&l, 0x9000000, &tag, NULL);
	add(&l, 0x9000800, &tag, NULL);
	CU_ASSERT_EQUAL(device_list_register(&l, &bus), -EEXIST);
	device_list_init(&l);
	for (unsigned i = 0; i < DEVICE_LIST_MAX; i++)
		CU_ASSERT_EQUAL(add(&l, 0x10000000 + i * 0x1000ull, &tag, NULL), 0);
	CU_ASSERT_EQUAL(add(&l, 0, &tag, NULL), -ENOSPC);
}

const char unit_suite_name[] = "device_list";
const struct unit_test unit_tests[] = {
	{ "the bus and the device tree from one list", test_bus_and_nodes },
	{ "overlaps and a full list", test_overlap_and_full },
	{ NULL, NULL },
};
