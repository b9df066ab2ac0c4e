/*
 * The virtio-pci transport, modern only (VIRTIO 1.x, 4.1): a PCI function
 * whose vendor capabilities point into one 64-bit BAR (common
 * configuration, ISR, device configuration, notifications), with MSI-X in
 * a BAR of its own when the board can deliver it, else INTx. Pure: it
 * maps the guest's accesses onto a struct virtio_core; interrupts and the
 * INTx line go out through callbacks.
 */
#ifndef A64VM_VIRTIO_PCI_H
#define A64VM_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/pci_host.h"
#include "a64vm/pci_msix.h"
#include "a64vm/virtio_core.h"

#define VIRTIO_PCI_BAR 4 /* 64-bit, prefetchable: the four regions */
#define VIRTIO_PCI_BAR_SIZE 0x4000
#define VIRTIO_PCI_MSIX_BAR 1
#define VIRTIO_PCI_MSIX_BAR_SIZE 0x1000
#define VIRTIO_PCI_NOTIFY_OFF 0x3000
#define VIRTIO_PCI_NOTIFY_MULTIPLIER 4

/* Where the driver writes queue's notification, in VIRTIO_PCI_BAR. */
static inline uint64_t virtio_pci_notify_offset(unsigned queue)
{
	return VIRTIO_PCI_NOTIFY_OFF + (uint64_t)queue * VIRTIO_PCI_NOTIFY_MULTIPLIER;
}

struct virtio_pci_wiring {
	/* Drives the function's INTx line (INTA#). */
	void (*set_intx)(void *ctx, bool level);
	/* MSI-X (msix_doorbell 0: no MSI-X): as in struct pci_msix. */
	uint64_t msix_doorbell;
	void (*msix_deliver)(void *ctx, unsigned vector);
	void (*msix_changed)(void *ctx, unsigned vector);
	void *ctx;
};

struct virtio_pci {
	struct virtio_core *vd;
	struct pci_function fn;
	struct virtio_pci_wiring w;
	bool has_msix;
	struct pci_msix msix;
	uint16_t config_vector;
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];
	bool intx_pending;  /* an interrupt for INTx, until the ISR is read */
	bool intx;	    /* the line's level */
	unsigned cfg_cap;   /* the PCI configuration access capability */
};

/*
 * The function for vd (initialised, with its ops): its configuration
 * space, and vd's interrupts taken over. class_code is the PCI class
 * (base, sub, interface). 0 or -errno.
 */
int virtio_pci_init(struct virtio_pci *p, struct virtio_core *vd, uint32_t class_code,
		    const struct virtio_pci_wiring *w);

/* A machine reset: the device and the function (vectors, MSI-X, INTx). */
void virtio_pci_reset(struct virtio_pci *p);

/* The BARs' accesses and configuration hooks, as struct pci_function wants. */
uint64_t virtio_pci_bar_read(void *p, unsigned bar, uint64_t off, unsigned size);
void virtio_pci_bar_write(void *p, unsigned bar, uint64_t off, unsigned size,
			  uint64_t val);
void virtio_pci_config_written(void *p, unsigned off, unsigned size);
void virtio_pci_config_reading(void *p, unsigned off, unsigned size);

#endif
