/*
 * PL061 GPIO (Arm DDI 0190). GPIODATA is addressed through a mask in
 * address bits 9:2. Edge interrupts latch in RIS until cleared through IC;
 * level interrupts follow the pin.
 */
#include "a64vm/pl061.h"

#include <errno.h>
#include <stdlib.h>

#include "a64vm/snapshot_file.h"

enum {
	REG_DATA_END = 0x400, REG_DIR = 0x400, REG_IS = 0x404, REG_IBE = 0x408,
	REG_IEV = 0x40c, REG_IE = 0x410, REG_RIS = 0x414, REG_MIS = 0x418,
	REG_IC = 0x41c, REG_AFSEL = 0x420, REG_ID = 0xfe0,
};

static const uint8_t pl061_id[8] = { 0x61, 0x10, 0x04, 0x00,
				     0x0d, 0xf0, 0x05, 0xb1 };

struct pl061 {
	struct device_env env;
	uint8_t out, in, dir, is, ibe, iev, ie, edges, afsel;
	bool irq_level;
};

static uint8_t pins(const struct pl061 *g)
{
	return (uint8_t)((g->out & g->dir) | (g->in & ~g->dir));
}

static uint8_t raw_status(const struct pl061 *g)
{
	/* Level-sensitive pins are active at the level IEV names. */
	uint8_t level = (uint8_t)(g->is & ~(pins(g) ^ g->iev));

	return (uint8_t)((g->edges & ~g->is) | level);
}

static void update_irq(struct pl061 *g)
{
	bool level = (raw_status(g) & g->ie) != 0;

	if (level != g->irq_level) {
		g->irq_level = level;
		g->env.set_irq(g->env.ctx, level);
	}
}

/* Latches edge interrupts for pins whose level changed from old. */
static void detect_edges(struct pl061 *g, uint8_t old)
{
	uint8_t now = pins(g), changed = old ^ now;
	uint8_t rising = changed & now, falling = changed & old;

	g->edges |= (uint8_t)(changed & g->ibe);
	g->edges |= (uint8_t)(~g->ibe & ((rising & g->iev) | (falling & ~g->iev)));
	update_irq(g);
}

static void *pl061_create(const struct device_env *env)
{
	struct pl061 *g = calloc(1, sizeof(*g));

	if (g)
		g->env = *env;
	return g;
}

static void pl061_reset(void *dev)
{
	struct pl061 *g = dev;

	g->out = g->dir = g->is = g->ibe = g->iev = g->ie = g->edges = g->afsel = 0;
	update_irq(g);
}

static uint64_t pl061_read(void *dev, uint64_t off, unsigned size)
{
	struct pl061 *g = dev;

	(void)size;
	if (off < REG_DATA_END)
		return pins(g) & (off >> 2);
	/* Any byte of an ID register reads it whole, as in QEMU's model. */
	if (off >= REG_ID && off < REG_ID + 0x20)
		return pl061_id[(off - REG_ID) / 4];
	switch (off) {
	case REG_DIR: return g->dir;
	case REG_IS: return g->is;
	case REG_IBE: return g->ibe;
	case REG_IEV: return g->iev;
	case REG_IE: return g->ie;
	case REG_RIS: return raw_status(g);
	case REG_MIS: return raw_status(g) & g->ie;
	case REG_AFSEL: return g->afsel;
	default: return 0;
	}
}

static void pl061_write(void *dev, uint64_t off, unsigned size, uint64_t value)
{
	struct pl061 *g = dev;
	uint8_t v = (uint8_t)value, old = pins(g);

	(void)size;
	if (off < REG_DATA_END) {
		uint8_t mask = (uint8_t)((off >> 2) & g->dir);

		g->out = (uint8_t)((g->out & ~mask) | (v & mask));
		detect_edges(g, old);
		return;
	}
	switch (off) {
	case REG_DIR: g->dir = v; detect_edges(g, old); return;
	case REG_IS: g->is = v; break;
	case REG_IBE: g->ibe = v; break;
	case REG_IEV: g->iev = v; break;
	case REG_IE: g->ie = v; break;
	case REG_IC: g->edges &= (uint8_t)~v; break;
	case REG_AFSEL: g->afsel = v; break;
	default: break; /* read-only or reserved */
	}
	update_irq(g);
}

/* Drives input pin (0..7) to level, as a button or line outside would. */
static void pl061_set_line(void *dev, unsigned pin, bool level)
{
	struct pl061 *g = dev;
	uint8_t old = pins(g), bit = (uint8_t)(1u << (pin % PL061_PINS));

	g->in = level ? (uint8_t)(g->in | bit) : (uint8_t)(g->in & ~bit);
	detect_edges(g, old);
}

static void pl061_save(const void *dev, struct snapshot_writer *w)
{
	const struct pl061 *g = dev;
	const uint8_t regs[] = { g->out, g->in, g->dir, g->is, g->ibe, g->iev, g->ie,
				 g->edges, g->afsel };

	snapshot_put_bytes(w, regs, sizeof(regs));
}

static int pl061_restore(void *dev, struct snapshot_cursor *c)
{
	struct pl061 *g = dev;
	uint8_t r[9];

	snapshot_get_bytes(c, r, sizeof(r));
	if (!snapshot_cursor_done(c))
		return -EINVAL;
	g->out = r[0], g->in = r[1], g->dir = r[2], g->is = r[3], g->ibe = r[4];
	g->iev = r[5], g->ie = r[6], g->edges = r[7], g->afsel = r[8];
	g->irq_level = (raw_status(g) & g->ie) != 0;
	g->env.set_irq(g->env.ctx, g->irq_level);
	return 0;
}

const struct device_ops pl061_device = {
	.name = "pl061", .create = pl061_create, .destroy = free,
	.reset = pl061_reset, .read = pl061_read, .write = pl061_write,
	.set_line = pl061_set_line, .save = pl061_save, .restore = pl061_restore,
	.max_width = 4, /* 32-bit registers, as QEMU implements them */
	.dt = { .name = "pl061", DEVICE_DT_COMPATIBLE("arm,pl061\0arm,primecell"),
		.clocks = DEVICE_CLOCKS_APB, .gpio_controller = true },
};
