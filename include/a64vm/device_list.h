/*
 * Every device of the machine in one list: the board's and the virtio
 * transports. Both the MMIO bus and the device tree are made from it, so
 * the two cannot disagree and the loader reads one list.
 */
#ifndef A64VM_DEVICE_LIST_H
#define A64VM_DEVICE_LIST_H

#include "a64vm/dtb.h"
#include "a64vm/mmio_bus.h"

#define DEVICE_LIST_MAX MMIO_BUS_MAX_REGIONS

struct device_list {
	struct mmio_region regions[DEVICE_LIST_MAX];
	struct dtb_device nodes[DEVICE_LIST_MAX]; /* .dt NULL: no node */
	unsigned n;
	int power_button_pin; /* gpio-keys KEY_POWER on this GPIO pin; -1: none */
};

void device_list_init(struct device_list *l);

/* A device: where the bus finds it, and its node (NULL: none). 0 or -ENOSPC. */
int device_list_add(struct device_list *l, const struct mmio_region *region,
		    const struct dtb_device *node);

/* Every device onto bus; 0 or what mmio_bus_register said (an overlap). */
int device_list_register(const struct device_list *l, struct mmio_bus *bus);

/* The device tree's nodes, in the order the devices came; how many. */
unsigned device_list_nodes(const struct device_list *l, struct dtb_device *out,
			   unsigned max);

#endif
