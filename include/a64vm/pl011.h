/* Arm PL011 UART model: pure, no file descriptors, no KVM. */
#ifndef A64VM_PL011_H
#define A64VM_PL011_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PL011_MMIO_SIZE 0x1000
#define PL011_FIFO_DEPTH 32

struct pl011_ops {
	void (*set_irq)(void *ctx, bool level);
	void (*tx)(void *ctx, uint8_t byte);
	/* The receive FIFO has room again after being full. */
	void (*rx_room)(void *ctx);
};

struct pl011;

struct pl011 *pl011_create(const struct pl011_ops *ops, void *ctx);
void pl011_destroy(struct pl011 *uart);
void pl011_reset(struct pl011 *uart);

uint64_t pl011_read(struct pl011 *uart, uint64_t offset, unsigned size);
void pl011_write(struct pl011 *uart, uint64_t offset, unsigned size,
		 uint64_t value);

/* Queues received bytes; returns how many fit (the rest must wait). */
size_t pl011_receive(struct pl011 *uart, const uint8_t *buf, size_t len);

#endif
