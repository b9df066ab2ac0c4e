/*
 * The PCI host bridge's KVM side: functions into slots, the doorbells
 * (ioeventfds) that follow their BARs wherever the guest puts them, INTx
 * lines shared by slots, and MSI-X vectors as one irqfd each on an MSI
 * route to the ITS. Every call but create and destroy is made with the
 * host bridge's lock held (the bus holds it for the guest's accesses).
 */
#ifndef A64VM_PCI_BUS_H
#define A64VM_PCI_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "a64vm/pci_host.h"
#include "a64vm/pci_msix.h"

struct irq_routes;
struct pci_bus;

struct pci_bus_wiring {
	int vm_fd;
	struct pci_host *host;
	pthread_mutex_t *host_lock; /* the bus takes it for the guest's accesses */
	bool msi;		    /* an ITS takes MSIs */
};

int pci_bus_create(const struct pci_bus_wiring *w, struct pci_bus **out);
void pci_bus_destroy(struct pci_bus *b);

pthread_mutex_t *pci_bus_lock(struct pci_bus *b);
/* The ITS doorbell MSI-X entries must aim at, or 0 when there is no ITS. */
uint64_t pci_bus_msi_doorbell(const struct pci_bus *b);

/* fn into the next free slot: the slot (1..31), or -ENOSPC. */
int pci_bus_add(struct pci_bus *b, struct pci_function *fn);

/*
 * A doorbell: KVM signals fd when the guest writes len bytes at off in
 * BAR bar of fn (with datamatch, only the value data), while it is armed
 * and the BAR decodes. The doorbell's index, or -ENOSPC.
 */
int pci_bus_doorbell(struct pci_bus *b, const struct pci_function *fn, unsigned bar,
		     uint64_t off, unsigned len, bool datamatch, uint64_t data, int fd,
		     bool armed);
void pci_bus_doorbell_arm(struct pci_bus *b, int index, bool armed);
/* KVM signals fd for the doorbell from now on (the old one stays open). */
void pci_bus_doorbell_set_fd(struct pci_bus *b, int index, int fd);

/* Drives INTx pin (1 = INTA#) of slot; slots sharing an SPI are or'ed. */
void pci_bus_set_intx(struct pci_bus *b, unsigned slot, unsigned pin, bool level);

/* A function's MSI-X vectors, each an irqfd on a route of its own. */
struct pci_bus_msix {
	struct pci_bus *bus;
	struct pci_msix *msix;
	uint32_t devid; /* the requester ID: bus 0, slot, function 0 */
	int fd[PCI_MSIX_MAX_VECTORS];
	int gsi[PCI_MSIX_MAX_VECTORS];
	bool stale[PCI_MSIX_MAX_VECTORS]; /* the route lags the entry */
};

int pci_bus_msix_init(struct pci_bus *b, struct pci_bus_msix *x, struct pci_msix *m,
		      unsigned slot);
void pci_bus_msix_fini(struct pci_bus_msix *x);
/*
 * The irqfd of vector, its route synced, for another process to signal
 * directly (a vhost-user daemon): -1 while the vector is masked, off or
 * aimed elsewhere, when messages must go through pci_msix_signal.
 */
int pci_bus_msix_irqfd(struct pci_bus_msix *x, unsigned vector);
/*
 * Every vector gets a new irqfd: whoever had the old ones (a daemon that
 * is gone) can no longer raise them. The old descriptors, still open, go
 * to old_fds (one per vector, -1 for none). 0 or -errno.
 */
int pci_bus_msix_renew(struct pci_bus_msix *x, int *old_fds);
/* As struct pci_msix's deliver and changed (ctx is the struct pci_bus_msix). */
void pci_bus_msix_deliver(void *x, unsigned vector);
void pci_bus_msix_changed(void *x, unsigned vector);

#endif
