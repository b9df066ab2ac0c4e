/*
 * A PCI function's configuration space (PCI Local Bus 3.0, PCIe 4 KiB
 * extended space): the header, BARs sized by the all-ones write, the
 * command register deciding what decodes, a capability list. Pure: the
 * host bridge reads and writes it; the glue asks where each BAR is.
 */
#ifndef A64VM_PCI_CONFIG_H
#define A64VM_PCI_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_SIZE 4096 /* PCIe: extended configuration space */
#define PCI_NUM_BARS 6

/* Header offsets and bits used outside this module. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

/* A BAR's kind (its low bits, as the guest reads them). */
enum pci_bar_kind {
	PCI_BAR_MEM32 = 0x0,
	PCI_BAR_IO = 0x1,
	PCI_BAR_MEM64 = 0x4, /* takes this BAR and the next */
};
#define PCI_BAR_PREFETCH 0x8

#define PCI_BAR_UNMAPPED UINT64_MAX

struct pci_config {
	uint8_t data[PCI_CONFIG_SIZE];
	uint8_t wmask[PCI_CONFIG_SIZE]; /* the bits a guest write changes */
	uint8_t w1c[PCI_CONFIG_SIZE];	/* the bits a guest write of 1 clears */
	uint64_t bar_size[PCI_NUM_BARS]; /* 0: no BAR (a MEM64's upper half too) */
	uint8_t cap_next;		 /* where the next capability goes */
	uint8_t cap_link;		 /* the pointer that will point at it */
};

/* A type-0 header: IDs, class (base, sub, interface in its top 24 bits) and revision. */
void pci_config_init(struct pci_config *c, uint16_t vendor, uint16_t device,
		     uint32_t class_rev);
void pci_config_set_subsystem(struct pci_config *c, uint16_t vendor, uint16_t id);
/* INTx pin (1 = INTA#); 0: none. */
void pci_config_set_pin(struct pci_config *c, uint8_t pin);

/*
 * BAR index of size bytes (a power of two, at least 16 for memory and 4
 * for I/O) and kind, with PCI_BAR_PREFETCH or'ed in as wanted. 0, or
 * -EINVAL for a bad index, size or overlap with another BAR.
 */
int pci_config_add_bar(struct pci_config *c, unsigned index, uint64_t size,
		       unsigned kind);

/*
 * A capability of len bytes (id and next pointer included) in the
 * standard space: its offset, or -ENOSPC. The caller fills the rest and
 * says which of its bytes the guest may write (pci_config_writable).
 */
int pci_config_add_cap(struct pci_config *c, uint8_t id, unsigned len);

/*
 * A PCI Express capability (version 2) of a root complex integrated
 * endpoint, as QEMU gives devices on its PCIe root bus: guests (FreeBSD)
 * allow MSI only on a bus with PCIe devices. Its offset, or -ENOSPC.
 */
int pci_config_add_express(struct pci_config *c);
void pci_config_writable(struct pci_config *c, unsigned off, unsigned len,
			 uint32_t mask);

/*
 * The guest's accesses: size 1, 2 or 4 bytes, naturally aligned, inside
 * the 4 KiB. Others read as all-ones and are ignored on write (false).
 */
bool pci_config_read(const struct pci_config *c, unsigned off, unsigned size,
		     uint32_t *val);
bool pci_config_write(struct pci_config *c, unsigned off, unsigned size, uint32_t val);

/* Power-on state: every bit a guest may write or clear back to 0. */
void pci_config_reset(struct pci_config *c);

struct snapshot_writer;
/* The space for a snapshot: PCI_CONFIG_SIZE bytes. */
void pci_config_save(const struct pci_config *c, struct snapshot_writer *w);
/* Whether saved (PCI_CONFIG_SIZE bytes) is this function's: 0 or -EINVAL. */
int pci_config_check(const struct pci_config *c, const uint8_t *saved);
/* The bits a guest may write or clear taken from saved; the model's own kept. */
void pci_config_restore(struct pci_config *c, const uint8_t *saved);

/* Little-endian fields, for the device itself. */
uint32_t pci_config_get(const struct pci_config *c, unsigned off, unsigned size);
void pci_config_set(struct pci_config *c, unsigned off, unsigned size, uint32_t val);

/*
 * Where BAR index decodes now: its address, or PCI_BAR_UNMAPPED when it
 * has none, its kind is not enabled in the command register, or the guest
 * left it at the sizing pattern.
 */
uint64_t pci_config_bar_addr(const struct pci_config *c, unsigned index);
/* Whether the BAR is an I/O one (else memory). */
bool pci_config_bar_is_io(const struct pci_config *c, unsigned index);

#endif
