/*
 * The PCIe host bridge of QEMU's virt board: an ECAM window (buses 0-15)
 * over bus 0, whose slot 0 is the root complex, QEMU's generic host bridge
 * (1b36:0008). Functions are attached to slots; an access to a bus, slot
 * or function with nothing there reads all-ones, as hardware answers.
 * The bridge also decodes its windows: an access there goes to the BAR
 * that decodes it. Pure: one platform device (pci_host_device) over the
 * 32-bit MMIO window, the I/O window and ECAM, which are contiguous.
 */
#ifndef A64VM_PCI_HOST_H
#define A64VM_PCI_HOST_H

#include "a64vm/device.h"
#include "a64vm/memmap.h"
#include "a64vm/pci_config.h"

#define PCI_HOST_SLOTS 32

/* A function on bus 0: its configuration space and who hears of writes. */
struct pci_function {
	struct pci_config cfg;
	/* After a guest write to [off, off + size): BARs or command may differ. */
	void (*config_written)(void *ctx, unsigned off, unsigned size);
	/* Optional: before a guest read of [off, off + size), to fill it in. */
	void (*config_reading)(void *ctx, unsigned off, unsigned size);
	/* An access at off inside BAR bar (values little-endian). */
	uint64_t (*bar_read)(void *ctx, unsigned bar, uint64_t off, unsigned size);
	void (*bar_write)(void *ctx, unsigned bar, uint64_t off, unsigned size,
			  uint64_t val);
	void *ctx;
};

/* The bridge's address spaces: PCI memory (CPU addresses) and PCI I/O. */
enum pci_space { PCI_SPACE_MEM, PCI_SPACE_IO };

struct pci_host {
	struct pci_function root; /* 00:00.0 */
	struct pci_function *slots[PCI_HOST_SLOTS];
	uint64_t refused; /* accesses not legal, or to nothing */
	/*
	 * Optional: after a guest write that may have moved, enabled or
	 * disabled a BAR of any function (what decodes where may differ).
	 */
	void (*decode_changed)(void *ctx);
	void *decode_ctx;
};

/* The SPI of INTx pin (1 = INTA#) of a slot: QEMU virt's swizzle. */
static inline unsigned pci_host_intx_spi(unsigned slot, unsigned pin)
{
	return MEMMAP_PCIE_INTX_SPI + (pin - 1 + slot) % 4;
}

void pci_host_init(struct pci_host *h);
/* fn at slot (1..31); 0 or -EBUSY / -EINVAL. */
int pci_host_attach(struct pci_host *h, unsigned slot, struct pci_function *fn);

/*
 * An access at addr in space (a PCI address: for I/O, the offset in the
 * I/O window) goes to the BAR that decodes it. A BAR decodes only when it
 * is enabled, lies wholly inside its window and overlaps no other enabled
 * BAR; an access nothing decodes reads all-ones and is dropped (counted).
 */
uint64_t pci_host_bar_read(struct pci_host *h, enum pci_space space, uint64_t addr,
			   unsigned size);
void pci_host_bar_write(struct pci_host *h, enum pci_space space, uint64_t addr,
			unsigned size, uint64_t val);

/*
 * Where BAR bar of fn decodes (a PCI address), or PCI_BAR_UNMAPPED when it
 * does not: disabled, outside its window, or over another BAR.
 */
uint64_t pci_host_bar_decodes(struct pci_host *h, const struct pci_function *fn,
			      unsigned bar);

/* A reboot: every function's configuration space back to power-on. */
void pci_host_reset(struct pci_host *h);

/* Accesses to the 64-bit window, from MEMMAP_PCIE_MMIO64_BASE on. */
uint64_t pci_host_mmio64_read(void *h, uint64_t off, unsigned size);
void pci_host_mmio64_write(void *h, uint64_t off, unsigned size, uint64_t val);

/* The platform device's accesses: from MEMMAP_PCIE_MMIO_BASE on, the 32-bit
 * window, then the I/O window, then ECAM (h is the struct pci_host). */
uint64_t pci_host_read(void *h, uint64_t off, unsigned size);
void pci_host_write(void *h, uint64_t off, unsigned size, uint64_t val);

/* ECAM accesses (the MMIO bus's shape; h is the struct pci_host). */
uint64_t pci_host_ecam_read(void *h, uint64_t off, unsigned size);
void pci_host_ecam_write(void *h, uint64_t off, unsigned size, uint64_t val);

extern const struct device_ops pci_host_device;

#endif
