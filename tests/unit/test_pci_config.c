/* A function's configuration space: header, BAR sizing, command, capabilities. */
#include <errno.h>
#include <string.h>

#include "a64vm/pci_config.h"
#include "unit.h"

static struct pci_config c;

static uint32_t rd(unsigned off, unsigned size)
{
	uint32_t v = 0;

	CU_ASSERT_TRUE(pci_config_read(&c, off, size, &v));
	return v;
}

static void test_header(void)
{
	uint32_t v;

	pci_config_init(&c, 0x1af4, 0x1042, 0x01000001);
	CU_ASSERT_EQUAL(rd(0x00, 4), 0x10421af4);
	CU_ASSERT_EQUAL(rd(0x02, 2), 0x1042);
	CU_ASSERT_EQUAL(rd(0x0b, 1), 0x01); /* base class */
	CU_ASSERT_EQUAL(rd(0x08, 1), 0x01); /* revision */
	/* read-only: IDs and class do not change */
	CU_ASSERT_TRUE(pci_config_write(&c, 0x00, 4, 0));
	CU_ASSERT_EQUAL(rd(0x00, 4), 0x10421af4);
	/* illegal: unaligned, wrong width, past the 4 KiB: all-ones, ignored */
	CU_ASSERT_FALSE(pci_config_read(&c, 0x01, 2, &v));
	CU_ASSERT_EQUAL(v, 0xffffffffu);
	CU_ASSERT_FALSE(pci_config_read(&c, 0x02, 4, &v));
	CU_ASSERT_FALSE(pci_config_read(&c, 0x00, 3, &v));
	CU_ASSERT_FALSE(pci_config_read(&c, 0x1000, 1, &v));
	CU_ASSERT_FALSE(pci_config_write(&c, 0x05, 2, 0xffff));
	/* extended space reads as zero, as an empty capability list there */
	CU_ASSERT_EQUAL(rd(0x100, 4), 0);
	CU_ASSERT_EQUAL(rd(0xffc, 4), 0);
	/* the interrupt line is the guest's scratch byte; the pin is not */
	pci_config_set_pin(&c, 1);
	CU_ASSERT_TRUE(pci_config_write(&c, 0x3c, 2, 0x0555));
	CU_ASSERT_EQUAL(rd(0x3c, 2), 0x0155);
}

static void test_status_w1c(void)
{
	pci_config_init(&c, 1, 2, 0);
	pci_config_set(&c, PCI_STATUS, 2, 0x8000 | PCI_STATUS_CAP_LIST);
	CU_ASSERT_TRUE(pci_config_write(&c, PCI_STATUS, 2, 0x0010));
	CU_ASSERT_EQUAL(rd(PCI_STATUS, 2), 0x8010); /* CAP_LIST is read-only */
	CU_ASSERT_TRUE(pci_config_write(&c, PCI_STATUS, 2, 0x8000));
	CU_ASSERT_EQUAL(rd(PCI_STATUS, 2), 0x0010);
}

