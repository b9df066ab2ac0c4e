/*
 * The VM's GSI routing table: KVM replaces the whole table at once, so
 * one owner keeps it. It holds a route to every SPI (irqfds for wired
 * interrupts keep working once the table is set) and the MSI routes of
 * PCI functions' MSI-X vectors, each with its requester ID as the ITS
 * device ID.
 */
#ifndef A64VM_IRQ_ROUTES_H
#define A64VM_IRQ_ROUTES_H

#include <stdint.h>

struct irq_routes;

int irq_routes_create(int vm_fd, struct irq_routes **out);
void irq_routes_destroy(struct irq_routes *r);

/* A GSI of its own for an MSI (no route yet): the GSI, or -ENOSPC. */
int irq_routes_add_msi(struct irq_routes *r);

/*
 * The MSI route of gsi: address and data from the MSI-X entry, devid the
 * requester ID. 0, or -errno from KVM (logged).
 */
int irq_routes_set_msi(struct irq_routes *r, unsigned gsi, uint64_t addr, uint32_t data,
		       uint32_t devid);

#endif
