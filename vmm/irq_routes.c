#include "a64vm/irq_routes.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/arch.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"

#define SPIS (MEMMAP_NR_IRQS - 32u)
#define MAX_MSIS 256u

struct irq_routes {
	int vm_fd;
	pthread_mutex_t lock;
	unsigned nmsi;
	struct kvm_irq_routing_msi msi[MAX_MSIS];
	bool valid[MAX_MSIS]; /* set once: an MSI GSI has no route until used */
	struct kvm_irq_routing *table; /* room for every SPI and MSI */
};

int irq_routes_create(int vm_fd, struct irq_routes **out)
{
	struct irq_routes *r = calloc(1, sizeof(*r));

	if (r)
		r->table = calloc(1, sizeof(*r->table) +
				      (SPIS + MAX_MSIS) * sizeof(struct kvm_irq_routing_entry));
	if (!r || !r->table) {
		free(r);
		return -ENOMEM;
	}
	r->vm_fd = vm_fd;
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return 0;
}

void irq_routes_destroy(struct irq_routes *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->table);
	free(r);
}

/* MSI GSIs follow the SPIs' own. */
int irq_routes_add_msi(struct irq_routes *r)
{
	int gsi;

	pthread_mutex_lock(&r->lock);
	gsi = r->nmsi < MAX_MSIS ? (int)(SPIS + r->nmsi++) : -ENOSPC;
	pthread_mutex_unlock(&r->lock);
	return gsi;
}

static int commit(struct irq_routes *r)
{
	struct kvm_irq_routing_entry *e = r->table->entries;
	unsigned n = 0;

	for (unsigned spi = 0; spi < SPIS; spi++)
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = gic_spi_gsi(spi), .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = 0, .pin = spi } };
	for (unsigned i = 0; i < r->nmsi; i++)
		if (r->valid[i])
			e[n++] = (struct kvm_irq_routing_entry){
				.gsi = SPIS + i, .type = KVM_IRQ_ROUTING_MSI,
				.flags = KVM_MSI_VALID_DEVID, .u.msi = r->msi[i] };
	r->table->nr = n;
	r->table->flags = 0;
	return ioctl(r->vm_fd, KVM_SET_GSI_ROUTING, r->table) ? -errno : 0;
}

int irq_routes_set_msi(struct irq_routes *r, unsigned gsi, uint64_t addr, uint32_t data,
		       uint32_t devid)
{
	unsigned i = gsi - SPIS;
	int ret;

	if (gsi < SPIS || i >= r->nmsi)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	r->valid[i] = true;
	r->msi[i] = (struct kvm_irq_routing_msi){
		.address_lo = (uint32_t)addr, .address_hi = (uint32_t)(addr >> 32),
		.data = data, .devid = devid };
	ret = commit(r);
	pthread_mutex_unlock(&r->lock);
	if (ret)
		log_ratelimited(LOG_ERROR, "KVM_SET_GSI_ROUTING: %s", strerror(-ret));
	return ret;
}
