#include "a64vm/pci_bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "a64vm/arch.h"
#include "a64vm/irq_routes.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"

#define MAX_DOORBELLS 160

struct doorbell {
	const struct pci_function *fn;
	unsigned bar, len;
	uint64_t off, data;
	bool datamatch, armed;
	int fd;
	uint64_t at; /* the CPU address KVM watches, or PCI_BAR_UNMAPPED */
};

struct pci_bus {
	struct pci_bus_wiring w;
	struct irq_routes *routes; /* NULL: no MSIs */
	struct doorbell bells[MAX_DOORBELLS];
	unsigned nbells;
	pthread_mutex_t intx_lock; /* INTx is driven from the I/O thread too */
	uint32_t intx[4];	   /* per INTx SPI: a bit per slot driving it */
};

static void decode_changed(void *ctx);

int pci_bus_create(const struct pci_bus_wiring *w, struct pci_bus **out)
{
	struct pci_bus *b = calloc(1, sizeof(*b));
	int ret = 0;

	if (!b)
		return -ENOMEM;
	b->w = *w;
	pthread_mutex_init(&b->intx_lock, NULL);
	if (w->msi)
		ret = irq_routes_create(w->vm_fd, &b->routes);
	if (ret) {
		free(b);
		return ret;
	}
	w->host->decode_changed = decode_changed;
	w->host->decode_ctx = b;
	*out = b;
	return 0;
}

void pci_bus_destroy(struct pci_bus *b)
{
	if (!b)
		return;
	b->w.host->decode_changed = NULL;
	irq_routes_destroy(b->routes);
	pthread_mutex_destroy(&b->intx_lock);
	free(b);
}

pthread_mutex_t *pci_bus_lock(struct pci_bus *b)
{
	return b->w.host_lock;
}

uint64_t pci_bus_msi_doorbell(const struct pci_bus *b)
{
	return b->routes ? MEMMAP_GIC_ITS_TRANSLATER : 0;
}

int pci_bus_add(struct pci_bus *b, struct pci_function *fn)
{
	for (unsigned slot = 1; slot < PCI_HOST_SLOTS; slot++)
		if (!pci_host_attach(b->w.host, slot, fn))
			return (int)slot;
	return -ENOSPC;
}

