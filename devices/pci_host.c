#include "a64vm/pci_host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* A reboot: the root complex's header back; attached functions reset their own. */
static void host_reset(void *dev)
{
	init_root(dev);
}

const struct device_ops pci_host_device = {
	.name = "pcie-host",
	.create = host_create,
	.destroy = host_destroy,
	.reset = host_reset,
	.read = pci_host_ecam_read,
	.write = pci_host_ecam_write,
	.min_width = 1,
	.max_width = 4,
	.dt = { .name = "pcie", DEVICE_DT_COMPATIBLE("pci-host-ecam-generic"),
		.pci_host = true, .dma_coherent = true },
};
