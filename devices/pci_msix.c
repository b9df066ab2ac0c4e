#include "a64vm/pci_msix.h"

#include <errno.h>
#include <string.h>

#include "a64vm/log.h"

#define PCI_CAP_ID_MSIX 0x11
#define CONTROL 2 /* Message Control, in the capability */
#define CONTROL_ENABLE 0x8000
#define CONTROL_MASK_ALL 0x4000
#define ENTRY_MASKED 1u

int pci_msix_init(struct pci_msix *m, struct pci_config *cfg, unsigned nvec,
		  unsigned bar, uint32_t table_off, uint32_t pba_off, uint64_t doorbell)
{
	int cap;

	if (!nvec || nvec > PCI_MSIX_MAX_VECTORS || bar >= PCI_NUM_BARS ||
	    (table_off | pba_off) & 7)
		return -EINVAL;
	cap = pci_config_add_cap(cfg, PCI_CAP_ID_MSIX, 12);
	if (cap < 0)
		return cap;
	m->cfg = cfg;
	m->cap = (unsigned)cap;
	m->nvec = nvec;
	m->doorbell = doorbell;
	pci_config_set(cfg, m->cap + CONTROL, 2, nvec - 1);
	pci_config_set(cfg, m->cap + 4, 4, table_off | bar);
	pci_config_set(cfg, m->cap + 8, 4, pba_off | bar);
	pci_config_writable(cfg, m->cap + CONTROL, 2, CONTROL_ENABLE | CONTROL_MASK_ALL);
	pci_msix_reset(m);
	return 0;
}

void pci_msix_reset(struct pci_msix *m)
{
	memset(m->table, 0, sizeof(m->table));
	for (unsigned v = 0; v < m->nvec; v++)
		m->table[v].ctrl = ENTRY_MASKED;
	m->pending = 0;
	pci_config_set(m->cfg, m->cap + CONTROL, 2, m->nvec - 1);
}

static uint32_t control(const struct pci_msix *m)
{
	return pci_config_get(m->cfg, m->cap + CONTROL, 2);
}

bool pci_msix_enabled(const struct pci_msix *m)
{
	return control(m) & CONTROL_ENABLE;
}

static bool masked(const struct pci_msix *m, unsigned v)
{
	return (control(m) & CONTROL_MASK_ALL) || (m->table[v].ctrl & ENTRY_MASKED) ||
	       !pci_msix_enabled(m);
}

bool pci_msix_vector_live(const struct pci_msix *m, unsigned v)
{
	return v < m->nvec && !masked(m, v) && pci_msix_address(m, v) == m->doorbell;
}

uint64_t pci_msix_address(const struct pci_msix *m, unsigned v)
{
	return (uint64_t)m->table[v].addr_hi << 32 | m->table[v].addr_lo;
}

static void send(struct pci_msix *m, unsigned v)
{
	if (pci_msix_address(m, v) != m->doorbell) {
		m->dropped++;
		if (!m->warned)
			log_warn("MSI-X vector %u aims at %#llx, not the ITS doorbell "
				 "%#llx: dropped (and every such message after it)", v,
				 (unsigned long long)pci_msix_address(m, v),
				 (unsigned long long)m->doorbell);
		m->warned = true;
		return;
	}
	m->deliver(m->ctx, v);
}

/* Pending vectors that are no longer masked go out now. */
static void flush(struct pci_msix *m)
{
	for (unsigned v = 0; v < m->nvec; v++)
		if ((m->pending & (1u << v)) && !masked(m, v)) {
			m->pending &= ~(1u << v);
			send(m, v);
		}
}

void pci_msix_config_written(struct pci_msix *m)
{
	flush(m);
}

void pci_msix_signal(struct pci_msix *m, unsigned v)
{
	if (v >= m->nvec)
		return;
	if (masked(m, v))
		m->pending |= 1u << v;
	else
		send(m, v);
}

static bool legal(uint64_t off, unsigned size, uint64_t len)
{
	return (size == 4 || size == 8) && !(off & (size - 1)) && off < len &&
	       size <= len - off;
}

static uint32_t *word(struct pci_msix *m, uint64_t off)
{
	return (uint32_t *)&m->table[off / PCI_MSIX_ENTRY_SIZE] +
	       (off % PCI_MSIX_ENTRY_SIZE) / 4;
}

uint64_t pci_msix_table_read(struct pci_msix *m, uint64_t off, unsigned size)
{
	uint64_t v;

	if (!legal(off, size, (uint64_t)m->nvec * PCI_MSIX_ENTRY_SIZE))
		return 0;
	v = *word(m, off);
	if (size == 8)
		v |= (uint64_t)*word(m, off + 4) << 32;
	return v;
}

static void write_word(struct pci_msix *m, uint64_t off, uint32_t val)
{
	unsigned v = (unsigned)(off / PCI_MSIX_ENTRY_SIZE);
	uint32_t *w = word(m, off);

	if (*w == val)
		return;
	*w = val;
	if (off % PCI_MSIX_ENTRY_SIZE != 12) {
		if (m->changed)
			m->changed(m->ctx, v);
		return;
	}
	*w = val & ENTRY_MASKED; /* the other bits are reserved */
	flush(m);
	if (m->changed) /* what delivers it directly follows the mask too */
		m->changed(m->ctx, v);
}

void pci_msix_table_write(struct pci_msix *m, uint64_t off, unsigned size, uint64_t val)
{
	if (!legal(off, size, (uint64_t)m->nvec * PCI_MSIX_ENTRY_SIZE))
		return;
	write_word(m, off, (uint32_t)val);
	if (size == 8)
		write_word(m, off + 4, (uint32_t)(val >> 32));
}

uint64_t pci_msix_pba_read(const struct pci_msix *m, uint64_t off, unsigned size)
{
	if (!legal(off, size, 8))
		return 0;
	return off ? 0 : m->pending;
}
