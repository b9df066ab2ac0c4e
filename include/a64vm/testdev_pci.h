/*
 * QEMU's pci-testdev on the PCI bus (--testdev): the model
 * (devices/pci_testdev.c) with an ioeventfd behind each doorbell that
 * should not exit to userspace.
 */
#ifndef A64VM_TESTDEV_PCI_H
#define A64VM_TESTDEV_PCI_H

struct pci_bus;
struct testdev_pci;

/* Into the bus's next slot; 0 or -errno (logged). */
int testdev_pci_create(struct pci_bus *bus, struct testdev_pci **out);
void testdev_pci_destroy(struct testdev_pci *t);
void testdev_pci_reset(struct testdev_pci *t);

#endif
