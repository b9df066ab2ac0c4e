/* ECAM over bus 0: the root complex, an attached function, and nothing. */
#include <errno.h>
#include <string.h>

#include "a64vm/memmap.h"
#include "a64vm/pci_host.h"
#include "snap_fixture.h"
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

static uint64_t bar_read(void *ctx, unsigned bar, uint64_t off, unsigned size)
{
	(void)ctx, (void)size;
	return (uint64_t)bar << 16 | off;
}

static uint64_t last_write;

static void bar_write(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	(void)ctx, (void)size;
	last_write = (uint64_t)bar << 32 | off << 16 | val;
}

/* fn at slot with BAR 0 (4 KiB memory) and BAR 1 (256 B I/O), placed. */
static void placed(struct pci_function *f, unsigned slot, uint32_t mem, uint32_t io)
{
	memset(f, 0, sizeof(*f));
	pci_config_init(&f->cfg, 0x1b36, 0x0005, 0x00ff0000);
	pci_config_add_bar(&f->cfg, 0, 0x1000, PCI_BAR_MEM32);
	pci_config_add_bar(&f->cfg, 1, 256, PCI_BAR_IO);
	pci_config_add_bar(&f->cfg, 2, 0x4000, PCI_BAR_MEM64);
	f->bar_read = bar_read;
	f->bar_write = bar_write;
	pci_host_attach(&h, slot, f);
	pci_host_ecam_write(&h, ecam(0, slot, 0, 0x10), 4, mem);
	pci_host_ecam_write(&h, ecam(0, slot, 0, 0x14), 4, io);
	pci_host_ecam_write(&h, ecam(0, slot, 0, 0x18), 4, 0);
	pci_host_ecam_write(&h, ecam(0, slot, 0, 0x1c), 4, 0x80);
}

#define PIO_OFF (MEMMAP_PCIE_PIO_BASE - MEMMAP_PCIE_MMIO_BASE)
#define ECAM_OFF (MEMMAP_PCIE_ECAM_BASE - MEMMAP_PCIE_MMIO_BASE)

static void test_bars_decode(void)
{
	pci_host_init(&h);
	placed(&fn, 1, 0x10001000, 0x100);
	/* decoding off: nothing there */
	CU_ASSERT_EQUAL(pci_host_read(&h, 0x1010, 4), 0xffffffffu);
	CU_ASSERT_EQUAL(h.refused, 1);
	pci_host_ecam_write(&h, ecam(0, 1, 0, 4), 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	/* the platform device's offsets: the 32-bit window, then I/O */
	CU_ASSERT_EQUAL(pci_host_read(&h, 0x1010, 4), 0x10);
	CU_ASSERT_EQUAL(pci_host_read(&h, PIO_OFF + 0x104, 1), 1 << 16 | 4);
	pci_host_write(&h, 0x1ff8, 4, 0x55);
	CU_ASSERT_EQUAL(last_write, 0xff80055ull);
	/* past the BAR's end, or straddling it */
	CU_ASSERT_EQUAL(pci_host_read(&h, 0x2000, 4), 0xffffffffu);
	CU_ASSERT_EQUAL(pci_host_read(&h, 0x1ffe, 4), 0xffffffffu);
	/* the 64-bit window */
	CU_ASSERT_EQUAL(pci_host_bar_read(&h, PCI_SPACE_MEM, 0x8000000008ull, 4), 2 << 16 | 8);
	/* ECAM still answers at its place */
	CU_ASSERT_EQUAL(pci_host_read(&h, ECAM_OFF, 2), 0x1b36);
}

static unsigned decode_changes;

static void on_decode_changed(void *ctx)
{
	(void)ctx;
	decode_changes++;
}

/* What the glue asks: where a BAR decodes, when that may have changed. */
static void test_decode_queries(void)
{
	static struct pci_function other;

	pci_host_init(&h);
	h.decode_changed = on_decode_changed;
	placed(&fn, 1, 0x10001000, 0x100);
	decode_changes = 0;
	CU_ASSERT_EQUAL(pci_host_bar_decodes(&h, &fn, 0), PCI_BAR_UNMAPPED);
	pci_host_ecam_write(&h, ecam(0, 1, 0, 4), 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	CU_ASSERT_EQUAL(decode_changes, 1);
	CU_ASSERT_EQUAL(pci_host_bar_decodes(&h, &fn, 0), 0x10001000);
	CU_ASSERT_EQUAL(pci_host_bar_decodes(&h, &fn, 1), 0x100);
	CU_ASSERT_EQUAL(pci_host_bar_decodes(&h, &fn, 2), 0x8000000000ull);
	/* the 64-bit window's own accesses */
	CU_ASSERT_EQUAL(pci_host_mmio64_read(&h, 0x10, 4), 2 << 16 | 0x10);
	pci_host_mmio64_write(&h, 0x3ff8, 4, 0x77);
	CU_ASSERT_EQUAL(last_write, 2ull << 32 | 0x3ff8ull << 16 | 0x77);
	/* another function moving over it: it stops decoding */
	placed(&other, 2, 0x10001000, 0x200);
	pci_host_ecam_write(&h, ecam(0, 2, 0, 4), 2, PCI_COMMAND_MEMORY);
	CU_ASSERT_EQUAL(pci_host_bar_decodes(&h, &fn, 0), PCI_BAR_UNMAPPED);
	CU_ASSERT_EQUAL(pci_host_bar_decodes(&h, &fn, 1), 0x100);
	/* writes past the header's BARs change no decoding: not reported */
	decode_changes = 0;
	pci_host_ecam_write(&h, ecam(0, 1, 0, PCI_INTERRUPT_LINE), 1, 5);
	CU_ASSERT_EQUAL(decode_changes, 0);
	/* a reboot: every function's BARs and command back to 0 */
	pci_host_reset(&h);
	CU_ASSERT_EQUAL(decode_changes, 1);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 1, 0, 4), 2), 0);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 1, 0, 0x10), 4), 0);
	CU_ASSERT_EQUAL(pci_host_ecam_read(&h, ecam(0, 1, 0, 0), 4), 0x00051b36);
}

