#include "a64vm/mmio_bus.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/log.h"

static bool region_end(const struct mmio_region *r, uint64_t *end)
{
	return !__builtin_add_overflow(r->base, r->size, end);
}

int mmio_bus_register(struct mmio_bus *bus, const struct mmio_region *region)
{
	uint64_t end;
	unsigned i;

	if (!region->size || !region->read || !region->write ||
	    !region_end(region, &end) ||
	    (region->min_width && region->max_width &&
	     region->min_width > region->max_width))
		return -EINVAL;
	if (bus->count == MMIO_BUS_MAX_REGIONS)
		return -ENOSPC;
	for (i = 0; i < bus->count; i++) {
		const struct mmio_region *r = &bus->regions[i];

		if (region->base < r->base + r->size && r->base < end) {
			log_error("MMIO region %s [%#llx, %#llx) overlaps %s",
				  region->name, (unsigned long long)region->base,
				  (unsigned long long)end, r->name);
			return -EEXIST;
		}
		if (r->base > region->base)
			break;
	}
	memmove(&bus->regions[i + 1], &bus->regions[i],
		(bus->count - i) * sizeof(bus->regions[0]));
	bus->regions[i] = *region;
	bus->count++;
	return 0;
}

const struct mmio_region *mmio_bus_find(const struct mmio_bus *bus,
					uint64_t gpa, unsigned size)
{
	unsigned lo = 0, hi = bus->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct mmio_region *r = &bus->regions[mid];

		if (gpa < r->base) {
			hi = mid;
		} else if (gpa - r->base >= r->size) {
			lo = mid + 1;
		} else {
			/* The whole access must sit inside the region. */
			return size <= r->size - (gpa - r->base) ? r : NULL;
		}
	}
	return NULL;
}

/*
 * The access in pieces the device implements: a wide one split in address
 * order, a narrow one widened to min_width with only its low bytes used.
 */
static void access_region(const struct mmio_region *r, uint64_t off, uint8_t *data,
			  unsigned size, bool is_write)
{
	unsigned max = r->max_width ? r->max_width : 8, min = r->min_width ? r->min_width : 1;
	unsigned width = size > max ? max : size < min ? min : size;

	/* A widened access must still fit the region, or it is not made. */
	if (width > size && width > r->size - off) {
		if (!is_write)
			memset(data, 0, size);
		return;
	}
	for (unsigned done = 0; done < size; done += width) {
		unsigned n = size - done < width ? size - done : width;
		uint64_t value = 0;

		if (is_write) {
			for (unsigned i = 0; i < n; i++)
				value |= (uint64_t)data[done + i] << (8 * i);
			r->write(r->opaque, off + done, width, value);
		} else {
			value = r->read(r->opaque, off + done, width);
			for (unsigned i = 0; i < n; i++)
				data[done + i] = (uint8_t)(value >> (8 * i));
		}
	}
}

int mmio_bus_access(struct mmio_bus *bus, uint64_t gpa, uint8_t *data,
		    unsigned size, bool is_write)
{
	const struct mmio_region *r;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	r = mmio_bus_find(bus, gpa, size);
	if (!r) {
		atomic_fetch_add_explicit(&bus->unhandled, 1, memory_order_relaxed);
		log_ratelimited(LOG_WARN,
				"guest %s of %u bytes at %#llx hits no device: %s",
				is_write ? "write" : "read", size,
				(unsigned long long)gpa,
				is_write ? "ignored" : "reads as zero");
		if (!is_write)
			memset(data, 0, size);
		return -ENODEV;
	}
	atomic_fetch_add_explicit(&bus->regions[r - bus->regions].hits, 1,
				  memory_order_relaxed);
	if (r->lock)
		pthread_mutex_lock(r->lock);
	access_region(r, gpa - r->base, data, size, is_write);
	if (r->lock)
		pthread_mutex_unlock(r->lock);
	return 0;
}

void mmio_bus_describe_hits(const struct mmio_bus *bus, char *out, size_t size)
{
	uint64_t hits[MMIO_BUS_MAX_REGIONS];
	size_t len = 0;

	for (unsigned i = 0; i < bus->count; i++)
		hits[i] = atomic_load_explicit(&bus->regions[i].hits, memory_order_relaxed);
	if (size)
		out[0] = '\0';
	for (;;) { /* the largest left, until none */
		unsigned best = 0;
		int n;

		for (unsigned i = 1; i < bus->count; i++)
			if (hits[i] > hits[best])
				best = i;
		if (!bus->count || !hits[best] || len >= size)
			return;
		n = snprintf(out + len, size - len, "%s%s %llu", len ? ", " : "",
			     bus->regions[best].name, (unsigned long long)hits[best]);
		len += n > 0 ? (size_t)n : 0;
		hits[best] = 0;
	}
}

int mmio_bus_access_span(struct mmio_bus *bus, uint64_t gpa, uint8_t *data,
			 unsigned size, bool is_write)
{
	if (size == 1 || size == 2 || size == 4 || size == 8)
		return mmio_bus_access(bus, gpa, data, size, is_write);
	for (unsigned done = 0, n; done < size; done += n) {
		uint64_t at = gpa + done;
		int ret;

		for (n = 8; n > size - done || (at & (n - 1)); n /= 2)
			;
		ret = mmio_bus_access(bus, at, data + done, n, is_write);
		if (ret)
			return ret;
	}
	return 0;
}
