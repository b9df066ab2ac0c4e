/* Arm PL061 GPIO controller model: pure; inputs driven by the board. */
#ifndef A64VM_PL061_H
#define A64VM_PL061_H

#include <stdbool.h>
#include <stdint.h>

#define PL061_MMIO_SIZE 0x1000
#define PL061_PINS 8

struct pl061_ops {
	void (*set_irq)(void *ctx, bool level);
};

struct pl061;

struct pl061 *pl061_create(const struct pl061_ops *ops, void *ctx);
void pl061_destroy(struct pl061 *gpio);
void pl061_reset(struct pl061 *gpio);

uint64_t pl061_read(struct pl061 *gpio, uint64_t offset, unsigned size);
void pl061_write(struct pl061 *gpio, uint64_t offset, unsigned size,
		 uint64_t value);

/* Drives input pin (0..7) to level, as a button or line outside would. */
void pl061_set_input(struct pl061 *gpio, unsigned pin, bool level);

#endif
