/*
 * PL031 RTC (Arm DDI 0224), as QEMU's model answers: the counter is the
 * host's clock plus an offset the guest sets through LR, which reads back
 * what was loaded. The alarm is a timer for the very instant the counter
 * reaches MR; it sets RIS whether or not it is masked (IMSC).
 */
#include "a64vm/pl031.h"

#include <errno.h>
#include <stdlib.h>

#include "a64vm/snapshot_file.h"

#define NS_PER_S 1000000000ull

enum {
	REG_DR = 0x00, REG_MR = 0x04, REG_LR = 0x08, REG_CR = 0x0c,
	REG_IMSC = 0x10, REG_RIS = 0x14, REG_MIS = 0x18, REG_ICR = 0x1c,
	REG_ID = 0xfe0,
};

/* PrimeCell identification: part 0x031, designer Arm, revision 1. */
static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x14, 0x00,
				     0x0d, 0xf0, 0x05, 0xb1 };

struct pl031 {
	struct device_env env;
	int64_t offset; /* guest counter minus host seconds */
	uint32_t mr, lr;
	bool ris, imsc, irq_level;
};

static uint64_t host_s(const struct pl031 *r)
{
	return r->env.clock_ns(r->env.ctx) / NS_PER_S;
}

static uint32_t counter(const struct pl031 *r)
{
	return (uint32_t)((int64_t)host_s(r) + r->offset);
}

static void update_irq(struct pl031 *r)
{
	bool level = r->ris && r->imsc;

	if (level != r->irq_level) {
		r->irq_level = level;
		r->env.set_irq(r->env.ctx, level);
	}
}

static void alarm(struct pl031 *r)
{
	r->ris = true;
	update_irq(r);
}

/* The counter wraps: MR lies ahead by MR - counter seconds, mod 2^32. */
static void set_alarm(struct pl031 *r)
{
	uint64_t now = host_s(r);
	uint32_t ahead = r->mr - (uint32_t)((int64_t)now + r->offset);

	if (!ahead) {
		r->env.set_timer(r->env.ctx, 0);
		alarm(r);
		return;
	}
	r->env.set_timer(r->env.ctx, (now + ahead) * NS_PER_S);
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
	/* Any byte of an ID register reads it whole, as in QEMU's model. */
	if (off >= REG_ID && off < REG_ID + 0x20)
		return pl031_id[(off - REG_ID) / 4];
	switch (off) {
	case REG_DR: return counter(r);
	case REG_MR: return r->mr;
	case REG_LR: return r->lr;
	case REG_CR: return 1; /* always started */
	case REG_IMSC: return r->imsc;
	case REG_RIS: return r->ris;
	case REG_MIS: return r->ris && r->imsc;
	default: return 0;
	}
}

static void pl031_write(void *dev, uint64_t off, unsigned size, uint64_t value)
{
	struct pl031 *r = dev;
	uint32_t v = (uint32_t)value;

	(void)size;
	switch (off) {
	case REG_MR:
		r->mr = v;
		set_alarm(r);
		break;
	case REG_LR:
		r->offset = (int64_t)v - (int64_t)host_s(r);
		r->lr = v;
		set_alarm(r);
		break;
	case REG_IMSC:
		r->imsc = v & 1;
		update_irq(r);
		break;
	case REG_ICR:
		if (v & 1)
			r->ris = false;
		update_irq(r);
		break;
	default: break; /* CR cannot stop the clock; the rest is read-only */
	}
}

/* The timer set_alarm armed: the counter has reached MR. */
static void pl031_timer(void *dev)
{
	alarm(dev);
}

/* The offset is kept: after a restore the counter reads the host's time as the guest set it. */
static void pl031_save(const void *dev, struct snapshot_writer *w)
{
	const struct pl031 *r = dev;

	snapshot_put_u64(w, (uint64_t)r->offset);
	snapshot_put_u32(w, r->mr);
	snapshot_put_u32(w, r->lr);
	snapshot_put_u32(w, (uint32_t)r->ris | (uint32_t)r->imsc << 1);
}

static int pl031_restore(void *dev, struct snapshot_cursor *c)
{
	struct pl031 *r = dev;
	int64_t offset = (int64_t)snapshot_get_u64(c);
	uint32_t mr = snapshot_get_u32(c), lr = snapshot_get_u32(c), bits = snapshot_get_u32(c);

	if (!snapshot_cursor_done(c) || bits > 3)
		return -EINVAL;
	r->offset = offset;
	r->mr = mr;
	r->lr = lr;
	r->ris = bits & 1;
	r->imsc = bits & 2;
	r->irq_level = r->ris && r->imsc;
	r->env.set_irq(r->env.ctx, r->irq_level);
	if (r->mr) /* an alarm the guest set */
		set_alarm(r);
	return 0;
}

/* The clock keeps running through a reboot, as a battery-backed one would. */
const struct device_ops pl031_device = {
	.name = "pl031", .create = pl031_create, .destroy = free,
	.read = pl031_read, .write = pl031_write, .timer = pl031_timer,
	.save = pl031_save, .restore = pl031_restore,
	.max_width = 4, /* 32-bit registers, as QEMU implements them */
	.dt = { .name = "pl031", DEVICE_DT_COMPATIBLE("arm,pl031\0arm,primecell"),
		.clocks = DEVICE_CLOCKS_APB },
};
