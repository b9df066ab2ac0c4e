/* The board table: every device inside the memory map, and its DT nodes. */
#include <stdlib.h>
#include <string.h>

#include "a64vm/board_table.h"
#include "a64vm/memmap.h"
#include "unit.h"

static void no_irq(void *ctx, bool level)
{
	(void)ctx;
	(void)level;
}

static void no_output(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
}

static void no_room(void *ctx)
{
	(void)ctx;
}

static uint64_t epoch(void *ctx)
{
	(void)ctx;
	return 0;
}

static void no_timer(void *ctx, uint64_t deadline)
{
	(void)ctx;
	(void)deadline;
}

static void test_slots_in_the_map(void)
{
	for (unsigned i = 0; i < board_table_len; i++) {
		const struct board_slot *s = &board_table[i];

		CU_ASSERT(s->size > 0);
		/* below RAM, clear of the GIC and of the virtio slots */
		CU_ASSERT(s->base + s->size <= MEMMAP_RAM_BASE);
		CU_ASSERT(s->base + s->size <= MEMMAP_GIC_DIST_BASE ||
			  s->base >= MEMMAP_GIC_REDIST_BASE + MEMMAP_GIC_REDIST_SIZE);
		CU_ASSERT(s->base + s->size <= MEMMAP_VIRTIO_BASE ||
			  s->base >= MEMMAP_VIRTIO_BASE +
					     MEMMAP_VIRTIO_SLOTS * MEMMAP_VIRTIO_SLOT_SIZE);
		CU_ASSERT(s->spi < 0 || (unsigned)s->spi < MEMMAP_VIRTIO_SPI);
		for (unsigned j = 0; j < i; j++) {
			const struct board_slot *o = &board_table[j];

			CU_ASSERT(s->base >= o->base + o->size || o->base >= s->base + s->size);
			CU_ASSERT(s->spi < 0 || s->spi != o->spi);
		}
	}
}

static int no_write(void *ctx, uint64_t off, const uint8_t *data, uint64_t len)
{
	(void)ctx;
	(void)off;
	(void)data;
	(void)len;
	return 0;
}

static void no_direct(void *ctx, bool on)
{
	(void)ctx;
	(void)on;
}

static void test_every_model_runs(void)
{
	struct device_env env = { .set_irq = no_irq, .console_out = no_output,
				  .console_room = no_room, .clock_ns = epoch,
				  .set_timer = no_timer,
				  .storage_write = no_write, .direct_reads = no_direct };

	for (unsigned i = 0; i < board_table_len; i++) {
		const struct device_ops *ops = board_table[i].ops;
		void *dev;

		/* Flash slots have memory of their own, as large as the slot. */
		env.storage_size = board_table[i].size;
		env.storage = calloc(1, board_table[i].size);
		dev = ops->create(&env);

		CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
		CU_ASSERT_PTR_NOT_NULL(ops->read);
		CU_ASSERT_PTR_NOT_NULL(ops->write);
		ops->read(dev, 0, 4);
		if (ops->reset)
			ops->reset(dev);
		if (board_table[i].role == BOARD_ROLE_CONSOLE)
			CU_ASSERT_PTR_NOT_NULL(ops->input);
		if (board_table[i].role == BOARD_ROLE_POWER_BUTTON)
			CU_ASSERT_PTR_NOT_NULL(ops->set_line);
		ops->destroy(dev);
		free(env.storage);
	}
}

static void test_device_tree_nodes(void)
{
	struct board_features f = { .testdev = true };
	struct dtb_device d[8];
	int pin;
	unsigned n = board_table_dtb(&f, d, 8, &pin);

	/* the test device adds no node: only the tests' guests know it */
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_STRING_EQUAL(d[0].dt->name, "pl011");
	CU_ASSERT_EQUAL(d[0].base, MEMMAP_UART_BASE);
	CU_ASSERT_TRUE(d[0].is_stdout);
	CU_ASSERT_STRING_EQUAL(d[1].dt->name, "pl031");
	CU_ASSERT_EQUAL(d[1].spi, (int)MEMMAP_RTC_SPI);
	CU_ASSERT_STRING_EQUAL(d[2].dt->name, "fw-cfg");
	CU_ASSERT_EQUAL(d[2].spi, -1);
	CU_ASSERT_STRING_EQUAL(d[3].dt->name, "pl061");
	CU_ASSERT_TRUE(d[3].dt->gpio_controller);
	CU_ASSERT_EQUAL(pin, (int)MEMMAP_POWER_BUTTON_PIN);
	CU_ASSERT_STRING_EQUAL(d[4].dt->name, "pcie");
	CU_ASSERT_TRUE(d[4].dt->pci_host);
	CU_ASSERT_EQUAL(d[4].base, MEMMAP_PCIE_MMIO_BASE);
	/* room for fewer: no overrun */
	CU_ASSERT_EQUAL(board_table_dtb(&f, d, 1, &pin), 1);
	/* with flash: both banks first, in one node (one_node) */
	f.flash = true;
	n = board_table_dtb(&f, d, 8, &pin);
	CU_ASSERT_EQUAL_FATAL(n, 7);
	CU_ASSERT_STRING_EQUAL(d[0].dt->name, "flash");
	CU_ASSERT_PTR_EQUAL(d[0].dt, d[1].dt);
	CU_ASSERT_TRUE(d[0].dt->one_node);
	CU_ASSERT_EQUAL(d[1].base, MEMMAP_FLASH1_BASE);
}

static void test_testdev_only_when_asked(void)
{
	struct board_features with = { .testdev = true }, without = { 0 };

	for (unsigned i = 0; i < board_table_len; i++)
		if (board_table[i].base == MEMMAP_TESTDEV_BASE) {
			CU_ASSERT_TRUE(board_table_present(&board_table[i], &with));
			CU_ASSERT_FALSE(board_table_present(&board_table[i], &without));
		}
}

const char unit_suite_name[] = "board_table";
const struct unit_test unit_tests[] = {
	{ "every slot inside the memory map, none overlapping", test_slots_in_the_map },
	{ "every model created, read, reset, destroyed", test_every_model_runs },
	{ "device tree nodes from the same lines", test_device_tree_nodes },
	{ "the test device only with --testdev", test_testdev_only_when_asked },
	{ NULL, NULL },
};
