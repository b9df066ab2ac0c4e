#include "a64vm/pci_host.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/memmap.h"
#include "a64vm/snapshot_file.h"

#define REDHAT_VENDOR 0x1b36
#define GENERIC_HOST_BRIDGE 0x0008
#define CLASS_HOST_BRIDGE 0x06000000u /* base 06, sub 00, interface 00 */

/* ECAM: bus in bits 20-27, device 15-19, function 12-14, register 0-11. */
static struct pci_function *function_at(struct pci_host *h, uint64_t off)
{
	unsigned bus = (unsigned)(off >> 20), slot = (off >> 15) & 31, fn = (off >> 12) & 7;

	if (bus || fn)
		return NULL;
	return slot ? h->slots[slot] : &h->root;
}

static void init_root(struct pci_host *h)
{
	pci_config_init(&h->root.cfg, REDHAT_VENDOR, GENERIC_HOST_BRIDGE, CLASS_HOST_BRIDGE);
	pci_config_set_subsystem(&h->root.cfg, REDHAT_VENDOR, 0x1100);
}

void pci_host_init(struct pci_host *h)
{
	memset(h, 0, sizeof(*h));
	init_root(h);
}

int pci_host_attach(struct pci_host *h, unsigned slot, struct pci_function *fn)
{
	if (!slot || slot >= PCI_HOST_SLOTS)
		return -EINVAL;
	if (h->slots[slot])
		return -EBUSY;
	h->slots[slot] = fn;
	return 0;
}

uint64_t pci_host_ecam_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_host *h = opaque;
	struct pci_function *f = function_at(h, off);
	uint32_t v = 0xffffffffu;

	if (f && f->config_reading)
		f->config_reading(f->ctx, (unsigned)(off & 0xfff), size);
	if (!f || !pci_config_read(&f->cfg, (unsigned)(off & 0xfff), size, &v))
		h->refused++;
	return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

void pci_host_ecam_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct pci_host *h = opaque;
	struct pci_function *f = function_at(h, off);
	unsigned reg = (unsigned)(off & 0xfff);

	if (!f || !pci_config_write(&f->cfg, reg, size, (uint32_t)val)) {
		h->refused++;
		return;
	}
	if (f->config_written)
		f->config_written(f->ctx, reg, size);
	if (h->decode_changed && reg < PCI_BAR0 + 4 * PCI_NUM_BARS &&
	    reg + size > PCI_COMMAND)
		h->decode_changed(h->decode_ctx);
}

/* The window a decoding BAR must lie in, as PCI addresses. */
static bool in_window(enum pci_space space, uint64_t addr, uint64_t size)
{
	uint64_t base = space == PCI_SPACE_IO ? 0 : MEMMAP_PCIE_MMIO_BASE;
	uint64_t len = space == PCI_SPACE_IO ? MEMMAP_PCIE_PIO_SIZE : MEMMAP_PCIE_MMIO_SIZE;

	if (space == PCI_SPACE_MEM && addr >= MEMMAP_PCIE_MMIO64_BASE) {
		base = MEMMAP_PCIE_MMIO64_BASE;
		len = MEMMAP_PCIE_MMIO64_SIZE;
	}
	return addr >= base && size <= len && addr - base <= len - size;
}

/* A BAR that is enabled: whose, which, where. */
struct bar_ref {
	struct pci_function *fn;
	unsigned bar;
	uint64_t addr, size;
};

/* Every function's enabled BARs in space, into out: how many. */
static unsigned enabled_bars(struct pci_host *h, enum pci_space space,
			     struct bar_ref *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned s = 0; s < PCI_HOST_SLOTS; s++) {
		struct pci_function *f = s ? h->slots[s] : &h->root;

		for (unsigned b = 0; f && b < PCI_NUM_BARS && n < max; b++) {
			uint64_t a = pci_config_bar_addr(&f->cfg, b);

			if (a != PCI_BAR_UNMAPPED &&
			    pci_config_bar_is_io(&f->cfg, b) == (space == PCI_SPACE_IO))
				out[n++] = (struct bar_ref){ f, b, a, f->cfg.bar_size[b] };
		}
	}
	return n;
}