static void test_bar_sizing(void)
{
	pci_config_init(&c, 1, 2, 0);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 0, 0x1000, PCI_BAR_MEM32), 0);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 1, 256, PCI_BAR_IO), 0);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 2, 1ull << 32,
					   PCI_BAR_MEM64 | PCI_BAR_PREFETCH), 0);
	/* all-ones, read back: the size, and the kind's low bits */
	pci_config_write(&c, 0x10, 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(0x10, 4), 0xfffff000);
	pci_config_write(&c, 0x14, 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(0x14, 4), 0xffffff01);
	pci_config_write(&c, 0x18, 4, 0xffffffff);
	pci_config_write(&c, 0x1c, 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(0x18, 4), 0x0000000c);
	CU_ASSERT_EQUAL(rd(0x1c, 4), 0xffffffff);
	/* no BAR: reads zero, sizing finds nothing */
	pci_config_write(&c, 0x20, 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(0x20, 4), 0);
	/* left at the sizing pattern, or with decoding off: not mapped */
	CU_ASSERT_EQUAL(pci_config_bar_addr(&c, 0), PCI_BAR_UNMAPPED);
	pci_config_write(&c, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CU_ASSERT_EQUAL(pci_config_bar_addr(&c, 0), PCI_BAR_UNMAPPED);
	pci_config_write(&c, 0x10, 4, 0x10000000);
	pci_config_write(&c, 0x18, 4, 0);
	pci_config_write(&c, 0x1c, 4, 0x80);
	CU_ASSERT_EQUAL(pci_config_bar_addr(&c, 0), 0x10000000);
	CU_ASSERT_EQUAL(pci_config_bar_addr(&c, 2), 0x8000000000ull);
	CU_ASSERT_EQUAL(pci_config_bar_addr(&c, 3), PCI_BAR_UNMAPPED); /* upper half */
	pci_config_write(&c, 0x14, 4, 0x1000);
	CU_ASSERT_EQUAL(pci_config_bar_addr(&c, 1), PCI_BAR_UNMAPPED); /* I/O off */
	pci_config_write(&c, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	CU_ASSERT_EQUAL(pci_config_bar_addr(&c, 1), 0x1000);
	CU_ASSERT_TRUE(pci_config_bar_is_io(&c, 1));
	pci_config_write(&c, PCI_COMMAND, 2, 0);
	CU_ASSERT_EQUAL(pci_config_bar_addr(&c, 0), PCI_BAR_UNMAPPED);
}

static void test_bad_bars(void)
{
	pci_config_init(&c, 1, 2, 0);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 6, 0x1000, PCI_BAR_MEM32), -EINVAL);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 0, 0x1800, PCI_BAR_MEM32), -EINVAL);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 0, 8, PCI_BAR_MEM32), -EINVAL);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 0, 512, PCI_BAR_IO), -EINVAL);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 5, 0x1000, PCI_BAR_MEM64), -EINVAL);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 0, 0x1000, PCI_BAR_MEM64), 0);
	/* BAR 1 is BAR 0's upper half; BAR 0 is taken */
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 1, 0x1000, PCI_BAR_MEM32), -EINVAL);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 0, 0x1000, PCI_BAR_MEM32), -EINVAL);
	CU_ASSERT_EQUAL(pci_config_add_bar(&c, 2, 0x1000, PCI_BAR_MEM32), 0);
}

static void test_capabilities(void)
{
	int a, b;

	pci_config_init(&c, 1, 2, 0);
	CU_ASSERT_FALSE(rd(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	a = pci_config_add_cap(&c, 0x11, 12); /* MSI-X */
	b = pci_config_add_cap(&c, 0x09, 16); /* vendor-specific */
	CU_ASSERT_EQUAL(a, 0x40);
	CU_ASSERT_EQUAL(b, 0x4c);
	CU_ASSERT_TRUE(rd(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	CU_ASSERT_EQUAL(rd(PCI_CAP_PTR, 1), 0x40);
	CU_ASSERT_EQUAL(rd(0x40, 2), 0x4c11); /* id, next */
	CU_ASSERT_EQUAL(rd(0x4c, 2), 0x0009); /* the last: next 0 */
	/* a capability's control word, writable where the device says */
	pci_config_writable(&c, (unsigned)a + 2, 2, 0xc000);
	pci_config_write(&c, (unsigned)a + 2, 2, 0xffff);
	CU_ASSERT_EQUAL(rd((unsigned)a + 2, 2), 0xc000);
	/* the standard space fills up: 0x5c and 0x9c take 64 bytes, 0xdc is left */
	for (b = 0; pci_config_add_cap(&c, 0x09, 64) > 0; b++)
		;
	CU_ASSERT_EQUAL(b, 2);
	CU_ASSERT_EQUAL(rd(0x5d, 1), 0x9c); /* linked in order */
	CU_ASSERT_EQUAL(rd(0x9d, 1), 0);    /* the last capability ends the list */
	CU_ASSERT_EQUAL(pci_config_add_cap(&c, 0x09, 4) < 0 ||
			pci_config_add_cap(&c, 0x09, 64) < 0, true);
}

const char unit_suite_name[] = "pci_config";
const struct unit_test unit_tests[] = {
	{ "the header, and illegal accesses", test_header },
	{ "status bits cleared by writing 1", test_status_w1c },
	{ "BAR sizing and decoding", test_bar_sizing },
	{ "BARs that cannot be", test_bad_bars },
	{ "the capability list", test_capabilities },
	{ NULL, NULL },
};
