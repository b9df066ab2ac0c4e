/*
 * The PCIe host bridge of QEMU's virt board: an ECAM window (buses 0-15)
 * over bus 0, whose slot 0 is the root complex, QEMU's generic host bridge
 * (1b36:0008). Functions are attached to slots; an access to a bus, slot
 * or function with nothing there reads all-ones, as hardware answers.
 * Pure: a platform device (pci_host_device) whose accesses are ECAM's.
 */
#ifndef A64VM_PCI_HOST_H
#define A64VM_PCI_HOST_H

#include "a64vm/device.h"
#include "a64vm/pci_config.h"

#define PCI_HOST_SLOTS 32

/* A function on bus 0: its configuration space and who hears of writes. */
struct pci_function {
	struct pci_config cfg;
	/* After a guest write to [off, off + size): BARs or command may differ. */
	void (*config_written)(void *ctx, unsigned off, unsigned size);
	void *ctx;
};

struct pci_host {
	struct pci_function root; /* 00:00.0 */
	struct pci_function *slots[PCI_HOST_SLOTS];
	uint64_t refused; /* accesses not legal, or to nothing */
};

void pci_host_init(struct pci_host *h);
/* fn at slot (1..31); 0 or -EBUSY / -EINVAL. */
int pci_host_attach(struct pci_host *h, unsigned slot, struct pci_function *fn);

/* ECAM accesses (the MMIO bus's shape; h is the struct pci_host). */
uint64_t pci_host_ecam_read(void *h, uint64_t off, unsigned size);
void pci_host_ecam_write(void *h, uint64_t off, unsigned size, uint64_t val);

extern const struct device_ops pci_host_device;

#endif
