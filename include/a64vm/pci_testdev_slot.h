/*
 * QEMU's pci-testdev on the PCI bus (--testdev): the model
 * (devices/pci_testdev.c) with an ioeventfd behind each doorbell that
 * should not exit to userspace.
 */
#ifndef A64VM_PCI_TESTDEV_SLOT_H
#define A64VM_PCI_TESTDEV_SLOT_H

struct pci_bus;
struct pci_testdev_slot;
struct snapshot_index;
struct snapshot_writer;

/* Into the bus's next slot; 0 or -errno (logged). */
int pci_testdev_slot_create(struct pci_bus *bus, struct pci_testdev_slot **out);
void pci_testdev_slot_destroy(struct pci_testdev_slot *t);
void pci_testdev_slot_reset(struct pci_testdev_slot *t);
/* Its section of a snapshot (none without the device, t NULL). */
void pci_testdev_slot_save(struct pci_testdev_slot *t, struct snapshot_writer *w);
/* 0; -ENODEV when the snapshot and the VM differ in having one; -EINVAL. */
int pci_testdev_slot_restore(struct pci_testdev_slot *t, const struct snapshot_index *ix);

#endif