/* Whether bars[i] decodes: inside its window, over no other BAR. */
static bool decodes(enum pci_space space, const struct bar_ref *bars, unsigned n,
		    unsigned i)
{
	const struct bar_ref *b = &bars[i];

	if (!in_window(space, b->addr, b->size))
		return false;
	for (unsigned j = 0; j < n; j++)
		if (j != i && bars[j].addr < b->addr + b->size &&
		    b->addr < bars[j].addr + bars[j].size)
			return false; /* two BARs over each other: neither */
	return true;
}

/* The BAR that decodes addr, if one does. */
static bool decoding_bar(struct pci_host *h, enum pci_space space, uint64_t addr,
			 unsigned size, struct bar_ref *hit)
{
	struct bar_ref bars[PCI_HOST_SLOTS * PCI_NUM_BARS];
	unsigned n = enabled_bars(h, space, bars, PCI_HOST_SLOTS * PCI_NUM_BARS);

	for (unsigned i = 0; i < n; i++) {
		struct bar_ref *b = &bars[i];

		if (addr < b->addr || addr - b->addr >= b->size ||
		    size > b->size - (addr - b->addr))
			continue;
		if (!decodes(space, bars, n, i))
			return false;
		*hit = *b;
		return hit->fn->bar_read != NULL;
	}
	return false;
}

uint64_t pci_host_bar_decodes(struct pci_host *h, const struct pci_function *fn,
			      unsigned bar)
{
	struct bar_ref bars[PCI_HOST_SLOTS * PCI_NUM_BARS];
	enum pci_space space = pci_config_bar_is_io(&fn->cfg, bar) ? PCI_SPACE_IO
								   : PCI_SPACE_MEM;
	unsigned n = enabled_bars(h, space, bars, PCI_HOST_SLOTS * PCI_NUM_BARS);

	for (unsigned i = 0; i < n; i++)
		if (bars[i].fn == fn && bars[i].bar == bar)
			return decodes(space, bars, n, i) ? bars[i].addr : PCI_BAR_UNMAPPED;
	return PCI_BAR_UNMAPPED;
}

void pci_host_reset(struct pci_host *h)
{
	init_root(h);
	for (unsigned s = 1; s < PCI_HOST_SLOTS; s++)
		if (h->slots[s]) {
			pci_config_reset(&h->slots[s]->cfg);
			if (h->slots[s]->config_written)
				h->slots[s]->config_written(h->slots[s]->ctx, 0, PCI_CONFIG_SIZE);
		}
	if (h->decode_changed)
		h->decode_changed(h->decode_ctx);
}

uint64_t pci_host_mmio64_read(void *h, uint64_t off, unsigned size)
{
	return pci_host_bar_read(h, PCI_SPACE_MEM, MEMMAP_PCIE_MMIO64_BASE + off, size);
}

void pci_host_mmio64_write(void *h, uint64_t off, unsigned size, uint64_t val)
{
	pci_host_bar_write(h, PCI_SPACE_MEM, MEMMAP_PCIE_MMIO64_BASE + off, size, val);
}

uint64_t pci_host_bar_read(struct pci_host *h, enum pci_space space, uint64_t addr,
			   unsigned size)
{
	struct bar_ref b;

	if (!decoding_bar(h, space, addr, size, &b)) {
		h->refused++;
		return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
	}
	return b.fn->bar_read(b.fn->ctx, b.bar, addr - b.addr, size);
}

void pci_host_bar_write(struct pci_host *h, enum pci_space space, uint64_t addr,
			unsigned size, uint64_t val)
{
	struct bar_ref b;

	if (!decoding_bar(h, space, addr, size, &b) || !b.fn->bar_write) {
		h->refused++;
		return;
	}
	b.fn->bar_write(b.fn->ctx, b.bar, addr - b.addr, size, val);
}

