/* QEMU's pci-testdev: tests started by number, doorbells counted. */
#include <errno.h>
#include <string.h>

#include "a64vm/pci_testdev.h"
#include "a64vm/snapshot_file.h"
#include "unit.h"

static struct pci_testdev d;
static int armed = -1;
static uint32_t rings; /* the glue's eventfd count */

static void arm(void *ctx, unsigned t, bool on)
{
	(void)ctx;
	armed = on ? (int)t : -1;
}

static uint32_t rung(void *ctx, unsigned t)
{
	uint32_t n = rings;

	(void)ctx, (void)t;
	rings = 0;
	return n;
}

static void setup(void)
{
	pci_testdev_init(&d);
	d.arm = arm;
	d.rung = rung;
	armed = -1;
	rings = 0;
}

static uint32_t hdr32(unsigned bar, unsigned off)
{
	uint32_t v = 0;

	/* QEMU's device answers byte by byte: read it that way */
	for (unsigned i = 0; i < 4; i++)
		v |= (uint32_t)pci_testdev_bar_read(&d, bar, off + i, 1) << (8 * i);
	return v;
}

static void test_identity(void)
{
	setup();
	CU_ASSERT_EQUAL(pci_config_get(&d.fn.cfg, 0, 4), 0x00051b36);
	CU_ASSERT_EQUAL(d.fn.cfg.bar_size[0], 4096);
	CU_ASSERT_EQUAL(d.fn.cfg.bar_size[1], 256);
	CU_ASSERT_TRUE(pci_config_bar_is_io(&d.fn.cfg, 1));
	CU_ASSERT_EQUAL(pci_config_get(&d.fn.cfg, PCI_INTERRUPT_PIN, 1), 0);
}

static void test_no_eventfd(void)
{
	char name[32] = { 0 };

	setup();
	CU_ASSERT_EQUAL(pci_testdev_bar_read(&d, 0, 0, 4), 0); /* no test yet */
	pci_testdev_bar_write(&d, 0, 0, 1, 0);
	CU_ASSERT_EQUAL(armed, -1);
	CU_ASSERT_EQUAL(pci_testdev_bar_read(&d, 0, 1, 1), 1); /* width */
	CU_ASSERT_EQUAL(hdr32(0, 4), 2048);
	CU_ASSERT_EQUAL(hdr32(0, 8), 0xfa);
	for (unsigned i = 0; i + 1 < sizeof(name); i++)
		name[i] = (char)pci_testdev_bar_read(&d, 0, 16 + i, 1);
	CU_ASSERT_STRING_EQUAL(name, "mmio-no-eventfd");
	for (int i = 0; i < 16; i++)
		pci_testdev_bar_write(&d, 0, 2048, 1, 0xfa);
	pci_testdev_bar_write(&d, 0, 2048, 1, 0x11); /* not its data */
	pci_testdev_bar_write(&d, 0, 2047, 1, 0xfa); /* not its doorbell */
	CU_ASSERT_EQUAL(hdr32(0, 12), 16);
}

static void test_eventfd_tests(void)
{
	setup();
	pci_testdev_bar_write(&d, 1, 0, 1, 1); /* portio-wildcard-eventfd */
	CU_ASSERT_EQUAL(armed, 4);
	CU_ASSERT_EQUAL(hdr32(1, 4), 128 + 4);
	CU_ASSERT_EQUAL(hdr32(1, 8), 0xce);
	rings = 16; /* as KVM signalled the eventfd */
	CU_ASSERT_EQUAL(hdr32(1, 12), 16);
	CU_ASSERT_EQUAL(hdr32(1, 12), 16); /* counted once */
	/* the other BAR shows nothing while this test runs */
	CU_ASSERT_EQUAL(pci_testdev_bar_read(&d, 0, 0, 4), 0);
	pci_testdev_bar_write(&d, 0, 0, 1, 2); /* mmio-datamatch-eventfd */
	CU_ASSERT_EQUAL(armed, 2);
	CU_ASSERT_EQUAL(hdr32(0, 12), 0);
	pci_testdev_bar_write(&d, 0, 0, 1, 3); /* no such test: stopped */
	CU_ASSERT_EQUAL(armed, -1);
	CU_ASSERT_EQUAL(d.current, -1);
	pci_testdev_bar_write(&d, 0, 0, 1, 1);
	pci_testdev_reset(&d);
	CU_ASSERT_EQUAL(armed, -1);
}

/* Saved with its test and the rings counted so far; restored, the test's doorbell armed again. */
static void test_snapshot(void)
{
	struct snapshot_writer w;
	struct snapshot_index ix;
	struct snapshot_cursor c;
	const uint8_t *buf;
	uint8_t bad[8] = { 7 }; /* test 6: there is none */
	size_t len;
	char err[100];

	setup();
	pci_testdev_bar_write(&d, 0, 0, 1, 2); /* mmio-datamatch-eventfd */
	rings = 5;
	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, SNAPSHOT_TAG('P', 'T', 'D', 'V'), 0);
	pci_testdev_save(&d, &w);
	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(buf, len, &ix, err, sizeof(err)), 0);
	setup();
	rings = 3; /* rings of another moment: not counted */
	snapshot_cursor_init(&c, &ix.sections[0]);
	CU_ASSERT_EQUAL(pci_testdev_restore(&d, &c), 0);
	CU_ASSERT_EQUAL(d.current, 2);
	CU_ASSERT_EQUAL(armed, 2);
	CU_ASSERT_EQUAL(hdr32(0, 12), 5);
	snapshot_writer_free(&w);
	setup();
	c = (struct snapshot_cursor){ .p = bad, .len = sizeof(bad) };
	CU_ASSERT_EQUAL(pci_testdev_restore(&d, &c), -EINVAL);
	CU_ASSERT_EQUAL(d.current, -1);
}

const char unit_suite_name[] = "pci_testdev";
const struct unit_test unit_tests[] = {
	{ "its identity and BARs", test_identity },
	{ "the test the device serves itself", test_no_eventfd },
	{ "the eventfd tests", test_eventfd_tests },
	{ "saved and restored", test_snapshot },
	{ NULL, NULL },
};
