#include "a64vm/device_list.h"

#include <errno.h>
#include <string.h>

void device_list_init(struct device_list *l)
{
	memset(l, 0, sizeof(*l));
	l->power_button_pin = -1;
}

int device_list_add(struct device_list *l, const struct mmio_region *region,
		    const struct dtb_device *node)
{
	if (l->n == DEVICE_LIST_MAX)
		return -ENOSPC;
	l->regions[l->n] = *region;
	l->nodes[l->n] = node ? *node : (struct dtb_device){ .spi = -1 };
	l->n++;
	return 0;
}

int device_list_register(const struct device_list *l, struct mmio_bus *bus)
{
	int ret = 0;

	for (unsigned i = 0; i < l->n && !ret; i++)
		ret = mmio_bus_register(bus, &l->regions[i]);
	return ret;
}

unsigned device_list_nodes(const struct device_list *l, struct dtb_device *out,
			   unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < l->n && n < max; i++)
		if (l->nodes[i].dt)
			out[n++] = l->nodes[i];
	return n;
}
