/*
 * QEMU's PCI test device (pci-testdev, 1b36:0005; QEMU's
 * docs/specs/pci-testdev.rst): a memory BAR and an I/O BAR, each with
 * three tests a guest starts by number and then rings a doorbell of: one
 * the device serves itself, one any write signals, one only the test's
 * data value signals. The two last are ioeventfds in the glue, so a ring
 * never exits to userspace; the count the guest reads adds them up.
 * Pure: the glue arms the doorbells and counts their signals.
 */
#ifndef A64VM_PCI_TESTDEV_H
#define A64VM_PCI_TESTDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/pci_host.h"

#define PCI_TESTDEV_TESTS 6 /* 3 on BAR 0 (memory), 3 on BAR 1 (I/O) */
#define PCI_TESTDEV_MEM_SIZE 4096
#define PCI_TESTDEV_IO_SIZE 256

/* What test t rings: where in its BAR, how wide, what value (datamatch). */
struct pci_testdev_bell {
	unsigned bar;
	uint32_t offset;
	unsigned width;
	bool eventfd, datamatch;
	uint8_t data;
};

struct pci_testdev {
	struct pci_function fn;
	int current; /* the running test, or -1 */
	uint32_t count; /* rings the device saw itself */
	/* The glue's doorbell of test t: armed while the test runs. */
	void (*arm)(void *ctx, unsigned t, bool on);
	/* Rings of test t's doorbell since the last call (read and cleared). */
	uint32_t (*rung)(void *ctx, unsigned t);
	void *ctx;
};

void pci_testdev_init(struct pci_testdev *d);
void pci_testdev_bell(unsigned t, struct pci_testdev_bell *out);
/* Power-on: no test running. */
void pci_testdev_reset(struct pci_testdev *d);

struct snapshot_cursor;
struct snapshot_writer;
/* For a snapshot: the running test and its count; restored, its doorbell armed. */
void pci_testdev_save(struct pci_testdev *d, struct snapshot_writer *w);
int pci_testdev_restore(struct pci_testdev *d, struct snapshot_cursor *c);

/* The BARs' accesses, as struct pci_function wants (d is the device). */
uint64_t pci_testdev_bar_read(void *d, unsigned bar, uint64_t off, unsigned size);
void pci_testdev_bar_write(void *d, unsigned bar, uint64_t off, unsigned size,
			   uint64_t val);

#endif
