#include "a64vm/virtio_pci.h"

#include <errno.h>
#include <string.h>

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* + the virtio device ID */
#define VIRTIO_PCI_SUBSYSTEM 0x1100
#define VIRTIO_PCI_REVISION 1 /* modern only */
#define PCI_CAP_ID_VNDR 0x09
#define PCI_STATUS_INTERRUPT 0x08

/* The regions of VIRTIO_PCI_BAR, and the MSI-X BAR's halves. */
#define COMMON_OFF 0x0000
#define ISR_OFF 0x1000
#define DEVICE_OFF 0x2000
#define MSIX_TABLE_OFF 0x000
#define MSIX_PBA_OFF 0x800

enum cap_type { CAP_COMMON = 1, CAP_NOTIFY, CAP_ISR, CAP_DEVICE, CAP_PCI_CFG };

/* The common configuration structure (4.1.4.3). */
enum common {
	DEVICE_FEATURE_SELECT = 0x00, DEVICE_FEATURE = 0x04,
	DRIVER_FEATURE_SELECT = 0x08, DRIVER_FEATURE = 0x0c,
	MSIX_CONFIG = 0x10, NUM_QUEUES = 0x12, DEVICE_STATUS = 0x14,
	CONFIG_GENERATION = 0x15, QUEUE_SELECT = 0x16, QUEUE_SIZE = 0x18,
	QUEUE_MSIX_VECTOR = 0x1a, QUEUE_ENABLE = 0x1c, QUEUE_NOTIFY_OFF = 0x1e,
	QUEUE_DESC = 0x20, QUEUE_DRIVER = 0x28, QUEUE_DEVICE = 0x30,
	COMMON_SIZE = 0x38,
};

static int add_vendor_cap(struct pci_config *c, enum cap_type type, unsigned bar,
			  uint32_t off, uint32_t len, unsigned cap_len)
{
	int at = pci_config_add_cap(c, PCI_CAP_ID_VNDR, cap_len);

	if (at < 0)
		return at;
	pci_config_set(c, (unsigned)at + 2, 1, cap_len);
	pci_config_set(c, (unsigned)at + 3, 1, type);
	pci_config_set(c, (unsigned)at + 4, 1, bar);
	pci_config_set(c, (unsigned)at + 8, 4, off);
	pci_config_set(c, (unsigned)at + 12, 4, len);
	return at;
}

/*
 * The INTx line follows the pending latch, unless the command register
 * disables INTx or MSI-X is on (a function then never asserts INTx).
 */
