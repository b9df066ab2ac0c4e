/*
 * PL011 UART (Arm DDI 0183). Transmission is instant: the TX FIFO is always
 * empty, so FR.TXFE is set and the TX interrupt is raised by each write, as
 * on QEMU's model. Receive interrupts are level: asserted while data waits.
 * Writes to DR may be posted (device.h): a byte and its TX interrupt then
 * come by the guest's next read of the UART (Linux reads FR before each
 * console byte, RIS after each burst from its interrupt) or its next exit.
 */
#include "a64vm/pl011.h"

#include <errno.h>
#include <stdlib.h>

#include "a64vm/snapshot_file.h"

enum {
	REG_DR = 0x00, REG_RSR = 0x04, REG_FR = 0x18, REG_ILPR = 0x20,
	REG_IBRD = 0x24, REG_FBRD = 0x28, REG_LCR_H = 0x2c, REG_CR = 0x30,
	REG_IFLS = 0x34, REG_IMSC = 0x38, REG_RIS = 0x3c, REG_MIS = 0x40,
	REG_ICR = 0x44, REG_DMACR = 0x48, REG_ID = 0xfe0,
};

enum {
	FR_RXFE = 1u << 4, FR_TXFF = 1u << 5, FR_RXFF = 1u << 6,
	FR_TXFE = 1u << 7,
};

enum { INT_RX = 1u << 4, INT_TX = 1u << 5, INT_RT = 1u << 6 };
#define INT_ALL 0x7ffu

enum { LCR_FEN = 1u << 4 };

/* PrimeCell identification: part 0x011, designer Arm, revision 1. */
static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00,
				     0x0d, 0xf0, 0x05, 0xb1 };

struct pl011 {
	struct device_env env;
	uint8_t fifo[PL011_FIFO_DEPTH];
	unsigned head, count;
	bool was_full;
	bool irq_level;
	uint32_t ris, imsc;
	uint32_t ibrd, fbrd, lcr_h, cr, ifls, dmacr, ilpr;
};

static unsigned rx_capacity(const struct pl011 *u)
{
	return (u->lcr_h & LCR_FEN) ? PL011_FIFO_DEPTH : 1;
}

static void update_irq(struct pl011 *u)
{
	bool level;

	if (u->count)
		u->ris |= INT_RX | INT_RT;
	else
		u->ris &= ~(uint32_t)(INT_RX | INT_RT);
	level = (u->ris & u->imsc) != 0;
	if (level != u->irq_level) {
		u->irq_level = level;
		u->env.set_irq(u->env.ctx, level);
	}
}

static void pl011_reset(void *dev)
{
	struct pl011 *u = dev;

	u->head = u->count = 0;
	u->ris = u->imsc = 0;
	u->ibrd = u->fbrd = u->lcr_h = u->dmacr = u->ilpr = 0;
	u->cr = 0x300; /* TXE | RXE */
	u->ifls = 0x12;
	if (u->was_full) {
		u->was_full = false;
		u->env.console_room(u->env.ctx);
	}
	if (u->irq_level) {
		u->irq_level = false;
		u->env.set_irq(u->env.ctx, false);
	}
}

static uint32_t read_dr(struct pl011 *u)
{
	uint32_t c;

	if (!u->count)
		return 0;
	c = u->fifo[u->head];
	u->head = (u->head + 1) % PL011_FIFO_DEPTH;
	u->count--;
	update_irq(u);
	if (u->was_full) {
		u->was_full = false;
		u->env.console_room(u->env.ctx);
	}
	return c;
}

static void *pl011_create(const struct device_env *env)
{
	struct pl011 *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->env = *env;
	pl011_reset(u);
	return u;
}

static uint64_t pl011_read(void *dev, uint64_t off, unsigned size)
{
	struct pl011 *u = dev;

	(void)size;
	off &= ~3ull; /* the word's register, as QEMU's model decodes it */
	if (off >= REG_ID && off < REG_ID + 0x20)
		return pl011_id[(off - REG_ID) / 4];
	switch (off) {
	case REG_DR: return read_dr(u);
	case REG_RSR: return 0;
	case REG_FR:
		return FR_TXFE | (u->count ? 0 : FR_RXFE) |
		       (u->count >= rx_capacity(u) ? FR_RXFF : 0);
	case REG_ILPR: return u->ilpr;
	case REG_IBRD: return u->ibrd;
	case REG_FBRD: return u->fbrd;
	case REG_LCR_H: return u->lcr_h;
	case REG_CR: return u->cr;
	case REG_IFLS: return u->ifls;
	case REG_IMSC: return u->imsc;
	case REG_RIS: return u->ris;
	case REG_MIS: return u->ris & u->imsc;
	case REG_DMACR: return u->dmacr;
	default: return 0; /* reserved: RAZ */
	}
}

