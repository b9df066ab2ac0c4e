/*
 * MSI-X (PCI Local Bus 3.0, 6.8.2): the capability, the vector table and
 * the pending bit array of one function, with the masking rules. A vector
 * is delivered only to the GICv3 ITS's doorbell: a message aimed anywhere
 * else is dropped and counted, since nothing else on this board takes an
 * MSI. Pure: delivery goes out through a callback.
 */
#ifndef A64VM_PCI_MSIX_H
#define A64VM_PCI_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/pci_config.h"

#define PCI_MSIX_MAX_VECTORS 8
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_NO_VECTOR 0xffff

struct pci_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl; /* ctrl bit 0: masked */
};

struct pci_msix {
	struct pci_config *cfg;
	unsigned cap; /* the capability's offset in cfg */
	unsigned nvec;
	uint64_t doorbell; /* the ITS's GITS_TRANSLATER */
	struct pci_msix_entry table[PCI_MSIX_MAX_VECTORS];
	uint32_t pending; /* a bit per vector: signalled while masked */
	/* Sends the vector's message (its entry is valid and unmasked). */
	void (*deliver)(void *ctx, unsigned vector);
	/* The vector's message or mask changed: what carries it must follow. */
	void (*changed)(void *ctx, unsigned vector);
	void *ctx;
	uint64_t dropped; /* messages not aimed at the doorbell */
	bool warned;
};

/*
 * The capability, with nvec vectors (1..PCI_MSIX_MAX_VECTORS) whose table
 * sits at table_off and pending bits at pba_off in BAR bar. 0 or -errno.
 */
int pci_msix_init(struct pci_msix *m, struct pci_config *cfg, unsigned nvec,
		  unsigned bar, uint32_t table_off, uint32_t pba_off, uint64_t doorbell);

/* Power-on state: every vector masked, nothing pending, MSI-X off. */
void pci_msix_reset(struct pci_msix *m);

/* Whether the driver enabled MSI-X (the capability's enable bit). */
bool pci_msix_enabled(const struct pci_msix *m);

/* After a configuration write: an unmask delivers what is pending. */
void pci_msix_config_written(struct pci_msix *m);

/* The table and the PBA: 4 or 8 bytes, aligned; others read 0, write nothing. */
uint64_t pci_msix_table_read(struct pci_msix *m, uint64_t off, unsigned size);
void pci_msix_table_write(struct pci_msix *m, uint64_t off, unsigned size, uint64_t val);
uint64_t pci_msix_pba_read(const struct pci_msix *m, uint64_t off, unsigned size);

/*
 * Whether a signal of vector goes straight out now: MSI-X on, neither the
 * function nor the vector masked, the message aimed at the doorbell.
 */
bool pci_msix_vector_live(const struct pci_msix *m, unsigned vector);

/* The vector's message: 64-bit address and data. */
uint64_t pci_msix_address(const struct pci_msix *m, unsigned vector);

/*
 * The device signals vector: delivered, or left pending while masked.
 * Nothing happens for a vector beyond the table.
 */
void pci_msix_signal(struct pci_msix *m, unsigned vector);

#endif
