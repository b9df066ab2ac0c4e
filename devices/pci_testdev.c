#include "a64vm/pci_testdev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/snapshot_file.h"

#define REDHAT_VENDOR 0x1b36
#define PCI_TESTDEV_ID 0x0005
#define CLASS_OTHERS 0xff000000u /* base ff: a device of no class */
#define TESTS_PER_BAR 3
#define DATA_MATCH 0xfa
#define DATA_ANY 0xce

/* The header a test shows at the start of its BAR (little-endian). */
enum header { TEST = 0, WIDTH = 1, OFFSET = 4, DATA = 8, COUNT = 12, NAME = 16 };

static const char *const kinds[TESTS_PER_BAR] = {
	"no-eventfd", "wildcard-eventfd", "datamatch-eventfd",
};

void pci_testdev_bell(unsigned t, struct pci_testdev_bell *out)
{
	unsigned n = t % TESTS_PER_BAR;

	out->bar = t / TESTS_PER_BAR;
	/* the doorbells sit in the BAR's second half, a byte per test */
	out->offset = (out->bar ? PCI_TESTDEV_IO_SIZE : PCI_TESTDEV_MEM_SIZE) / 2 + t;
	out->width = 1;
	out->eventfd = n != 0;
	out->datamatch = n != 1;
	out->data = n == 1 ? DATA_ANY : DATA_MATCH;
}

void pci_testdev_init(struct pci_testdev *d)
{
	memset(d, 0, sizeof(*d));
	pci_config_init(&d->fn.cfg, REDHAT_VENDOR, PCI_TESTDEV_ID, CLASS_OTHERS);
	pci_config_set_subsystem(&d->fn.cfg, 0x1af4, 0x1100);
	pci_config_add_bar(&d->fn.cfg, 0, PCI_TESTDEV_MEM_SIZE, PCI_BAR_MEM32);
	pci_config_add_bar(&d->fn.cfg, 1, PCI_TESTDEV_IO_SIZE, PCI_BAR_IO);
	d->fn.bar_read = pci_testdev_bar_read;
	d->fn.bar_write = pci_testdev_bar_write;
	d->fn.ctx = d;
	d->current = -1;
}

static void stop(struct pci_testdev *d)
{
	if (d->current >= 0 && d->arm)
		d->arm(d->ctx, (unsigned)d->current, false);
	d->current = -1;
}

void pci_testdev_reset(struct pci_testdev *d)
{
	stop(d);
}

/* The running test's header, as the guest reads it. */
static unsigned header(struct pci_testdev *d, uint8_t *buf, unsigned size)
{
	struct pci_testdev_bell b;
	unsigned t = (unsigned)d->current;
	int n;

	pci_testdev_bell(t, &b);
	if (b.eventfd && d->rung)
		d->count += d->rung(d->ctx, t);
	memset(buf, 0, size);
	buf[TEST] = (uint8_t)t;
	buf[WIDTH] = (uint8_t)b.width;
	memcpy(&buf[OFFSET], &(uint32_t){ b.offset }, 4); /* the guest's endianness */
	buf[DATA] = b.data;
	memcpy(&buf[COUNT], &d->count, 4);
	n = snprintf((char *)&buf[NAME], size - NAME, "%s-%s", b.bar ? "portio" : "mmio",
		     kinds[t % TESTS_PER_BAR]);
	return NAME + (unsigned)n + 1;
}

uint64_t pci_testdev_bar_read(void *opaque, unsigned bar, uint64_t off, unsigned size)
{
	struct pci_testdev *d = opaque;
	uint8_t buf[64];
	unsigned len;
	uint64_t v = 0;

	if (d->current < 0 || (unsigned)d->current / TESTS_PER_BAR != bar)
		return 0;
	len = header(d, buf, sizeof(buf));
	for (unsigned i = 0; i < size && off + i < len; i++)
		v |= (uint64_t)buf[off + i] << (8 * i);
	return v;
}

void pci_testdev_bar_write(void *opaque, unsigned bar, uint64_t off, unsigned size,
			   uint64_t val)
{
	struct pci_testdev *d = opaque;
	struct pci_testdev_bell b;

	if (off == TEST) {
		stop(d);
		if ((val & 0xff) >= TESTS_PER_BAR || bar > 1)
			return;
		d->current = (int)(bar * TESTS_PER_BAR + (val & 0xff));
		d->count = 0;
		pci_testdev_bell((unsigned)d->current, &b);
		if (b.eventfd && d->arm) {
			if (d->rung)
				d->rung(d->ctx, (unsigned)d->current); /* stale rings */
			d->arm(d->ctx, (unsigned)d->current, true);
		}
		return;
	}
	if (d->current < 0 || (unsigned)d->current / TESTS_PER_BAR != bar)
		return;
	pci_testdev_bell((unsigned)d->current, &b);
	/* A ring that reached the device: its own test, or one KVM passed up. */
	if (off == b.offset && (!b.datamatch || (size == b.width && (val & 0xff) == b.data)))
		d->count++;
}

void pci_testdev_save(struct pci_testdev *d, struct snapshot_writer *w)
{
	struct pci_testdev_bell b;

	/* The rings an ioeventfd counted and no read added yet. */
	if (d->current >= 0) {
		pci_testdev_bell((unsigned)d->current, &b);
		if (b.eventfd && d->rung)
			d->count += d->rung(d->ctx, (unsigned)d->current);
	}
	snapshot_put_u32(w, (uint32_t)(d->current + 1));
	snapshot_put_u32(w, d->count);
}

int pci_testdev_restore(struct pci_testdev *d, struct snapshot_cursor *c)
{
	uint32_t current = snapshot_get_u32(c), count = snapshot_get_u32(c);
	struct pci_testdev_bell b;

	if (c->bad || !snapshot_cursor_done(c) || current > PCI_TESTDEV_TESTS)
		return -EINVAL;
	stop(d);
	d->current = (int)current - 1;
	d->count = count;
	if (d->current < 0)
		return 0;
	pci_testdev_bell((unsigned)d->current, &b);
	if (b.eventfd && d->arm && d->rung) {
		d->rung(d->ctx, (unsigned)d->current); /* rings of another moment */
		d->arm(d->ctx, (unsigned)d->current, true);
	}
	return 0;
}