static void update_intx(struct virtio_pci *p)
{
	struct pci_config *c = &p->fn.cfg;
	uint32_t status = pci_config_get(c, PCI_STATUS, 2) & ~PCI_STATUS_INTERRUPT;
	bool level = p->intx_pending &&
		     !(pci_config_get(c, PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE) &&
		     !(p->has_msix && pci_msix_enabled(&p->msix));

	pci_config_set(c, PCI_STATUS, 2,
		       status | (p->intx_pending ? PCI_STATUS_INTERRUPT : 0));
	if (level != p->intx) {
		p->intx = level;
		p->w.set_intx(p->w.ctx, level);
	}
}

static void set_intx(struct virtio_pci *p, bool pending)
{
	p->intx_pending = pending;
	update_intx(p);
}

/* The device's interrupt: its MSI-X vector when enabled, else INTx. */
static void raise(void *ctx, unsigned source)
{
	struct virtio_pci *p = ctx;
	unsigned vector;

	if (!p->has_msix || !pci_msix_enabled(&p->msix)) {
		set_intx(p, true);
		return;
	}
	vector = source == VIRTIO_IRQ_CONFIG ? p->config_vector
	       : source < VIRTIO_MAX_QUEUES ? p->queue_vector[source]
					    : PCI_MSIX_NO_VECTOR;
	if (vector != PCI_MSIX_NO_VECTOR)
		pci_msix_signal(&p->msix, vector);
}

static int add_caps(struct virtio_pci *p)
{
	struct pci_config *c = &p->fn.cfg;
	uint32_t notify_len = p->vd->nqueues * VIRTIO_PCI_NOTIFY_MULTIPLIER;
	int ret = add_vendor_cap(c, CAP_COMMON, VIRTIO_PCI_BAR, COMMON_OFF, COMMON_SIZE, 16);

	if (ret >= 0)
		ret = add_vendor_cap(c, CAP_NOTIFY, VIRTIO_PCI_BAR, VIRTIO_PCI_NOTIFY_OFF,
				     notify_len, 20);
	if (ret >= 0)
		pci_config_set(c, (unsigned)ret + 16, 4, VIRTIO_PCI_NOTIFY_MULTIPLIER);
	if (ret >= 0)
		ret = add_vendor_cap(c, CAP_ISR, VIRTIO_PCI_BAR, ISR_OFF, 1, 16);
	if (ret >= 0 && p->vd->ops->config_size)
		ret = add_vendor_cap(c, CAP_DEVICE, VIRTIO_PCI_BAR, DEVICE_OFF,
				     p->vd->ops->config_size, 16);
	if (ret >= 0)
		ret = add_vendor_cap(c, CAP_PCI_CFG, 0, 0, 0, 20);
	if (ret < 0)
		return ret;
	/* bar, offset, length and the data window are the driver's. */
	p->cfg_cap = (unsigned)ret;
	pci_config_writable(c, p->cfg_cap + 4, 1, 0xff);
	pci_config_writable(c, p->cfg_cap + 8, 4, 0xffffffff);
	pci_config_writable(c, p->cfg_cap + 12, 4, 0xffffffff);
	pci_config_writable(c, p->cfg_cap + 16, 4, 0xffffffff);
	return 0;
}

int virtio_pci_init(struct virtio_pci *p, struct virtio_core *vd, uint32_t class_code,
		    const struct virtio_pci_wiring *w)
{
	struct pci_config *c = &p->fn.cfg;
	int ret;

	memset(p, 0, sizeof(*p));
	p->vd = vd;
	p->w = *w;
	p->has_msix = w->msix_doorbell != 0;
	vd->irq = raise;
	vd->irq_ctx = p;
	p->fn = (struct pci_function){
		.config_written = virtio_pci_config_written,
		.config_reading = virtio_pci_config_reading,
		.bar_read = virtio_pci_bar_read, .bar_write = virtio_pci_bar_write, .ctx = p,
	};
	pci_config_init(c, VIRTIO_PCI_VENDOR,
			(uint16_t)(VIRTIO_PCI_DEVICE_BASE + vd->ops->device_id),
			class_code << 8 | VIRTIO_PCI_REVISION);
	pci_config_set_subsystem(c, VIRTIO_PCI_VENDOR, VIRTIO_PCI_SUBSYSTEM);
	pci_config_set_pin(c, 1);
	ret = pci_config_add_bar(c, VIRTIO_PCI_BAR, VIRTIO_PCI_BAR_SIZE,
				 PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
	if (!ret)
		ret = add_caps(p);
	if (!ret && pci_config_add_express(c) < 0)
		ret = -ENOSPC;
	if (!ret && p->has_msix)
		ret = pci_config_add_bar(c, VIRTIO_PCI_MSIX_BAR, VIRTIO_PCI_MSIX_BAR_SIZE,
					 PCI_BAR_MEM32);
	if (!ret && p->has_msix) {
		ret = pci_msix_init(&p->msix, c, vd->nqueues + 1, VIRTIO_PCI_MSIX_BAR,
				    MSIX_TABLE_OFF, MSIX_PBA_OFF, w->msix_doorbell);
		p->msix.deliver = w->msix_deliver;
		p->msix.changed = w->msix_changed;
		p->msix.ctx = w->ctx;
	}
	virtio_pci_reset(p);
	return ret;
}

static void reset_vectors(struct virtio_pci *p)
{
	p->config_vector = PCI_MSIX_NO_VECTOR;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		p->queue_vector[q] = PCI_MSIX_NO_VECTOR;
}

/* The driver's reset (status 0): the device and its vectors, not the
 * function's MSI-X state, which is PCI's and outlives it. */
static void device_reset(struct virtio_pci *p)
{
	virtio_core_reset(p->vd);
	reset_vectors(p);
	set_intx(p, false);
}

void virtio_pci_reset(struct virtio_pci *p)
{
	device_reset(p);
	if (p->has_msix)
		pci_msix_reset(&p->msix);
}

/* A vector the table has, else NO_VECTOR: the driver reads back which. */
static uint16_t vector(const struct virtio_pci *p, uint32_t v)
{
	return p->has_msix && v < p->msix.nvec ? (uint16_t)v : PCI_MSIX_NO_VECTOR;
}

static void put(uint8_t *buf, unsigned off, unsigned size, uint64_t v)
{
	for (unsigned i = 0; i < size; i++)
		buf[off + i] = (uint8_t)(v >> (8 * i));
}

/* The structure as the driver reads it now, for any width. */
static void common_snapshot(struct virtio_pci *p, uint8_t *buf)
{
	struct virtio_core *vd = p->vd;
	struct virtq *q = virtio_core_selected(vd);

	memset(buf, 0, COMMON_SIZE);
	put(buf, DEVICE_FEATURE_SELECT, 4, vd->dev_features_sel);
	put(buf, DEVICE_FEATURE, 4, virtio_core_features_word(vd));
	put(buf, DRIVER_FEATURE_SELECT, 4, vd->drv_features_sel);
	put(buf, DRIVER_FEATURE, 4,
	    vd->drv_features_sel > 1 ? 0 : vd->driver_features >> (32 * vd->drv_features_sel));
	put(buf, MSIX_CONFIG, 2, p->config_vector);
	put(buf, NUM_QUEUES, 2, vd->nqueues);
	put(buf, DEVICE_STATUS, 1, virtio_core_status(vd));
	put(buf, CONFIG_GENERATION, 1, vd->config_generation);
	put(buf, QUEUE_SELECT, 2, vd->queue_sel);
	if (!q)
		return;
	put(buf, QUEUE_SIZE, 2, q->num ? q->num : VIRTQ_MAX_SIZE);
	put(buf, QUEUE_MSIX_VECTOR, 2, p->queue_vector[vd->queue_sel]);
	put(buf, QUEUE_ENABLE, 2, q->ready);
	put(buf, QUEUE_NOTIFY_OFF, 2, vd->queue_sel);
	put(buf, QUEUE_DESC, 8, q->desc);
	put(buf, QUEUE_DRIVER, 8, q->avail);
	put(buf, QUEUE_DEVICE, 8, q->used);
}

static uint64_t common_read(struct virtio_pci *p, uint64_t off, unsigned size)
{
	uint8_t buf[COMMON_SIZE];
	uint64_t v = 0;

	if (off >= COMMON_SIZE || size > COMMON_SIZE - off) {
		p->vd->refused++;
		return 0;
	}
	common_snapshot(p, buf);
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)buf[off + i] << (8 * i);
	return v;
}

/* One half (high or not) of a queue address, or all of it. */
static void set_queue_addr(uint64_t *addr, unsigned rel, unsigned size, uint64_t v)
{
	if (size == 8)
		*addr = v;
	else if (rel == 4)
		*addr = (*addr & 0xffffffffull) | v << 32;
	else
		*addr = (*addr & ~0xffffffffull) | (uint32_t)v;
}

static void queue_write(struct virtio_pci *p, struct virtq *q, unsigned off,
			unsigned size, uint64_t v)
{
	struct virtio_core *vd = p->vd;
	unsigned field = off & ~7u, rel = off & 7u;

	if (off == QUEUE_MSIX_VECTOR && size == 2) {
		p->queue_vector[vd->queue_sel] = vector(p, (uint32_t)v);
		return;
	}
	if (off == QUEUE_ENABLE && size == 2) {
		if (v && !q->num)
			q->num = VIRTQ_MAX_SIZE;
		virtio_core_set_ready(vd, q, (uint32_t)v);
		return;
	}
	if (q->ready) /* the rest is fixed while the queue is live */
		return;
	if (off == QUEUE_SIZE && size == 2) {
		/* 0 would leave no ring to answer in: ignored */
		if (v && v <= VIRTQ_MAX_SIZE)
			q->num = (uint16_t)v;
		return;
	}
	if (field < QUEUE_DESC || !(size == 8 ? rel == 0 : size == 4)) {
		vd->refused++;
		return;
	}
	set_queue_addr(field == QUEUE_DESC ? &q->desc : field == QUEUE_DRIVER ? &q->avail
								      : &q->used,
		       rel, size, v);
}

static void common_write(struct virtio_pci *p, uint64_t off, unsigned size, uint64_t v)
{
	struct virtio_core *vd = p->vd;
	struct virtq *q = virtio_core_selected(vd);

	if (vd->resetting && off != DEVICE_STATUS)
		return; /* nothing changes until the reset ends */
	switch (off | (uint64_t)size << 8) {
	case DEVICE_FEATURE_SELECT | 4 << 8: vd->dev_features_sel = (uint32_t)v; return;
	case DRIVER_FEATURE_SELECT | 4 << 8: vd->drv_features_sel = (uint32_t)v; return;
	case DRIVER_FEATURE | 4 << 8: virtio_core_set_driver_word(vd, (uint32_t)v); return;
	case MSIX_CONFIG | 2 << 8: p->config_vector = vector(p, (uint32_t)v); return;
	case QUEUE_SELECT | 2 << 8: vd->queue_sel = (uint32_t)v; return;
	case DEVICE_STATUS | 1 << 8:
		/* The driver polls the status until it reads 0 (the reset ended). */
		if (!v) {
			reset_vectors(p);
			set_intx(p, false);
		}
		virtio_core_set_status(vd, (uint32_t)v);
		return;
	default: break;
	}
	if (q && off >= QUEUE_SIZE && off < COMMON_SIZE && off != QUEUE_NOTIFY_OFF)
		queue_write(p, q, (unsigned)off, size, v);
	else
		vd->refused++;
}

/* Reading the ISR acknowledges it: the INTx line drops. */
static uint64_t isr_read(struct virtio_pci *p)
{
	uint32_t isr = p->vd->isr;

	p->vd->isr = 0;
	set_intx(p, false);
	return isr;
}

static uint64_t main_bar_read(struct virtio_pci *p, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	if (off < ISR_OFF)
		return common_read(p, off - COMMON_OFF, size);
	if (off == ISR_OFF)
		return isr_read(p);
	if (off >= DEVICE_OFF && off < VIRTIO_PCI_NOTIFY_OFF &&
	    virtio_core_config_access(p->vd, off - DEVICE_OFF, &v, size, false))
		return v;
	if (off < ISR_OFF + 0x1000 || off >= VIRTIO_PCI_NOTIFY_OFF)
		return 0; /* the rest of the ISR page, notifications: nothing to read */
	p->vd->refused++;
	return 0;
}

static void main_bar_write(struct virtio_pci *p, uint64_t off, unsigned size, uint64_t v)
{
	if (off < ISR_OFF) {
		common_write(p, off - COMMON_OFF, size, v);
	} else if (off >= VIRTIO_PCI_NOTIFY_OFF) {
		/* A notify that missed the ioeventfd (an NISV store, a moved BAR). */
		virtio_core_notify(p->vd, (uint32_t)((off - VIRTIO_PCI_NOTIFY_OFF) /
						    VIRTIO_PCI_NOTIFY_MULTIPLIER));
	} else if (!(off >= DEVICE_OFF &&
		     virtio_core_config_access(p->vd, off - DEVICE_OFF, &v, size, true))) {
		p->vd->refused++;
	}
}

uint64_t virtio_pci_bar_read(void *opaque, unsigned bar, uint64_t off, unsigned size)
{
	struct virtio_pci *p = opaque;

	if (bar == VIRTIO_PCI_BAR)
		return main_bar_read(p, off, size);
	if (bar == VIRTIO_PCI_MSIX_BAR && p->has_msix)
		return off < MSIX_PBA_OFF ? pci_msix_table_read(&p->msix, off, size)
					  : pci_msix_pba_read(&p->msix, off - MSIX_PBA_OFF, size);
	return 0;
}

void virtio_pci_bar_write(void *opaque, unsigned bar, uint64_t off, unsigned size,
			  uint64_t val)
{
	struct virtio_pci *p = opaque;

	if (bar == VIRTIO_PCI_BAR)
		main_bar_write(p, off, size, val);
	else if (bar == VIRTIO_PCI_MSIX_BAR && p->has_msix && off < MSIX_PBA_OFF)
		pci_msix_table_write(&p->msix, off, size, val);
}

static bool overlaps(unsigned off, unsigned size, unsigned at, unsigned len)
{
	return off < at + len && at < off + size;
}

/* The PCI configuration access capability's window: which access it names. */
static bool cfg_window(struct virtio_pci *p, unsigned *bar, uint32_t *off, unsigned *len)
{
	*bar = pci_config_get(&p->fn.cfg, p->cfg_cap + 4, 1);
	*off = pci_config_get(&p->fn.cfg, p->cfg_cap + 8, 4);
	*len = pci_config_get(&p->fn.cfg, p->cfg_cap + 12, 4);
	/* the driver's numbers: an access of a legal width inside a BAR */
	return (*len == 1 || *len == 2 || *len == 4) && !(*off & (*len - 1)) &&
	       *bar < PCI_NUM_BARS && *off < p->fn.cfg.bar_size[*bar] &&
	       *len <= p->fn.cfg.bar_size[*bar] - *off;
}

void virtio_pci_config_written(void *opaque, unsigned off, unsigned size)
{
	struct virtio_pci *p = opaque;
	unsigned bar, len;
	uint32_t at;

	if (p->has_msix && overlaps(off, size, p->msix.cap, 4))
		pci_msix_config_written(&p->msix);
	if (overlaps(off, size, PCI_COMMAND, 2) ||
	    (p->has_msix && overlaps(off, size, p->msix.cap, 4)))
		update_intx(p);
	if (overlaps(off, size, p->cfg_cap + 16, 4) && cfg_window(p, &bar, &at, &len))
		virtio_pci_bar_write(p, bar, at, len,
				     pci_config_get(&p->fn.cfg, p->cfg_cap + 16, len));
}

void virtio_pci_config_reading(void *opaque, unsigned off, unsigned size)
{
	struct virtio_pci *p = opaque;
	unsigned bar, len;
	uint32_t at;

	if (overlaps(off, size, p->cfg_cap + 16, 4) && cfg_window(p, &bar, &at, &len))
		pci_config_set(&p->fn.cfg, p->cfg_cap + 16, len,
			       (uint32_t)virtio_pci_bar_read(p, bar, at, len));
}
