/*
 * Accesses of any offset and width to the host bridge (ECAM and its
 * windows) with one function (BARs of each kind, a capability): what
 * hardware promises must hold whatever the guest writes. The IDs stay, an
 * absent function reads all-ones, a BAR decodes only at an address of its
 * own alignment, and a window access reaches a BAR inside it or nothing.
 */
#include <string.h>

#include "a64vm/memmap.h"
#include "a64vm/pci_host.h"
#include "fuzz.h"

#define ECAM_OFF (MEMMAP_PCIE_ECAM_BASE - MEMMAP_PCIE_MMIO_BASE)

/* What a BAR answers: which BAR, where in it. */
static uint64_t bar_read(void *ctx, unsigned bar, uint64_t off, unsigned size)
{
	(void)ctx;
	FUZZ_CHECK(bar < PCI_NUM_BARS && off + size <= 0x4000);
	return (uint64_t)bar << 16 | off;
}

static void bar_write(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	(void)ctx, (void)val;
	FUZZ_CHECK(bar < PCI_NUM_BARS && off + size <= 0x4000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pci_host h;
	static struct pci_function fn;
	struct fuzz_in in = { data, size };

	pci_host_init(&h);
	memset(&fn, 0, sizeof(fn));
	pci_config_init(&fn.cfg, 0x1af4, 0x1042, 0x01800001);
	FUZZ_CHECK(!pci_config_add_bar(&fn.cfg, 0, 0x1000, PCI_BAR_MEM32));
	FUZZ_CHECK(!pci_config_add_bar(&fn.cfg, 1, 16, PCI_BAR_IO));
	FUZZ_CHECK(!pci_config_add_bar(&fn.cfg, 2, 0x4000, PCI_BAR_MEM64 | PCI_BAR_PREFETCH));
	FUZZ_CHECK(pci_config_add_cap(&fn.cfg, 0x11, 12) == 0x40);
	pci_config_writable(&fn.cfg, 0x42, 2, 0xc000);
	fn.bar_read = bar_read;
	fn.bar_write = bar_write;
	FUZZ_CHECK(!pci_host_attach(&h, 1, &fn));
	while (in.left) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		unsigned width = 1u << ((op >> 1) & 3); /* 1, 2, 4 or 8 */
		uint64_t off = fuzz_take(&in, 3) & ((1u << 24) - 1);
		uint64_t v, ones = width >= 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;

		if (op & 8) { /* the windows: a BAR inside them, or nothing */
			off = fuzz_take(&in, 4) % ECAM_OFF;
			if (op & 1) {
				pci_host_write(&h, off, width > 4 ? 4 : width, fuzz_take(&in, 4));
				continue;
			}
			v = pci_host_read(&h, off, width > 4 ? 4 : width);
			FUZZ_CHECK(v == (width > 4 ? 0xffffffffu : ones) ||
				   ((v >> 16) < PCI_NUM_BARS && (v & 0xffff) < 0x4000));
			continue;
		}
		if (op & 1) {
			pci_host_ecam_write(&h, off, width, fuzz_take(&in, 4));
			continue;
		}
		v = pci_host_ecam_read(&h, off, width);
		if ((off >> 15) > 1 || (off & 0x7000))
			FUZZ_CHECK(v == (width >= 4 ? 0xffffffffu : (1u << (8 * width)) - 1));
	}
	FUZZ_CHECK(pci_config_get(&fn.cfg, 0, 4) == 0x10421af4);
	FUZZ_CHECK(pci_config_get(&h.root.cfg, 0, 4) == 0x00081b36);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		uint64_t a = pci_config_bar_addr(&fn.cfg, i);

		FUZZ_CHECK(a == PCI_BAR_UNMAPPED || !(a & (fn.cfg.bar_size[i] - 1)));
		FUZZ_CHECK(a == PCI_BAR_UNMAPPED || fn.cfg.bar_size[i]);
	}
	return 0;
}
