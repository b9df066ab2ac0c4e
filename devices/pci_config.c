#include "a64vm/pci_config.h"

#include <errno.h>
#include <string.h>

#include "a64vm/snapshot_file.h"

#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_STD_CAP_START 0x40
#define PCI_STD_SPACE 0x100
/* The status bits a guest clears by writing 1: parity, aborts, SERR. */
#define PCI_STATUS_W1C 0xf900

uint32_t pci_config_get(const struct pci_config *c, unsigned off, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)c->data[off + i] << (8 * i);
	return v;
}

void pci_config_set(struct pci_config *c, unsigned off, unsigned size, uint32_t val)
{
	for (unsigned i = 0; i < size; i++)
		c->data[off + i] = (uint8_t)(val >> (8 * i));
}

void pci_config_writable(struct pci_config *c, unsigned off, unsigned len, uint32_t mask)
{
	for (unsigned i = 0; i < len && i < 4; i++)
		c->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

void pci_config_init(struct pci_config *c, uint16_t vendor, uint16_t device,
		     uint32_t class_rev)
{
	memset(c, 0, sizeof(*c));
	pci_config_set(c, PCI_VENDOR_ID, 2, vendor);
	pci_config_set(c, PCI_DEVICE_ID, 2, device);
	pci_config_set(c, PCI_CLASS_REVISION, 4, class_rev);
	pci_config_set(c, PCI_HEADER_TYPE, 1, 0);
	pci_config_writable(c, PCI_COMMAND, 2,
			    PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			    PCI_COMMAND_INTX_DISABLE);
	c->w1c[PCI_STATUS] = PCI_STATUS_W1C & 0xff;
	c->w1c[PCI_STATUS + 1] = PCI_STATUS_W1C >> 8;
	c->wmask[PCI_INTERRUPT_LINE] = 0xff;
	c->cap_next = PCI_STD_CAP_START;
	c->cap_link = PCI_CAP_PTR;
}

void pci_config_set_subsystem(struct pci_config *c, uint16_t vendor, uint16_t id)
{
	pci_config_set(c, PCI_SUBSYSTEM_VENDOR_ID, 2, vendor);
	pci_config_set(c, PCI_SUBSYSTEM_ID, 2, id);
}

void pci_config_set_pin(struct pci_config *c, uint8_t pin)
{
	c->data[PCI_INTERRUPT_PIN] = pin;
}

static bool power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

int pci_config_add_bar(struct pci_config *c, unsigned index, uint64_t size,
		       unsigned kind)
{
	unsigned type = kind & ~(unsigned)PCI_BAR_PREFETCH;
	bool wide = type == PCI_BAR_MEM64;
	unsigned off = PCI_BAR0 + 4 * index;
	uint64_t mask;

	if (index >= PCI_NUM_BARS || (wide && index + 1 >= PCI_NUM_BARS) ||
	    !power_of_two(size) || c->bar_size[index] ||
	    (wide && c->bar_size[index + 1]) ||
	    (type == PCI_BAR_IO ? size < 4 || size > 256 || (kind & PCI_BAR_PREFETCH)
				: size < 16 || (!wide && size > (1ull << 31))) ||
	    (type != PCI_BAR_IO && type != PCI_BAR_MEM32 && !wide))
		return -EINVAL;
	/* not the upper half of a 64-bit BAR before it */
	if (index > 0 && c->bar_size[index - 1] &&
	    (pci_config_get(c, off - 4, 4) & 0x7) == PCI_BAR_MEM64)
		return -EINVAL;
	c->bar_size[index] = size;
	mask = ~(size - 1);
	pci_config_set(c, off, 4, kind);
	pci_config_writable(c, off, 4, (uint32_t)mask & (type == PCI_BAR_IO ? ~3u : ~15u));
	if (wide)
		pci_config_writable(c, off + 4, 4, (uint32_t)(mask >> 32));
	return 0;
}

int pci_config_add_cap(struct pci_config *c, uint8_t id, unsigned len)
{
	unsigned off = c->cap_next;

	if (len < 2 || !off || off + len > PCI_STD_SPACE)
		return -ENOSPC;
	c->data[c->cap_link] = (uint8_t)off;
	c->data[off] = id;
	c->data[off + 1] = 0;
	c->cap_link = (uint8_t)(off + 1);
	c->cap_next = off + ((len + 3) & ~3u) < PCI_STD_SPACE
			      ? (uint8_t)(off + ((len + 3) & ~3u)) : 0;
	pci_config_set(c, PCI_STATUS, 2,
		       pci_config_get(c, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	return (int)off;
}

/* The bytes a guest could have changed are what a snapshot needs; all are kept, for simplicity. */
void pci_config_save(const struct pci_config *c, struct snapshot_writer *w)
{
	snapshot_put_bytes(w, c->data, sizeof(c->data));
}

int pci_config_check(const struct pci_config *c, const uint8_t *saved)
{
	/* Vendor, device, revision and class: the function's identity. */
	static const unsigned identity[] = { 0, 1, 2, 3, 8, 9, 10, 11 };

	for (unsigned i = 0; i < sizeof(identity) / sizeof(identity[0]); i++)
		if (saved[identity[i]] != c->data[identity[i]])
			return -EINVAL;
	return 0;
}

void pci_config_restore(struct pci_config *c, const uint8_t *saved)
{
	/* Only what a guest write changes: the rest is this model's own. */
	for (unsigned i = 0; i < PCI_CONFIG_SIZE; i++) {
		uint8_t m = c->wmask[i] | c->w1c[i];

		c->data[i] = (uint8_t)((saved[i] & m) | (c->data[i] & ~m));
	}
}

void pci_config_reset(struct pci_config *c)
{
	for (unsigned i = 0; i < PCI_CONFIG_SIZE; i++)
		c->data[i] &= (uint8_t)~(c->wmask[i] | c->w1c[i]);
}

#define PCI_CAP_ID_EXP 0x10
#define PCI_EXP_SIZE 0x3c	  /* version 2: through Slot Control 2 */
#define PCI_EXP_FLAGS_V2_RCIEP 0x92 /* version 2, type 9: integrated endpoint */
#define PCI_EXP_DEVCTL 8
#define PCI_EXP_DEVCTL_WRITABLE 0x7fff /* error reporting, payload, read size... */

int pci_config_add_express(struct pci_config *c)
{
	int at = pci_config_add_cap(c, PCI_CAP_ID_EXP, PCI_EXP_SIZE);

	if (at < 0)
		return at;
	pci_config_set(c, (unsigned)at + 2, 2, PCI_EXP_FLAGS_V2_RCIEP);
	pci_config_writable(c, (unsigned)at + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_WRITABLE);
	return at;
}

static bool legal(unsigned off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && !(off & (size - 1)) &&
	       off < PCI_CONFIG_SIZE;
}

bool pci_config_read(const struct pci_config *c, unsigned off, unsigned size,
		     uint32_t *val)
{
	if (!legal(off, size)) {
		*val = 0xffffffffu;
		return false;
	}
	*val = pci_config_get(c, off, size);
	return true;
}

bool pci_config_write(struct pci_config *c, unsigned off, unsigned size, uint32_t val)
{
	if (!legal(off, size))
		return false;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));
		uint8_t *d = &c->data[off + i];

		*d = (uint8_t)((*d & ~c->wmask[off + i]) | (b & c->wmask[off + i]));
		*d &= (uint8_t)~(b & c->w1c[off + i]);
	}
	return true;
}

bool pci_config_bar_is_io(const struct pci_config *c, unsigned index)
{
	return index < PCI_NUM_BARS && (c->data[PCI_BAR0 + 4 * index] & 1);
}

uint64_t pci_config_bar_addr(const struct pci_config *c, unsigned index)
{
	unsigned off = PCI_BAR0 + 4 * index;
	uint16_t cmd = (uint16_t)pci_config_get(c, PCI_COMMAND, 2);
	bool io, wide;
	uint64_t addr, sizing;

	if (index >= PCI_NUM_BARS || !c->bar_size[index])
		return PCI_BAR_UNMAPPED;
	io = pci_config_bar_is_io(c, index);
	wide = (c->data[off] & 0x7) == PCI_BAR_MEM64;
	if (!(cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)))
		return PCI_BAR_UNMAPPED;
	addr = pci_config_get(c, off, 4) & (io ? ~3u : ~15u);
	if (wide)
		addr |= (uint64_t)pci_config_get(c, off + 4, 4) << 32;
	/* every writable bit set: the guest sized it and left it there */
	sizing = ~(c->bar_size[index] - 1);
	if (addr == (wide ? sizing : (uint32_t)sizing))
		return PCI_BAR_UNMAPPED;
	return addr;
}
