/* Arm PL031 real-time clock model: pure, the time comes from a callback. */
#ifndef A64VM_PL031_H
#define A64VM_PL031_H

#include <stdbool.h>
#include <stdint.h>

#define PL031_MMIO_SIZE 0x1000

struct pl031_ops {
	void (*set_irq)(void *ctx, bool level);
	/* Seconds since the epoch, host clock. */
	uint64_t (*now)(void *ctx);
};

struct pl031;

struct pl031 *pl031_create(const struct pl031_ops *ops, void *ctx);
void pl031_destroy(struct pl031 *rtc);

uint64_t pl031_read(struct pl031 *rtc, uint64_t offset, unsigned size);
void pl031_write(struct pl031 *rtc, uint64_t offset, unsigned size,
		 uint64_t value);

/* Checks the alarm against the clock; call at least once a second. */
void pl031_tick(struct pl031 *rtc);

#endif