static void test_bars_misplaced(void)
{
	static struct pci_function other;
	uint64_t refused;

	pci_host_init(&h);
	/* outside the window (over RAM): it decodes nothing, nowhere */
	placed(&fn, 1, (uint32_t)MEMMAP_RAM_BASE, 0x100);
	pci_host_ecam_write(&h, ecam(0, 1, 0, 4), 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	CU_ASSERT_EQUAL(pci_host_bar_read(&h, PCI_SPACE_MEM, MEMMAP_RAM_BASE, 4), 0xffffffffu);
	/* two BARs over each other: neither decodes; the rest still does */
	placed(&other, 2, 0x10002000, 0x100);
	pci_host_ecam_write(&h, ecam(0, 2, 0, 4), 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	refused = h.refused;
	CU_ASSERT_EQUAL(pci_host_read(&h, PIO_OFF + 0x100, 1), 0xff);
	CU_ASSERT_EQUAL(pci_host_read(&h, 0x2010, 4), 0x10);
	CU_ASSERT_EQUAL(h.refused, refused + 1);
	/* moved apart, both decode */
	pci_host_ecam_write(&h, ecam(0, 2, 0, 0x14), 4, 0x200);
	CU_ASSERT_EQUAL(pci_host_read(&h, PIO_OFF + 0x100, 1), 1 << 16);
	CU_ASSERT_EQUAL(pci_host_read(&h, PIO_OFF + 0x204, 1), 1 << 16 | 4);
}

static void test_device_ops(void)
{
	struct device_env env = { 0 };
	void *dev = pci_host_device.create(&env);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	pci_host_device.write(dev, ECAM_OFF + ecam(0, 0, 0, 4), 2, PCI_COMMAND_MEMORY);
	CU_ASSERT_EQUAL(pci_host_device.read(dev, ECAM_OFF + ecam(0, 0, 0, 4), 2), PCI_COMMAND_MEMORY);
	pci_host_device.reset(dev);
	CU_ASSERT_EQUAL(pci_host_device.read(dev, ECAM_OFF + ecam(0, 0, 0, 4), 2), 0);
	CU_ASSERT_TRUE(pci_host_device.dt.pci_host);
	pci_host_device.destroy(dev);
}

/* The guest's writes to each function come back; a function's identity must match. */
static void test_snapshot(void)
{
	struct pci_host *saved_host = pci_host_device.create(&(struct device_env){ 0 });
	struct pci_host *other = pci_host_device.create(&(struct device_env){ 0 });
	static struct pci_function f1, f2;
	const struct snapshot_section *saved;

	pci_config_init(&f1.cfg, 0x1af4, 0x1042, 0x01800000);
	pci_config_add_bar(&f1.cfg, 0, 0x4000, PCI_BAR_MEM32);
	f2 = f1;
	f2.config_written = written;
	CU_ASSERT_EQUAL_FATAL(pci_host_attach(saved_host, 2, &f1), 0);
	pci_host_ecam_write(saved_host, ecam(0, 2, 0, 0x10), 4, 0x10040000);
	pci_host_ecam_write(saved_host, ecam(0, 2, 0, 4), 2, PCI_COMMAND_MEMORY);
	pci_host_ecam_write(saved_host, ecam(0, 0, 0, 4), 2, PCI_COMMAND_MEMORY);
	saved = snap_fixture_save(&pci_host_device, saved_host);
	/* Another set of functions, or a cut section: refused. */
	CU_ASSERT_EQUAL(snap_fixture_restore(&pci_host_device, other, saved), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(pci_host_attach(other, 2, &f2), 0);
	CU_ASSERT_EQUAL(snap_fixture_restore(&pci_host_device, other, snap_fixture_cut(saved)),
			-EINVAL);
	writes = 0;
	CU_ASSERT_EQUAL(snap_fixture_restore(&pci_host_device, other, saved), 0);
	CU_ASSERT_EQUAL(writes, 1); /* the function hears its space changed */
	CU_ASSERT_EQUAL(pci_host_ecam_read(other, ecam(0, 2, 0, 0x10), 4), 0x10040000);
	CU_ASSERT_EQUAL(pci_host_ecam_read(other, ecam(0, 2, 0, 4), 2), PCI_COMMAND_MEMORY);
	CU_ASSERT_EQUAL(pci_host_ecam_read(other, ecam(0, 0, 0, 4), 2), PCI_COMMAND_MEMORY);
	CU_ASSERT_EQUAL(pci_host_ecam_read(other, ecam(0, 2, 0, 0), 4), 0x10421af4);
	pci_host_device.destroy(saved_host);
	pci_host_device.destroy(other);
}

const char unit_suite_name[] = "pci_host";
const struct unit_test unit_tests[] = {
	{ "the root complex, 1b36:0008", test_root_complex },
	{ "absent functions and illegal accesses", test_nothing_there },
	{ "an attached function", test_attached_function },
	{ "BARs decode in their windows", test_bars_decode },
	{ "BARs outside a window or over another", test_bars_misplaced },
	{ "where BARs decode, and when that changes", test_decode_queries },
	{ "the platform device", test_device_ops },
	{ "saved and restored", test_snapshot },
	{ NULL, NULL },
};
