#include "a64vm/pci_testdev_slot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/pci_bus.h"
#include "a64vm/pci_testdev.h"
#include "a64vm/snapshot_file.h"

struct pci_testdev_slot {
	struct pci_testdev dev;
	struct pci_bus *bus;
	int fd[PCI_TESTDEV_TESTS];
	int bell[PCI_TESTDEV_TESTS]; /* the bus's doorbell index, or -1 */
};

static void arm(void *ctx, unsigned t, bool on)
{
	struct pci_testdev_slot *p = ctx;

	pci_bus_doorbell_arm(p->bus, p->bell[t], on);
}

static uint32_t rung(void *ctx, unsigned t)
{
	struct pci_testdev_slot *p = ctx;
	uint64_t n = 0;

	if (p->fd[t] < 0 || read(p->fd[t], &n, sizeof(n)) != sizeof(n))
		return 0; /* EAGAIN: not rung */
	return (uint32_t)n;
}

int pci_testdev_slot_create(struct pci_bus *bus, struct pci_testdev_slot **out)
{
	struct pci_testdev_slot *p = calloc(1, sizeof(*p));
	int ret = 0;

	*out = p;
	if (!p)
		return -ENOMEM;
	p->bus = bus;
	pci_testdev_init(&p->dev);
	p->dev.arm = arm;
	p->dev.rung = rung;
	p->dev.ctx = p;
	for (unsigned t = 0; t < PCI_TESTDEV_TESTS; t++)
		p->fd[t] = p->bell[t] = -1;
	ret = pci_bus_add(bus, &p->dev.fn);
	for (unsigned t = 0; t < PCI_TESTDEV_TESTS && ret >= 0; t++) {
		struct pci_testdev_bell b;

		pci_testdev_bell(t, &b);
		if (!b.eventfd)
			continue;
		p->fd[t] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = p->fd[t] < 0 ? -errno
				   : pci_bus_doorbell(bus, &p->dev.fn, b.bar, b.offset, b.width,
						      b.datamatch, b.data, p->fd[t], false);
		p->bell[t] = ret;
	}
	if (ret < 0)
		log_error("pci-testdev: %s", strerror(-ret));
	return ret < 0 ? ret : 0;
}

void pci_testdev_slot_destroy(struct pci_testdev_slot *p)
{
	if (!p)
		return;
	for (unsigned t = 0; t < PCI_TESTDEV_TESTS; t++)
		if (p->fd[t] >= 0)
			close(p->fd[t]);
	free(p);
}

void pci_testdev_slot_reset(struct pci_testdev_slot *p)
{
	if (p)
		pci_testdev_reset(&p->dev);
}

#define PCI_TESTDEV_TAG SNAPSHOT_TAG('P', 'T', 'D', 'V')

void pci_testdev_slot_save(struct pci_testdev_slot *p, struct snapshot_writer *w)
{
	if (!p)
		return;
	snapshot_writer_begin(w, PCI_TESTDEV_TAG, 0);
	pci_testdev_save(&p->dev, w);
}

int pci_testdev_slot_restore(struct pci_testdev_slot *p, const struct snapshot_index *ix)
{
	const struct snapshot_section *s = snapshot_find(ix, PCI_TESTDEV_TAG, 0);
	struct snapshot_cursor c;

	if (!p || !s)
		return !p == !s ? 0 : -ENODEV;
	snapshot_cursor_init(&c, s);
	return pci_testdev_restore(&p->dev, &c);
}