static int ioeventfd(struct pci_bus *b, const struct doorbell *d, uint64_t addr,
		     bool assign)
{
	struct kvm_ioeventfd io = {
		.datamatch = d->data, .addr = addr, .len = d->len, .fd = d->fd,
		.flags = (d->datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(b->w.vm_fd, KVM_IOEVENTFD, &io) ? -errno : 0;
}

/* Where the doorbell should be watched now: a CPU address, or nowhere. */
static uint64_t wanted(struct pci_bus *b, const struct doorbell *d)
{
	uint64_t bar = d->armed ? pci_host_bar_decodes(b->w.host, d->fn, d->bar)
				: PCI_BAR_UNMAPPED;

	if (bar == PCI_BAR_UNMAPPED)
		return PCI_BAR_UNMAPPED;
	/* The I/O window is memory to the CPU; PCI memory addresses are CPU ones. */
	return (pci_config_bar_is_io(&d->fn->cfg, d->bar) ? MEMMAP_PCIE_PIO_BASE : 0) +
	       bar + d->off;
}

static void sync_bell(struct pci_bus *b, struct doorbell *d)
{
	uint64_t at = wanted(b, d);
	int ret;

	if (at == d->at)
		return;
	if (d->at != PCI_BAR_UNMAPPED)
		ioeventfd(b, d, d->at, false);
	d->at = PCI_BAR_UNMAPPED;
	if (at == PCI_BAR_UNMAPPED)
		return;
	ret = ioeventfd(b, d, at, true);
	if (ret) /* the register path still serves it, through an exit */
		log_ratelimited(LOG_WARN, "KVM_IOEVENTFD at %#llx: %s",
				(unsigned long long)at, strerror(-ret));
	else
		d->at = at;
}

/* A BAR moved or decoding changed: every doorbell follows. */
static void decode_changed(void *ctx)
{
	struct pci_bus *b = ctx;

	for (unsigned i = 0; i < b->nbells; i++)
		sync_bell(b, &b->bells[i]);
}

int pci_bus_doorbell(struct pci_bus *b, const struct pci_function *fn, unsigned bar,
		     uint64_t off, unsigned len, bool datamatch, uint64_t data, int fd,
		     bool armed)
{
	struct doorbell *d;

	if (b->nbells == MAX_DOORBELLS)
		return -ENOSPC;
	d = &b->bells[b->nbells];
	*d = (struct doorbell){ .fn = fn, .bar = bar, .len = len, .off = off, .data = data,
				.datamatch = datamatch, .armed = armed, .fd = fd,
				.at = PCI_BAR_UNMAPPED };
	sync_bell(b, d);
	return (int)b->nbells++;
}

void pci_bus_doorbell_arm(struct pci_bus *b, int index, bool armed)
{
	if (index < 0 || (unsigned)index >= b->nbells)
		return;
	b->bells[index].armed = armed;
	sync_bell(b, &b->bells[index]);
}

void pci_bus_doorbell_set_fd(struct pci_bus *b, int index, int fd)
{
	struct doorbell *d;

	if (index < 0 || (unsigned)index >= b->nbells)
		return;
	d = &b->bells[index];
	if (d->at != PCI_BAR_UNMAPPED)
		ioeventfd(b, d, d->at, false);
	d->at = PCI_BAR_UNMAPPED;
	d->fd = fd;
	sync_bell(b, d);
}

void pci_bus_set_intx(struct pci_bus *b, unsigned slot, unsigned pin, bool level)
{
	unsigned spi = pci_host_intx_spi(slot, pin), line = spi - MEMMAP_PCIE_INTX_SPI;
	bool was;
	int ret = 0;

	pthread_mutex_lock(&b->intx_lock);
	was = b->intx[line] != 0;
	if (level)
		b->intx[line] |= 1u << slot;
	else
		b->intx[line] &= ~(1u << slot);
	if (was != (b->intx[line] != 0))
		ret = gic_set_spi(b->w.vm_fd, spi, b->intx[line] != 0);
	pthread_mutex_unlock(&b->intx_lock);
	if (ret)
		log_ratelimited(LOG_ERROR, "PCI INTx: cannot set SPI %u: %s", spi,
				strerror(-ret));
}

static int irqfd(struct pci_bus_msix *x, unsigned v, bool assign)
{
	struct kvm_irqfd i = { .fd = (uint32_t)x->fd[v], .gsi = (uint32_t)x->gsi[v],
			       .flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN };

	return ioctl(x->bus->w.vm_fd, KVM_IRQFD, &i) ? -errno : 0;
}

int pci_bus_msix_init(struct pci_bus *b, struct pci_bus_msix *x, struct pci_msix *m,
		      unsigned slot)
{
	memset(x, 0, sizeof(*x));
	x->bus = b;
	x->msix = m;
	x->devid = slot << 3;
	for (unsigned v = 0; v < PCI_MSIX_MAX_VECTORS; v++)
		x->fd[v] = -1;
	for (unsigned v = 0; v < m->nvec; v++) {
		int ret;

		x->stale[v] = true; /* no route until the entry is used */
		x->gsi[v] = irq_routes_add_msi(b->routes);
		x->fd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (x->gsi[v] < 0 || x->fd[v] < 0)
			return x->gsi[v] < 0 ? x->gsi[v] : -errno;
		ret = irqfd(x, v, true);
		if (ret)
			return ret;
	}
	return 0;
}

int pci_bus_msix_renew(struct pci_bus_msix *x, int *old_fds)
{
	for (unsigned v = 0; v < PCI_MSIX_MAX_VECTORS; v++)
		old_fds[v] = -1;
	for (unsigned v = 0; v < x->msix->nvec; v++) {
		int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		if (fd < 0)
			return -errno;
		irqfd(x, v, false);
		old_fds[v] = x->fd[v];
		x->fd[v] = fd;
		if (irqfd(x, v, true))
			return -errno;
	}
	return 0;
}

void pci_bus_msix_fini(struct pci_bus_msix *x)
{
	if (!x->bus) /* never set up */
		return;
	for (unsigned v = 0; v < PCI_MSIX_MAX_VECTORS; v++)
		if (x->fd[v] >= 0)
			close(x->fd[v]);
}

void pci_bus_msix_changed(void *ctx, unsigned v)
{
	((struct pci_bus_msix *)ctx)->stale[v] = true;
}

/* The route follows the entry before the first message that needs it. */
static void sync_route(struct pci_bus_msix *x, unsigned v)
{
	if (x->stale[v] &&
	    !irq_routes_set_msi(x->bus->routes, (unsigned)x->gsi[v], pci_msix_address(x->msix, v),
				x->msix->table[v].data, x->devid))
		x->stale[v] = false;
}

int pci_bus_msix_irqfd(struct pci_bus_msix *x, unsigned v)
{
	if (v >= x->msix->nvec || !pci_msix_vector_live(x->msix, v))
		return -1;
	sync_route(x, v);
	return x->stale[v] ? -1 : x->fd[v];
}

void pci_bus_msix_deliver(void *ctx, unsigned v)
{
	struct pci_bus_msix *x = ctx;
	uint64_t one = 1;

	sync_route(x, v);
	if (write(x->fd[v], &one, sizeof(one)) < 0)
		log_ratelimited(LOG_ERROR, "MSI-X vector %u: %s", v, strerror(errno));
}
