/*
 * The machine's devices on QEMU virt's memory map: one static table says
 * what sits where; this glue creates the pure models, locks them, wires
 * their interrupts to the vGIC and registers them on the MMIO bus.
 */
#ifndef A64VM_BOARD_H
#define A64VM_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "a64vm/dtb.h"

struct vm;
struct board;

struct board_console_ops {
	void (*output)(void *ctx, uint8_t byte);
	void (*input_room)(void *ctx);
};

int board_create(struct vm *vm, const struct board_console_ops *console,
		 void *console_ctx, struct board **out);
void board_destroy(struct board *board);

/* Device state back to power-on, for a reboot. */
void board_reset(struct board *board);

/* Once a second or so: the RTC alarm, releasing the power button. */
void board_tick(struct board *board);

/* Presses the power button (PL061 pin BOARD_POWER_BUTTON_PIN). */
#define BOARD_POWER_BUTTON_PIN 3
void board_power_button(struct board *board);

/* Console bytes to the UART; returns how many it took. */
size_t board_console_input(struct board *board, const uint8_t *buf, size_t len);

/* The device nodes for the generated device tree. */
const struct dtb_device *board_dtb_devices(unsigned *count);

#endif