#define PIO_OFF (MEMMAP_PCIE_PIO_BASE - MEMMAP_PCIE_MMIO_BASE)
#define ECAM_OFF (MEMMAP_PCIE_ECAM_BASE - MEMMAP_PCIE_MMIO_BASE)

uint64_t pci_host_read(void *h, uint64_t off, unsigned size)
{
	if (off >= ECAM_OFF)
		return pci_host_ecam_read(h, off - ECAM_OFF, size);
	if (off >= PIO_OFF)
		return pci_host_bar_read(h, PCI_SPACE_IO, off - PIO_OFF, size);
	return pci_host_bar_read(h, PCI_SPACE_MEM, MEMMAP_PCIE_MMIO_BASE + off, size);
}

void pci_host_write(void *h, uint64_t off, unsigned size, uint64_t val)
{
	if (off >= ECAM_OFF)
		pci_host_ecam_write(h, off - ECAM_OFF, size, val);
	else if (off >= PIO_OFF)
		pci_host_bar_write(h, PCI_SPACE_IO, off - PIO_OFF, size, val);
	else
		pci_host_bar_write(h, PCI_SPACE_MEM, MEMMAP_PCIE_MMIO_BASE + off, size, val);
}

static void *host_create(const struct device_env *env)
{
	struct pci_host *h = malloc(sizeof(*h));

	(void)env;
	if (h)
		pci_host_init(h);
	return h;
}

static void host_destroy(void *dev)
{
	free(dev);
}

static void host_reset(void *dev)
{
	pci_host_reset(dev);
}

/* Each function's configuration space; its model's own state is saved by its owner. */
static void host_save(const void *dev, struct snapshot_writer *w)
{
	const struct pci_host *h = dev;
	uint32_t present = 0;

	for (unsigned s = 1; s < PCI_HOST_SLOTS; s++)
		present |= h->slots[s] ? 1u << s : 0;
	snapshot_put_u32(w, present);
	pci_config_save(&h->root.cfg, w);
	for (unsigned s = 1; s < PCI_HOST_SLOTS; s++)
		if (h->slots[s])
			pci_config_save(&h->slots[s]->cfg, w);
}

static int host_restore(void *dev, struct snapshot_cursor *c)
{
	struct pci_host *h = dev;
	const uint8_t *saved[PCI_HOST_SLOTS];
	uint32_t present = snapshot_get_u32(c);

	for (unsigned s = 0; s < PCI_HOST_SLOTS; s++) {
		saved[s] = NULL;
		if (s && !h->slots[s] != !(present & 1u << s))
			return -EINVAL; /* another set of functions */
		if (s && !h->slots[s])
			continue;
		saved[s] = snapshot_get_span(c, PCI_CONFIG_SIZE);
		if (!saved[s] || pci_config_check(s ? &h->slots[s]->cfg : &h->root.cfg, saved[s]))
			return -EINVAL;
	}
	if (!snapshot_cursor_done(c) || present & 1)
		return -EINVAL;
	pci_config_restore(&h->root.cfg, saved[0]);
	for (unsigned s = 1; s < PCI_HOST_SLOTS; s++)
		if (h->slots[s]) {
			pci_config_restore(&h->slots[s]->cfg, saved[s]);
			if (h->slots[s]->config_written)
				h->slots[s]->config_written(h->slots[s]->ctx, 0, PCI_CONFIG_SIZE);
		}
	if (h->decode_changed)
		h->decode_changed(h->decode_ctx);
	return 0;
}

const struct device_ops pci_host_device = {
	.name = "pcie-host",
	.create = host_create,
	.destroy = host_destroy,
	.reset = host_reset,
	.save = host_save,
	.restore = host_restore,
	.read = pci_host_read,
	.write = pci_host_write,
	.min_width = 1,
	.max_width = 4,
	.dt = { .name = "pcie", DEVICE_DT_COMPATIBLE("pci-host-ecam-generic"),
		.pci_host = true, .dma_coherent = true },
};