static void pl011_write(void *dev, uint64_t off, unsigned size, uint64_t value)
{
	struct pl011 *u = dev;
	uint32_t v = (uint32_t)value;

	(void)size;
	switch (off & ~3ull) {
	case REG_DR:
		u->env.console_out(u->env.ctx, (uint8_t)v);
		u->ris |= INT_TX;
		break;
	case REG_RSR: break; /* clears errors; none are modelled */
	case REG_ILPR: u->ilpr = v & 0xff; break;
	case REG_IBRD: u->ibrd = v & 0xffff; break;
	case REG_FBRD: u->fbrd = v & 0x3f; break;
	case REG_LCR_H:
		/* Turning the FIFO off or on flushes it, as on hardware. */
		if ((u->lcr_h ^ v) & LCR_FEN) {
			u->count = 0;
			if (u->was_full) {
				u->was_full = false;
				u->env.console_room(u->env.ctx);
			}
		}
		u->lcr_h = v & 0xff;
		break;
	case REG_CR: u->cr = v & 0xff87; break;
	case REG_IFLS: u->ifls = v & 0x3f; break;
	case REG_IMSC: u->imsc = v & INT_ALL; break;
	case REG_ICR: u->ris &= ~v; break;
	case REG_DMACR: u->dmacr = v & 7; break;
	default: break; /* read-only or reserved: WI */
	}
	update_irq(u);
}

/* Queues received bytes; returns how many fit (the rest must wait). */
static size_t pl011_input(void *dev, const uint8_t *buf, size_t len)
{
	struct pl011 *u = dev;
	size_t n = 0;

	while (n < len && u->count < rx_capacity(u)) {
		u->fifo[(u->head + u->count) % PL011_FIFO_DEPTH] = buf[n++];
		u->count++;
	}
	if (n < len)
		u->was_full = true;
	update_irq(u);
	return n;
}

static void pl011_save(const void *dev, struct snapshot_writer *w)
{
	const struct pl011 *u = dev;
	const uint32_t regs[] = { u->head, u->count, u->ris, u->imsc, u->ibrd, u->fbrd,
				  u->lcr_h, u->cr, u->ifls, u->dmacr, u->ilpr };

	snapshot_put_bytes(w, u->fifo, sizeof(u->fifo));
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		snapshot_put_u32(w, regs[i]);
}

static int pl011_restore(void *dev, struct snapshot_cursor *c)
{
	struct pl011 *u = dev, s = *u;
	uint32_t *regs[] = { &s.ris, &s.imsc, &s.ibrd, &s.fbrd, &s.lcr_h, &s.cr, &s.ifls,
			     &s.dmacr, &s.ilpr };

	snapshot_get_bytes(c, s.fifo, sizeof(s.fifo));
	s.head = snapshot_get_u32(c);
	s.count = snapshot_get_u32(c);
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		*regs[i] = snapshot_get_u32(c);
	if (!snapshot_cursor_done(c) || s.head >= PL011_FIFO_DEPTH || s.count > rx_capacity(&s) ||
	    s.imsc & ~INT_ALL || s.ris & ~INT_ALL)
		return -EINVAL;
	*u = s;
	u->was_full = false;
	u->irq_level = (u->ris & u->imsc) != 0;
	u->env.set_irq(u->env.ctx, u->irq_level);
	u->env.console_room(u->env.ctx); /* input may flow again */
	return 0;
}

const struct device_ops pl011_device = {
	.name = "pl011", .create = pl011_create, .destroy = free,
	.reset = pl011_reset, .read = pl011_read, .write = pl011_write,
	.input = pl011_input, .save = pl011_save, .restore = pl011_restore,
	.min_width = 4, .max_width = 4, /* 32-bit registers, as QEMU implements them */
	/* The data register: a byte out costs one exit (FR), not two. */
	.posted_offset = REG_DR, .posted_size = 4,
	.dt = { .name = "pl011", DEVICE_DT_COMPATIBLE("arm,pl011\0arm,primecell"),
		.clocks = DEVICE_CLOCKS_UART_APB },
};
