/* MSI-X: the capability, the table, masking, pending bits, the doorbell. */
#include <string.h>

#include "a64vm/pci_msix.h"
#include "unit.h"

#define DOORBELL 0x08090040ull
#define CONTROL 2

static struct pci_config cfg;
static struct pci_msix m;
static unsigned sent[PCI_MSIX_MAX_VECTORS], changes;

static void deliver(void *ctx, unsigned v)
{
	(void)ctx;
	sent[v]++;
}

static void changed(void *ctx, unsigned v)
{
	(void)ctx, (void)v;
	changes++;
}

static void setup(unsigned nvec)
{
	memset(sent, 0, sizeof(sent));
	changes = 0;
	pci_config_init(&cfg, 0x1af4, 0x1042, 0x01000001);
	CU_ASSERT_EQUAL_FATAL(pci_msix_init(&m, &cfg, nvec, 1, 0, 0x800, DOORBELL), 0);
	m.deliver = deliver;
	m.changed = changed;
}

/* A driver's programming of vector v: address, data, unmasked. */
static void program(unsigned v, uint64_t addr, uint32_t data)
{
	pci_msix_table_write(&m, v * 16, 4, (uint32_t)addr);
	pci_msix_table_write(&m, v * 16 + 4, 4, (uint32_t)(addr >> 32));
	pci_msix_table_write(&m, v * 16 + 8, 4, data);
	pci_msix_table_write(&m, v * 16 + 12, 4, 0);
}

static void set_control(uint32_t v)
{
	pci_config_write(&cfg, m.cap + CONTROL, 2, v);
	pci_msix_config_written(&m);
}

static void test_capability(void)
{
	setup(3);
	CU_ASSERT_EQUAL(pci_config_get(&cfg, PCI_CAP_PTR, 1), m.cap);
	CU_ASSERT_EQUAL(pci_config_get(&cfg, m.cap, 1), 0x11);
	CU_ASSERT_EQUAL(pci_config_get(&cfg, m.cap + 2, 2), 2); /* table size - 1 */
	CU_ASSERT_EQUAL(pci_config_get(&cfg, m.cap + 4, 4), 0x000 | 1);
	CU_ASSERT_EQUAL(pci_config_get(&cfg, m.cap + 8, 4), 0x800 | 1);
	/* the table size is read-only; enable and mask-all are the driver's */
	pci_config_write(&cfg, m.cap + 2, 2, 0xffff);
	CU_ASSERT_EQUAL(pci_config_get(&cfg, m.cap + 2, 2), 0xc002);
	CU_ASSERT_TRUE(pci_msix_enabled(&m));
	CU_ASSERT_EQUAL(pci_msix_init(&m, &cfg, 0, 1, 0, 0x800, DOORBELL) < 0, 1);
	CU_ASSERT_EQUAL(pci_msix_init(&m, &cfg, 9, 1, 0, 0x800, DOORBELL) < 0, 1);
}

static void test_table(void)
{
	setup(2);
	/* every entry starts masked */
	CU_ASSERT_EQUAL(pci_msix_table_read(&m, 12, 4), 1);
	CU_ASSERT_EQUAL(pci_msix_table_read(&m, 16 + 12, 4), 1);
	program(1, DOORBELL, 0x21);
	CU_ASSERT_EQUAL(changes, 3); /* address low, data, the unmask: high stayed 0 */
	CU_ASSERT_EQUAL(pci_msix_table_read(&m, 16, 8), DOORBELL);
	CU_ASSERT_EQUAL(pci_msix_table_read(&m, 24, 4), 0x21);
	CU_ASSERT_EQUAL(pci_msix_address(&m, 1), DOORBELL);
	/* reserved control bits stay 0; wrong widths, misaligned, beyond: nothing */
	pci_msix_table_write(&m, 28, 4, 0xfffffffe);
	CU_ASSERT_EQUAL(pci_msix_table_read(&m, 28, 4), 0);
	pci_msix_table_write(&m, 24, 2, 0xffff);
	pci_msix_table_write(&m, 26, 4, 0xffff);
	pci_msix_table_write(&m, 32, 4, 0xffff);
	CU_ASSERT_EQUAL(pci_msix_table_read(&m, 24, 4), 0x21);
	CU_ASSERT_EQUAL(pci_msix_table_read(&m, 32, 4), 0);
	CU_ASSERT_EQUAL(pci_msix_table_read(&m, 2, 4), 0);
}

static void test_masking(void)
{
	setup(2);
	program(0, DOORBELL, 7);
	/* MSI-X off: nothing goes out, the vector is pending */
	pci_msix_signal(&m, 0);
	CU_ASSERT_EQUAL(sent[0], 0);
	CU_ASSERT_EQUAL(pci_msix_pba_read(&m, 0, 8), 1);
	/* enabled with every vector masked: still pending */
	set_control(0xc000);
	CU_ASSERT_EQUAL(sent[0], 0);
	/* unmasked: the pending message goes, once */
	set_control(0x8000);
	CU_ASSERT_EQUAL(sent[0], 1);
	CU_ASSERT_EQUAL(pci_msix_pba_read(&m, 0, 8), 0);
	pci_msix_signal(&m, 0);
	CU_ASSERT_EQUAL(sent[0], 2);
	/* the entry masked: pending until its mask bit clears */
	pci_msix_table_write(&m, 12, 4, 1);
	pci_msix_signal(&m, 0);
	pci_msix_signal(&m, 0);
	CU_ASSERT_EQUAL(sent[0], 2);
	CU_ASSERT_EQUAL(pci_msix_pba_read(&m, 0, 4), 1);
	pci_msix_table_write(&m, 12, 4, 0);
	CU_ASSERT_EQUAL(sent[0], 3);
	/* a vector beyond the table: nothing */
	pci_msix_signal(&m, 5);
	CU_ASSERT_EQUAL(pci_msix_pba_read(&m, 0, 8), 0);
	pci_msix_reset(&m);
	CU_ASSERT_FALSE(pci_msix_enabled(&m));
	CU_ASSERT_EQUAL(pci_msix_table_read(&m, 12, 4), 1);
}

static void test_not_the_doorbell(void)
{
	setup(2);
	set_control(0x8000);
	program(0, 0x40000000, 1); /* RAM: dropped and counted */
	program(1, DOORBELL + 4, 1);
	pci_msix_signal(&m, 0);
	pci_msix_signal(&m, 1);
	pci_msix_signal(&m, 1);
	CU_ASSERT_EQUAL(sent[0] + sent[1], 0);
	CU_ASSERT_EQUAL(m.dropped, 3);
	CU_ASSERT_TRUE(m.warned);
	program(1, DOORBELL, 1);
	pci_msix_signal(&m, 1);
	CU_ASSERT_EQUAL(sent[1], 1);
}

/* Many signals while masked: one pending bit, one message on unmask. */
static void test_storm(void)
{
	setup(1);
	program(0, DOORBELL, 0);
	set_control(0xc000);
	for (int i = 0; i < 100000; i++)
		pci_msix_signal(&m, 0);
	set_control(0x8000);
	CU_ASSERT_EQUAL(sent[0], 1);
}

const char unit_suite_name[] = "pci_msix";
const struct unit_test unit_tests[] = {
	{ "the capability", test_capability },
	{ "the vector table", test_table },
	{ "masking and pending bits", test_masking },
	{ "messages not aimed at the ITS", test_not_the_doorbell },
	{ "a storm while masked", test_storm },
	{ NULL, NULL },
};
