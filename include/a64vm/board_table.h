/*
 * The machine's platform devices: which model sits at which address of the
 * memory map, with which interrupt. vmm/board.c creates each present
 * device and puts it on the machine's device list with its node
 * (board_table_node): the MMIO bus and the device tree both come from that
 * list, so they cannot disagree. A new platform device is its model, its
 * place in memmap.h, its unit test and one line here.
 */
#ifndef A64VM_BOARD_TABLE_H
#define A64VM_BOARD_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/device.h"
#include "a64vm/dtb.h"

/* What a device is to the rest of the machine. */
enum board_role {
	BOARD_ROLE_NONE,
	BOARD_ROLE_CONSOLE,	 /* the UART: console input, stdout-path */
	BOARD_ROLE_POWER_BUTTON, /* the GPIO controller with the power button */
	BOARD_ROLE_FLASH0,	 /* the firmware's flash bank */
	BOARD_ROLE_FLASH1,	 /* the variables' flash bank */
	BOARD_ROLE_FW_CFG,	 /* firmware configuration: kernel, initrd, ... */
	BOARD_ROLE_PCI_HOST,	 /* the PCIe host bridge: also the 64-bit window */
};

/* What the machine has beyond what it always has. */
struct board_features {
	bool testdev; /* --testdev */
	bool flash;   /* flash banks: firmware, or an ELF that loads into them */
};

struct board_slot {
	const struct device_ops *ops;
	uint64_t base, size;
	int spi; /* -1: none */
	enum board_role role;
	bool (*wanted)(const struct board_features *f); /* NULL: always there */
};

extern const struct board_slot board_table[];
extern const unsigned board_table_len;

/* Whether a machine with features f has the slot's device. */
bool board_table_present(const struct board_slot *slot,
			 const struct board_features *f);

/*
 * The device tree nodes of the devices present, into out (room for max);
 * how many. *power_button_pin gets the power button's GPIO pin, or -1.
 */
unsigned board_table_dtb(const struct board_features *f, struct dtb_device *out,
			 unsigned max, int *power_button_pin);

/* slot's device tree node; false when it has none (the test device). */
bool board_table_node(const struct board_slot *slot, struct dtb_device *out);

#endif
