/* ECAM over bus 0: the root complex, an attached function, and nothing. */
#include <errno.h>
#include <string.h>

#include "a64vm/pci_host.h"
#include "unit.h"

static struct pci_host h;
static struct pci_function fn;
static unsigned writes, last_off;

static void written(void *ctx, unsigned off, unsigned size)
{
	(void)ctx, (void)size;
	writes++;
	last_off = off;
}

static uint64_t ecam(unsigned bus, unsigned slot, unsigned func, unsigned reg)
{
	return (uint64_t)bus << 20 | slot << 15 | func << 12 | reg;
}

static void test_root_complex(void)
{
	pci_host_init(&h);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 0, 0, 0), 4), 0x00081b36);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 0, 0, 0xa), 2), 0x0600);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 0, 0, 0), 2), 0x1b36);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 0, 0, 1), 1), 0x1b);
	CU_ASSERT_EQUAL(h.refused, 0);
}

static void test_nothing_there(void)
{
	pci_host_init(&h);
	/* an empty slot, another function, another bus: all-ones */
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 1, 0, 0), 4), 0xffffffffu);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 0, 1, 0), 2), 0xffff);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(15, 0, 0, 0), 1), 0xff);
	/* unaligned: all-ones too, and a write changes nothing */
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 0, 0, 1), 2), 0xffff);
	pci_host_ecam_write(&h, ecam(0, 0, 0, 5), 2, 0xffff);
	pci_host_ecam_write(&h, ecam(0, 3, 0, 4), 2, 0xffff);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 0, 0, 4), 2), 0);
	CU_ASSERT_EQUAL(h.refused, 6);
}

static void test_attached_function(void)
{
	pci_host_init(&h);
	memset(&fn, 0, sizeof(fn));
	pci_config_init(&fn.cfg, 0x1af4, 0x1042, 0x01800000);
	pci_config_add_bar(&fn.cfg, 0, 0x4000, PCI_BAR_MEM32);
	fn.config_written = written;
	CU_ASSERT_EQUAL(pci_host_attach(&h, 0, &fn), -EINVAL);
	CU_ASSERT_EQUAL(pci_host_attach(&h, 32, &fn), -EINVAL);
	CU_ASSERT_EQUAL(pci_host_attach(&h, 2, &fn), 0);
	CU_ASSERT_EQUAL(pci_host_attach(&h, 2, &fn), -EBUSY);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 2, 0, 0), 4), 0x10421af4);
	writes = 0;
	pci_host_ecam_write(&h, ecam(0, 2, 0, 0x10), 4, 0xffffffff);
	CU_ASSERT_EQUAL(writes, 1);
	CU_ASSERT_EQUAL(last_off, 0x10);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 2, 0, 0x10), 4), 0xffffc000);
	/* a write the function refuses is not passed on */
	pci_host_ecam_write(&h, ecam(0, 2, 0, 0x11), 4, 0);
	CU_ASSERT_EQUAL(writes, 1);
}

static void test_device_ops(void)
{
	struct device_env env = { 0 };
	void *dev = pci_host_device.create(&env);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	pci_host_device.write(dev, ecam(0, 0, 0, 4), 2, PCI_COMMAND_MEMORY);
	CU_ASSERT_EQUAL(pci_host_device.read(dev, ecam(0, 0, 0, 4), 2), PCI_COMMAND_MEMORY);
	pci_host_device.reset(dev);
	CU_ASSERT_EQUAL(pci_host_device.read(dev, ecam(0, 0, 0, 4), 2), 0);
	CU_ASSERT_TRUE(pci_host_device.dt.pci_host);
	pci_host_device.destroy(dev);
}

const char unit_suite_name[] = "pci_host";
const struct unit_test unit_tests[] = {
	{ "the root complex, 1b36:0008", test_root_complex },
	{ "absent functions and illegal accesses", test_nothing_there },
	{ "an attached function", test_attached_function },
	{ "the platform device", test_device_ops },
	{ NULL, NULL },
};
