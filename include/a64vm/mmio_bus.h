/* The MMIO bus: guest-physical ranges -> device callbacks. */
#ifndef A64VM_MMIO_BUS_H
#define A64VM_MMIO_BUS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MMIO_BUS_MAX_REGIONS 64

/* Accesses are 1, 2, 4 or 8 bytes; values are little-endian numbers. */
typedef uint64_t (*mmio_read_fn)(void *opaque, uint64_t offset, unsigned size);
typedef void (*mmio_write_fn)(void *opaque, uint64_t offset, unsigned size,
			      uint64_t value);

struct mmio_region {
	const char *name;
	uint64_t base;
	uint64_t size;
	mmio_read_fn read;
	mmio_write_fn write;
	void *opaque;
	/* Held around every access when set: device models are not thread-safe. */
	pthread_mutex_t *lock;
	/*
	 * The access widths the device implements (0: 1 and 8). A wider access
	 * reaches it as several, in address order; a narrower one as one of
	 * min_width bytes, of which the low bytes count: as QEMU's memory API
	 * treats a region's implemented sizes.
	 */
	uint8_t min_width, max_width;
	_Atomic uint64_t hits; /* accesses that reached it: exits and replayed posted writes */
};

struct mmio_bus {
	struct mmio_region regions[MMIO_BUS_MAX_REGIONS]; /* sorted by base */
	unsigned count;
	_Atomic uint64_t unhandled; /* accesses that hit no device */
};

/* Returns 0, -EEXIST on overlap, -ENOSPC when full, -EINVAL on a bad range. */
int mmio_bus_register(struct mmio_bus *bus, const struct mmio_region *region);

const struct mmio_region *mmio_bus_find(const struct mmio_bus *bus,
					uint64_t gpa, unsigned size);

/*
 * Performs one access of 1, 2, 4 or 8 bytes. data holds size bytes,
 * little-endian. An access that hits no device reads as zero, is ignored on
 * write, is logged (rate limited) and returns -ENODEV.
 */
int mmio_bus_access(struct mmio_bus *bus, uint64_t gpa, uint8_t *data,
		    unsigned size, bool is_write);

/* "name N, name N": the regions accesses reached, the most first. */
void mmio_bus_describe_hits(const struct mmio_bus *bus, char *out, size_t size);

/*
 * size bytes of any count: one access when size is 1, 2, 4 or 8, as one
 * instruction that KVM decodes makes it, else naturally aligned pieces in
 * address order (the part of an access that crosses a page).
 */
int mmio_bus_access_span(struct mmio_bus *bus, uint64_t gpa, uint8_t *data,
			 unsigned size, bool is_write);

#endif
