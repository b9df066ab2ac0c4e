/*
 * PL031 RTC (Arm DDI 0224). The counter is the host clock plus an offset the
 * guest sets through LR, so the guest starts with the host's date.
 */
#include "a64vm/pl031.h"

#include <stdlib.h>

enum {
	REG_DR = 0x00, REG_MR = 0x04, REG_LR = 0x08, REG_CR = 0x0c,
	REG_IMSC = 0x10, REG_RIS = 0x14, REG_MIS = 0x18, REG_ICR = 0x1c,
	REG_ID = 0xfe0,
};

static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x04, 0x00,
				     0x0d, 0xf0, 0x05, 0xb1 };

struct pl031 {
	struct device_env env;
	int64_t offset; /* guest counter minus host seconds */
	uint32_t mr;
	uint32_t last; /* counter at the previous alarm check */
	bool ris, imsc, irq_level;
};

static uint32_t counter(struct pl031 *r)
{
	return (uint32_t)((int64_t)r->env.clock_s(r->env.ctx) + r->offset);
}

static void update_irq(struct pl031 *r)
{
	bool level = r->ris && r->imsc;

	if (level != r->irq_level) {
		r->irq_level = level;
		r->env.set_irq(r->env.ctx, level);
	}
}

static void *pl031_create(const struct device_env *env)
{
	struct pl031 *r = calloc(1, sizeof(*r));

	if (r)
		r->env = *env;
	return r;
}

static uint64_t pl031_read(void *dev, uint64_t off, unsigned size)
{
	struct pl031 *r = dev;

	(void)size;
	if (off >= REG_ID && off < REG_ID + 0x20 && !(off & 3))
		return pl031_id[(off - REG_ID) / 4];
	switch (off) {
	case REG_DR: return counter(r);
	case REG_MR: return r->mr;
	case REG_LR: return counter(r);
	case REG_CR: return 1; /* always started */
	case REG_IMSC: return r->imsc;
	case REG_RIS: return r->ris;
	case REG_MIS: return r->ris && r->imsc;
	default: return 0;
	}
}

/* The alarm matches when the counter passed MR since the last check. */
static void pl031_tick(void *dev)
{
	struct pl031 *r = dev;
	uint32_t now = counter(r);

	if (r->imsc && r->mr != r->last &&
	    (uint32_t)(r->mr - r->last) <= (uint32_t)(now - r->last))
		r->ris = true;
	r->last = now;
	update_irq(r);
}

static void pl031_write(void *dev, uint64_t off, unsigned size, uint64_t value)
{
	struct pl031 *r = dev;
	uint32_t v = (uint32_t)value;

	(void)size;
	switch (off) {
	case REG_MR: r->mr = v; r->last = counter(r); break;
	case REG_LR: r->offset = (int64_t)v - (int64_t)r->env.clock_s(r->env.ctx); break;
	case REG_IMSC: r->imsc = v & 1; r->last = counter(r); break;
	case REG_ICR: if (v & 1) r->ris = false; break;
	default: break; /* CR cannot stop the clock; the rest is read-only */
	}
	pl031_tick(r);
}

/* The clock keeps running through a reboot, as a battery-backed one would. */
const struct device_ops pl031_device = {
	.name = "pl031", .create = pl031_create, .destroy = free,
	.read = pl031_read, .write = pl031_write, .tick = pl031_tick,
	.dt = { .name = "pl031", DEVICE_DT_COMPATIBLE("arm,pl031\0arm,primecell"),
		.clocks = DEVICE_CLOCKS_APB },
};
